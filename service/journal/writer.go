package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/peripety/peripety/event"
)

// maxFieldName is the longest field name journald accepts.
const maxFieldName = 64

// Writer stores events in a journald. It is safe for concurrent use.
type Writer struct {
	socket string
	// conn is nil while no journald answers (it went away and no new
	// one has been reached yet).
	conn *net.UnixConn
	addr *net.UnixAddr
	mu   sync.Mutex
	buf  bytes.Buffer
	// dials counts the connections made.
	dials atomic.Uint64
}

// writeTimeout bounds one send: a journald that stopped reading (stopped,
// or overwhelmed) fails the write rather than hold the writer.
const writeTimeout = 5 * time.Second

// Dials returns how many times the writer has connected to a journald: a
// new connection means that what was sent over the old one went to a
// journald that may have gone away before it stored it.
func (w *Writer) Dials() uint64 { return w.dials.Load() }

// NewWriter returns a Writer sending to the journald listening on socket
// (DefaultSocket when ""). It connects on the first Write: journald need
// not be running yet.
func NewWriter(socket string) *Writer {
	if socket == "" {
		socket = DefaultSocket
	}
	return &Writer{socket: socket, addr: &net.UnixAddr{Name: socket, Net: "unixgram"}}
}

func (w *Writer) dial() error {
	conn, err := net.DialUnix("unixgram", nil, w.addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	w.conn = conn
	w.dials.Add(1)
	return nil
}

// Connect connects now, rather than on the first write: an error says no
// journald answers on the socket (yet).
func (w *Writer) Connect() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn != nil {
		return nil
	}
	if err := w.dial(); err != nil {
		return fmt.Errorf("journald at %q: %w: %w", w.socket, ErrUnreachable, err)
	}
	return nil
}

// hangUp forgets the connection, closing it when there is one.
func (w *Writer) hangUp() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// Close closes the socket.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		return nil
	}
	err := w.conn.Close()
	w.conn = nil
	return err
}

// Write stores ev as one journal entry with the fields of docs/design.md.
// Entries too large for one datagram go through a sealed memfd, as
// journald's native protocol provides. It connects when it has no
// connection; when the journald it was connected to has gone (restarted),
// it connects to the new one once. An error wrapping ErrUnreachable says
// that no journald took the entry; the caller may try again later.
func (w *Writer) Write(ev event.Event) error {
	return w.writeEntry("event "+ev.EventID, func(b *bytes.Buffer) error { return appendEvent(b, &ev) })
}

// writeEntry stores the entry encode writes, what naming it in errors.
func (w *Writer) writeEntry(what string, encode func(*bytes.Buffer) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	if err := encode(&w.buf); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	fresh := w.conn == nil
	var err error
	if fresh {
		err = w.dial()
	}
	if err == nil {
		err = w.send(w.buf.Bytes())
	}
	if err != nil && !fresh && gone(err) {
		// The journald this socket was connected to is gone; the next
		// write tries again if no other answers now.
		w.hangUp()
		if err = w.dial(); err == nil {
			err = w.send(w.buf.Bytes())
		}
	}
	if err != nil {
		if gone(err) {
			w.hangUp()
			err = fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return fmt.Errorf("send %s (%d bytes) to journald at %q: %w", what, w.buf.Len(), w.socket, err)
	}
	return nil
}

// ErrUnreachable is wrapped by Write's error when no journald listens on
// the socket (not started yet, or gone).
var ErrUnreachable = errors.New("journald not reachable")

// gone says whether err means that no journald listens: the socket file is
// missing, or nothing is bound to it any longer.
func gone(err error) bool {
	return errors.Is(err, unix.ECONNREFUSED) || errors.Is(err, unix.ENOTCONN) || errors.Is(err, unix.ENOENT) ||
		errors.Is(err, unix.ECONNRESET)
}

// send sends one entry: a datagram, or a memfd when it is too large for one.
func (w *Writer) send(data []byte) error {
	if err := w.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err := w.conn.Write(data)
	if errors.Is(err, unix.EMSGSIZE) || errors.Is(err, unix.ENOBUFS) {
		return w.sendMemfd(data)
	}
	return err
}

// sendMemfd passes data to journald as a sealed memfd, the protocol's way
// for entries larger than a datagram.
func (w *Writer) sendMemfd(data []byte) error {
	fd, err := unix.MemfdCreate("peripety-journal-entry", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write memfd: %w", err)
	}
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("seal memfd: %w", err)
	}
	// net refuses WriteMsgUnix on a connected datagram socket; sendmsg(2)
	// itself does not.
	raw, err := w.conn.SyscallConn()
	if err != nil {
		return err
	}
	var sendErr error
	err = raw.Write(func(s uintptr) bool {
		sendErr = unix.Sendmsg(int(s), nil, unix.UnixRights(int(f.Fd())), nil, 0)
		return sendErr != unix.EAGAIN
	})
	if err == nil {
		err = sendErr
	}
	if err != nil {
		return fmt.Errorf("send memfd: %w", err)
	}
	return nil
}

