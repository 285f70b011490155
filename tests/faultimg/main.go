// Command faultimg serves a disk image through FUSE and fails chosen byte
// ranges of it with EIO (see package internal/faultimg). It mounts at -mount,
// prints "ready" on stdout once the mount is up, and unmounts on SIGTERM or
// SIGINT. End-to-end tests run it as a subprocess: serving FUSE from the
// process that also drives the loop device on it can deadlock.
//
//	faultimg -backing disk.img -mount DIR [-fail "read 4096 4096"]...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/peripety/peripety/internal/faultimg"
)

type failFlags []string

func (f *failFlags) String() string     { return strings.Join(*f, "; ") }
func (f *failFlags) Set(s string) error { *f = append(*f, s); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "faultimg:", err)
		os.Exit(1)
	}
}

func run() error {
	backing := flag.String("backing", "", "the real image file to serve")
	dir := flag.String("mount", "", "the directory to mount on (holds image and control)")
	var fails failFlags
	flag.Var(&fails, "fail", `a range to fail from the start, as the control file takes it: "read|write|rw OFFSET LENGTH" (repeatable)`)
	flag.Parse()
	if *backing == "" || *dir == "" {
		return fmt.Errorf("-backing and -mount are required")
	}
	f, err := os.OpenFile(*backing, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var ranges []faultimg.Range
	for _, s := range fails {
		if ranges, err = faultimg.ParseCommand(ranges, "fail "+s); err != nil {
			return err
		}
	}
	srv, err := faultimg.Mount(*dir, faultimg.NewImage(f, ranges))
	if err != nil {
		return err
	}
	if err := srv.WaitMount(); err != nil {
		return fmt.Errorf("wait for mount at %q: %w", *dir, err)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-sig:
		if err := srv.Unmount(); err != nil {
			return fmt.Errorf("unmount %q: %w", *dir, err)
		}
		<-done
	case <-done:
	}
	return nil
}
