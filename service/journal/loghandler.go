package journal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// LogHandler is a slog.Handler that stores a program's own log records in
// journald natively: each record one entry with MESSAGE (the message and
// its attributes as slog's text handler writes them), PRIORITY from its
// level (debug 7, info 6, warn 4, error 3: systemd.journal-fields(7)),
// SYSLOG_IDENTIFIER, and one field per attribute (its key in capitals,
// groups joined by "_"). journalctl then shows the lines under the
// program's name and level whoever started it: a line written to a stream
// instead takes the stream's identifier and priority (the D-Bus launch
// helper's stream, for one, files everything under the bus name at
// priority 4). A record journald does not take is written to fallback as
// text, so nothing is lost when journald goes away.
type LogHandler struct {
	w     *Writer
	ident string
	opts  slog.HandlerOptions
	// attrs are the attributes of WithAttrs, keys already qualified by
	// their groups; group is the prefix of the keys of later ones.
	attrs []slog.Attr
	group string

	fallback slog.Handler // a text handler: safe for concurrent use
}

// reservedLogFields are set by the handler itself; an attribute of the
// same name is stored with an ATTR_ prefix.
var reservedLogFields = []string{FieldMessage, FieldPriority, FieldIdentifier, FieldMessageID,
	"SYSLOG_FACILITY", "SYSLOG_PID", "CODE_FILE", "CODE_LINE", "CODE_FUNC"}

// NewLogHandler returns a handler storing records at or above opts.Level
// through w with SYSLOG_IDENTIFIER ident, and writing those w cannot store
// to fallback as text.
func NewLogHandler(w *Writer, ident string, opts *slog.HandlerOptions, fb io.Writer) *LogHandler {
	h := &LogHandler{w: w, ident: ident}
	if opts != nil {
		h.opts = *opts
	}
	h.fallback = slog.NewTextHandler(fb, &h.opts)
	return h
}

// Enabled implements slog.Handler.
func (h *LogHandler) Enabled(_ context.Context, l slog.Level) bool {
	min := slog.LevelInfo
	if h.opts.Level != nil {
		min = h.opts.Level.Level()
	}
	return l >= min
}

// priority maps a slog level to a syslog priority.
func priority(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return 3 // LOG_ERR
	case l >= slog.LevelWarn:
		return 4 // LOG_WARNING
	case l >= slog.LevelInfo:
		return 6 // LOG_INFO
	}
	return 7 // LOG_DEBUG
}

// Handle implements slog.Handler.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs := slices.Clone(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		attrs = appendAttr(attrs, h.group, a)
		return true
	})
	var msg strings.Builder
	msg.WriteString(r.Message)
	for _, a := range attrs {
		fmt.Fprintf(&msg, " %s=%s", a.Key, quoteValue(a.Value.String()))
	}
	err := h.w.writeEntry("log record", func(b *bytes.Buffer) error {
		appendField(b, FieldPriority, strconv.Itoa(priority(r.Level)))
		appendField(b, FieldIdentifier, h.ident)
		appendField(b, FieldMessage, msg.String())
		for _, a := range attrs {
			name := FieldName(a.Key)
			if slices.Contains(reservedLogFields, name) || strings.HasPrefix(name, "_") {
				name = "ATTR_" + strings.TrimLeft(name, "_")
			}
			appendField(b, name, a.Value.String())
		}
		return nil
	})
	if err != nil {
		return h.fallback.Handle(ctx, r)
	}
	return nil
}

// appendAttr adds a, resolved and with its key qualified by group, to
// attrs; a group's attributes are added one by one.
func appendAttr(attrs []slog.Attr, group string, a slog.Attr) []slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return attrs
	}
	key := a.Key
	if group != "" && key != "" {
		key = group + "_" + key
	} else if group != "" {
		key = group
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			attrs = appendAttr(attrs, key, g)
		}
		return attrs
	}
	return append(attrs, slog.Attr{Key: key, Value: a.Value})
}

// quoteValue quotes an attribute value for MESSAGE as slog's text handler
// would: when it is empty or holds blanks, quotes or '='.
func quoteValue(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return strconv.Quote(s)
	}
	return s
}

// WithAttrs implements slog.Handler.
func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = slices.Clone(h.attrs)
	for _, a := range as {
		c.attrs = appendAttr(c.attrs, h.group, a)
	}
	c.fallback = h.fallback.WithAttrs(as)
	return &c
}

// WithGroup implements slog.Handler.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	if c.group != "" {
		c.group += "_" + name
	} else {
		c.group = name
	}
	c.fallback = h.fallback.WithGroup(name)
	return &c
}
