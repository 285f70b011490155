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
}

// NewWriter returns a Writer sending to the journald listening on socket
// (DefaultSocket when ""). It fails when no journald answers there.
func NewWriter(socket string) (*Writer, error) {
	if socket == "" {
		socket = DefaultSocket
	}
	w := &Writer{socket: socket, addr: &net.UnixAddr{Name: socket, Net: "unixgram"}}
	if err := w.dial(); err != nil {
		return nil, fmt.Errorf("journald at %q: %w", socket, err)
	}
	return w, nil
}

func (w *Writer) dial() error {
	conn, err := net.DialUnix("unixgram", nil, w.addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	w.conn = conn
	return nil
}

// Close closes the socket.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		return nil
	}
	return w.conn.Close()
}

// Write stores ev as one journal entry with the fields of docs/design.md.
// Entries too large for one datagram go through a sealed memfd, as
// journald's native protocol provides. When journald has been restarted
// since the last write, Write connects to the new one.
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
	var err error
	if w.conn == nil {
		err = w.dial()
	}
	if err == nil {
		err = w.send(w.buf.Bytes())
	}
	if errors.Is(err, unix.ECONNREFUSED) || errors.Is(err, unix.ENOTCONN) {
		// The journald this socket was connected to is gone; the next
		// write tries again if no other answers now.
		w.conn.Close()
		w.conn = nil
		if err = w.dial(); err == nil {
			err = w.send(w.buf.Bytes())
		}
	}
	if err != nil {
		return fmt.Errorf("send %s (%d bytes) to journald at %q: %w", what, w.buf.Len(), w.socket, err)
	}
	return nil
}

// send sends one entry: a datagram, or a memfd when it is too large for one.
func (w *Writer) send(data []byte) error {
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
