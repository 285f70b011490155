package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Path is where the handler serves the families, as Prometheus scrapes by
// default.
const Path = "/metrics"

// Handler serves the families gather returns at Path, for GET and HEAD.
func Handler(gather func() []Family) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET and HEAD", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, gather()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "the metrics are at "+Path, http.StatusNotFound)
	})
	return mux
}

// Serve answers HTTP requests on ln with h until ctx ends, then closes ln,
// lets the requests under way finish for at most a second, and returns nil.
// Any other end is the listener's error.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler: h,
		// A scraper sends one short request; a slow client holds no more
		// than this.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Minute,
		// A library does not log: the server's complaints (a client that
		// hung up) are nothing the daemon could act on.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve metrics on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics on %s: %w", ln.Addr(), err)
	}
	return nil
}

// TextfileName is the file the daemon writes in a textfile directory.
const TextfileName = "peripety.prom"

// WriteTextfile replaces dir/name with the families, atomically: it writes
// a temporary file in dir whose name node_exporter's textfile collector
// ignores (it reads only *.prom), then renames it over name, so a scrape
// never sees half a file. The file is readable by all (mode 0644):
// node_exporter runs as a user of its own.
func WriteTextfile(dir, name string, fams []Family) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write metrics textfile: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = Write(tmp, fams)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write metrics textfile %q: %w", tmp.Name(), err)
	}
	dst := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("write metrics textfile %q: %w", dst, err)
	}
	return nil
}
