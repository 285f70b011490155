package service

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
)

// BenchmarkFileReplay runs the whole pipeline in process over a saved
// error storm (file source, built-in rules, the memory store): the cost
// per kernel line, without the process and stdout of the end-to-end
// benchmark in tests/daemon.
//
//	go test ./service -run '^$' -bench FileReplay
func BenchmarkFileReplay(b *testing.B) {
	const lines = 20_000
	dir := b.TempDir()
	p := filepath.Join(dir, "storm.kmsg")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range lines {
		fmt.Fprintf(w, "3,%d,%d,-;I/O error, dev loop9, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n",
			i+1, 5_000_000+i*100, 2048+8*i)
	}
	w.Flush()
	f.Close()
	b.ResetTimer()
	for i := range b.N {
		store := &memStore{}
		d, err := New(Options{
			Source:       SourceSpec{Kind: "file", Path: p},
			StateDir:     filepath.Join(dir, fmt.Sprint("state", i)),
			Log:          slog.New(slog.DiscardHandler),
			Store:        store,
			StoredEvents: store.query,
			Resolver:     loopResolver(),
			Notify:       func(string) error { return nil },
		})
		if err != nil {
			b.Fatal(err)
		}
		d.cfg = &config.Config{Main: config.Main{SaveToJournald: true}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		for {
			n := 0
			for _, ev := range store.logged() {
				n += int(ev.Count)
			}
			if n >= lines {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}