// appendEvent encodes ev as one native protocol entry.
func appendEvent(b *bytes.Buffer, ev *event.Event) error {
	js, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	msg := ev.Msg
	if msg == "" {
		msg = ev.RawMsg
	}
	appendField(b, FieldIsPeripety, IsPeripetyValue)
	appendField(b, FieldIdentifier, Identifier)
	appendField(b, FieldPriority, strconv.Itoa(int(ev.Severity)))
	appendField(b, FieldSeverity, ev.Severity.String())
	appendField(b, FieldMessage, msg)
	if ev.EventType != "" {
		// journalctl -x shows the catalog entry of the type
		// (packaging/catalog).
		appendField(b, FieldMessageID, event.MessageID(ev.EventType))
	}
	appendField(b, FieldEventID, ev.EventID)
	appendField(b, FieldEventType, ev.EventType)
	appendField(b, FieldSubSystem, ev.SubSystem)
	appendField(b, FieldKdev, ev.Kdev)
	appendField(b, FieldDevWWID, ev.DevWWID)
	appendField(b, FieldDevPath, ev.DevPath)
	for _, v := range ev.OwnersWWIDs {
		appendField(b, FieldOwnersWWIDs, v)
	}
	for _, v := range ev.OwnersPaths {
		appendField(b, FieldOwnersPaths, v)
	}
	for _, k := range slices.Sorted(maps.Keys(ev.Extension)) {
		appendField(b, ExtPrefix+FieldName(k), ev.Extension[k])
	}
	appendField(b, FieldRootCause, ev.RootCauseEventID)
	appendField(b, FieldIncident, ev.IncidentID)
	appendField(b, FieldCount, strconv.FormatUint(uint64(ev.Count), 10))
	appendField(b, FieldSeq, strconv.FormatUint(ev.Seq, 10))
	if !ev.Timestamp.IsZero() {
		appendField(b, FieldTimestamp, strconv.FormatInt(ev.Timestamp.UnixMicro(), 10))
	}
	appendField(b, FieldJSON, string(js))
	return nil
}

// appendField writes one field in the native protocol: NAME=value and a
// newline, or, when the value holds a newline, NAME, a newline, the value's
// length as a little-endian uint64, the value and a newline. Empty values
// are left out: journalctl matches on an empty value are of no use.
func appendField(b *bytes.Buffer, name, value string) {
	if value == "" {
		return
	}
	b.WriteString(name)
	if !strings.Contains(value, "\n") {
		b.WriteByte('=')
		b.WriteString(value)
		b.WriteByte('\n')
		return
	}
	b.WriteByte('\n')
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(value)))
	b.Write(n[:])
	b.WriteString(value)
	b.WriteByte('\n')
}

// FieldName turns an extension key into the part of a journal field name
// after EXT_: upper case, every character other than A-Z, 0-9 and _
// replaced by _, cut so that EXT_ and it fit journald's 64 characters
// (journald silently drops fields with other names).
func FieldName(key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(key) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		s = "_"
	}
	if n := maxFieldName - len(ExtPrefix); len(s) > n {
		s = s[:n]
	}
	return s
}
