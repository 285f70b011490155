package metrics

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Path is where Serve answers with the families, as Prometheus scrapes by
// default.
const Path = "/metrics"

// Bounds of a scrape: the connections answered at once (one more is
// closed unanswered), the bytes of a request, how long one may take.
const (
	maxConns        = 8
	maxRequestBytes = 16 << 10
	connTimeout     = 10 * time.Second
)

// Serve answers HTTP/1.x requests on ln until ctx ends, then closes ln,
// waits for the requests under way and returns nil; any other end is the
// listener's error. GET and HEAD of Path get the families gather returns;
// anything else an error status.
//
// It speaks just enough HTTP/1.1 (RFC 9112) for a scraper: one request a
// connection, answered with Content-Length and "Connection: close". A
// daemon that only serves its metrics is spared net/http, which would
// take a third more of its binary and of its resident memory.
func Serve(ctx context.Context, ln net.Listener, gather func() []Family) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxConns)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("serve metrics on %s: %w", ln.Addr(), err)
		}
		select {
		case slots <- struct{}{}:
		default:
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			serveConn(c, gather)
		}()
	}
}

// serveConn answers the one request of c.
func serveConn(c net.Conn, gather func() []Family) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(connTimeout))
	answer(c, c, gather)
}

// answer reads one request from in and writes the response to out.
func answer(in io.Reader, out io.Writer, gather func() []Family) {
	r := bufio.NewReader(io.LimitReader(in, maxRequestBytes))
	method, path, ok := readRequest(r)
	w := bufio.NewWriter(out)
	defer w.Flush()
	switch {
	case !ok:
		respond(w, 400, "Bad Request", "", "text/plain; charset=utf-8", []byte("want an HTTP/1.x request\n"), true)
	case path != Path:
		respond(w, 404, "Not Found", "", "text/plain; charset=utf-8", []byte("the metrics are at "+Path+"\n"), method != "HEAD")
	case method != "GET" && method != "HEAD":
		respond(w, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "text/plain; charset=utf-8", []byte("only GET and HEAD\n"), true)
	default:
		var body bytes.Buffer
		if err := Write(&body, gather()); err != nil {
			respond(w, 500, "Internal Server Error", "", "text/plain; charset=utf-8", []byte(err.Error()+"\n"), true)
			return
		}
		respond(w, 200, "OK", "", ContentType, body.Bytes(), method == "GET")
	}
}

// readRequest reads a request line and its header fields, and returns
// the method and the path of its target (without a query).
func readRequest(r *bufio.Reader) (method, path string, ok bool) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", "", false
	}
	parts := strings.Fields(line)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return "", "", false
	}
	for {
		h, err := r.ReadString('\n')
		if err != nil {
			return "", "", false
		}
		if h == "\r\n" || h == "\n" {
			break
		}
	}
	path, _, _ = strings.Cut(parts[1], "?")
	return parts[0], path, true
}

func respond(w io.Writer, code int, reason, extra, ctype string, body []byte, withBody bool) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n",
		code, reason, ctype, len(body), extra)
	if withBody {
		w.Write(body)
	}
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
