package parsers

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
)

// Options tune a Parser. The zero value gives the defaults.
type Options struct {
	// GroupWindow is how long, in record time, an event keeps taking the
	// further lines of its failure (a SCSI command's Sense Key, CDB and
	// block-layer lines) after its last line. The kernel prints such lines
	// within microseconds of each other. Default 250ms.
	GroupWindow time.Duration
	// GroupRecords completes an open event after this many further records
	// even when record time does not advance (logs without timestamps).
	// Default 128.
	GroupRecords int
	// StormWindow and StormBurst define a storm: more than StormBurst events
	// of one type on one device within StormWindow. The first StormBurst go
	// out at once, the rest fold into one summary event per StormWindow.
	// Defaults 1s and 10; a negative StormBurst turns folding off.
	StormWindow time.Duration
	StormBurst  int
	// NewID makes event ids; default uuid.NewString.
	NewID func() string
}

func (o Options) withDefaults() Options {
	if o.GroupWindow <= 0 {
		o.GroupWindow = 250 * time.Millisecond
	}
	if o.GroupRecords <= 0 {
		o.GroupRecords = 128
	}
	if o.StormWindow <= 0 {
		o.StormWindow = time.Second
	}
	if o.StormBurst == 0 {
		o.StormBurst = 10
	}
	if o.NewID == nil {
		o.NewID = uuid.NewString
	}
	return o
}

// Parser turns a stream of records into events: it matches each line against
// its RuleSet, folds the lines of one failure into one event, and folds
// storms (storm.go).
//
// Grouping: a rule's role says what its line does. Most lines start an
// event. Some events stay open for the lines that describe the same
// failure, found by a grouping key (class and device; for SCSI also the
// command tag): the Sense Key, Add. Sense and CDB lines of a failed SCSI
// command join it and the block layer's error line for the same disk
// ends it; a libata exception takes its irq_stat, failed command, cmd/res,
// status and error lines; an XFS shutdown or corruption report takes its
// "Please unmount…", "Unmount and run xfs_repair" and hex dump lines. A
// joining line with nothing to join starts an event of its own type (a
// lone Sense Key is SCSI_SENSE_KEY, a lone block line BLK_IO_ERROR); a
// context line with nothing to join gives nothing. An event stays open
// for Options.GroupWindow of record time after its latest line, or
// Options.GroupRecords further records.
//
// Events come out in the order of their first line, so an event may wait
// behind an open one for at most a window. Windows are measured in record
// time (RecordClock), so a saved log replays with its own timing.
//
// A Parser is not safe for concurrent use.
type Parser struct {
	rs   *RuleSet
	opt  Options
	now  time.Time // the latest record time seen
	seen uint64    // records pushed

	// queue holds the events not yet emitted, in order of their first
	// line; open are those of them that still take lines.
	queue []*pending
	open  []*pending

	storm storm
	// memo holds what daemons' note lines told of their devices.
	memo memo
	msg  []byte // a summary being expanded
	// spare are pendings emitted already, for reuse.
	spare []*pending
}

// pending is an event being built.
type pending struct {
	ev      event.Event
	rule    *rule
	key     string
	tag     string
	open    bool
	last    time.Time // record time of its latest line
	lastRec uint64    // record count at its latest line
	// suppressed is the count of a rate-limit notice (roleSuppressed);
	// such a pending is not an event of its own unless storm.go makes it
	// one.
	suppressed int
}

// NewParser returns a Parser over rs.
func NewParser(rs *RuleSet, opt Options) *Parser {
	p := &Parser{rs: rs, opt: opt.withDefaults()}
	p.storm.init(p.opt)
	return p
}

// RecordClock returns the record time of rec, the clock a Parser measures
// its windows with: rec.Time, or when that is zero (dmesg, /dev/kmsg) the
// time since boot counted from the zero time.Time.
func RecordClock(rec Record) time.Time {
	return clock(&rec)
}

func clock(rec *Record) time.Time {
	if !rec.Time.IsZero() {
		return rec.Time
	}
	return time.Time{}.Add(rec.Monotonic)
}

// Push parses one record and calls emit for every event that is complete,
// which may include events of earlier records. A daemon's record
// (Record.Daemon) goes to that daemon's rules; other records of a facility
// other than the kernel's (userspace writes to /dev/kmsg) are dropped.
func (p *Parser) Push(rec Record, emit func(event.Event)) {
	p.push(&rec, Prefiltered{}, emit)
}

// PushPrefiltered is Push of a record read through the Prefilter that
// gave pf for it (Prefilter.Found): its line is not looked up again.
func (p *Parser) PushPrefiltered(rec Record, pf Prefiltered, emit func(event.Event)) {
	p.push(&rec, pf, emit)
}

func (p *Parser) push(rec *Record, pf Prefiltered, emit func(event.Event)) {
	if rec.Daemon == "" && rec.Facility != 0 {
		return
	}
	p.seen++
	if t := clock(rec); t.After(p.now) {
		p.now = t
	}
	p.expire(p.now)
	// A printk with embedded newlines is one record of several lines;
	// each line is matched on its own (md's raid1 failure is two events,
	// libata's "cmd …\n res …" two lines of one).
	msg := rec.Message
	for first := true; first || msg != ""; first = false {
		line := msg
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			line, msg = msg[:j], msg[j+1:]
		} else {
			msg = ""
		}
		p.line(rec, line, pf)
	}
	p.drain(emit)
}

// line handles one line of rec.
func (p *Parser) line(rec *Record, line string, pf Prefiltered) {
	if line == "" && rec.Daemon == "" && len(p.rs.kernel.user) == 0 {
		// Most records: those Wants said no to come with no text, and
		// only a user rule can take an empty line.
		return
	}
	seen := daemonLine(rec.Daemon, line)
	var ri int
	var loc []int
	if pf.found && rec.Daemon == "" && line == rec.Message {
		ri, loc = p.rs.matchAmong(pf.cand, line, strings.TrimLeft(line, " "), rec.Level, true)
	} else {
		ri, loc = p.rs.match(rec.Daemon, seen, rec.Level, true)
	}
	if ri < 0 {
		return
	}
	r := p.rs.rules[ri]
	if r.role == roleNotice {
		return
	}
	text := seen
	if !r.user {
		text = strings.TrimLeft(seen, " ")
	}
	// group is a group of the match; the extension keys are the groups
	// that are neither the device nor the grouping's ("_…"). A daemon's
	// line may take those from the notes of its device (memo.recall):
	// its groups are all in caps, and go after.
	var caps map[string]string
	group := func(name string) string { return caps[name] }
	if rec.Daemon == "" {
		caps = captures(r, text, loc, false)
		group = func(name string) string { return groupOf(r, text, loc, name) }
	} else {
		caps = captures(r, text, loc, true)
	}
	kdev := group("kdev")
	delete(caps, "kdev")
	if kdev == "" && r.kdevAlt != "" {
		kdev = group(r.kdevAlt)
	}
	if rec.Daemon != "" {
		kdev = daemonKdev(kdev)
		if r.role == roleNote {
			p.memo.note(rec.Daemon, kdev, caps)
			return
		}
		p.memo.recall(rec.Daemon, kdev, caps)
		caps["daemon"] = rec.Daemon
	}
	sev := severity(rec, r, group("_level"))
	t := clock(rec)

	if r.role == roleSuppressed {
		pe := p.newPending()
		pe.rule, pe.suppressed, pe.last = r, suppressedCount(caps["count"]), t
		pe.ev = p.newEvent(rec, r, "", sev, "")
		pe.ev.Extension = caps
		p.queue = append(p.queue, pe)
		return
	}

	var key string
	if r.key != "" {
		by := kdev
		if r.keyBy != "" {
			by = group(r.keyBy)
		}
		key = r.key + ":" + by
	}
	if rec.Daemon != "" {
		for k := range caps {
			if k[0] == '_' {
				delete(caps, k)
			}
		}
	}
	if r.cond != "" {
		caps["condition"] = r.cond
	}
	tag := caps["tag"]
	if r.role != roleEvent {
		if pe := p.findOpen(r.key, key, tag); pe != nil {
			p.absorb(pe, sev, caps, t)
			if pe.tag == "" {
				pe.tag = tag
			}
			if r.role == roleTail {
				p.complete(pe)
			}
			return
		}
		if r.role == roleContext {
			return
		}
	}
	if key != "" {
		// A new failure on the device ends the one before it, unless
		// the two are different commands (tags) in flight together.
		if old := p.findOpen(r.key, key, tag); old != nil && old.key == key {
			p.complete(old)
		}
	}
	pe := p.newPending()
	pe.rule, pe.key, pe.tag, pe.last, pe.lastRec = r, key, tag, t, p.seen
	pe.ev = p.newEvent(rec, r, kdev, sev, line)
	pe.ev.Extension = caps
	p.queue = append(p.queue, pe)
	if r.open && key != "" {
		pe.open = true
		p.open = append(p.open, pe)
	}
}

// findOpen returns the newest open event under key. A key without a device
// (class + ":"; a hex dump line names none) takes the newest open event of
// its class. Events of one command carry a tag; a line with another tag is
// not theirs.
func (p *Parser) findOpen(class, key, tag string) *pending {
	if class == "" {
		return nil
	}
	anyDev := key == class+":"
	for i := len(p.open) - 1; i >= 0; i-- {
		pe := p.open[i]
		if pe.key != key && !(anyDev && strings.HasPrefix(pe.key, key)) {
			continue
		}
		if tag != "" && pe.tag != "" && tag != pe.tag {
			continue
		}
		return pe
	}
	return nil
}

// absorb folds a further line into pe: its extension keys where pe has
// none, its severity where more severe.
func (p *Parser) absorb(pe *pending, sev event.Severity, caps map[string]string, t time.Time) {
	for k, v := range caps {
		if _, ok := pe.ev.Extension[k]; !ok {
			pe.ev.SetExt(k, v)
		}
	}
	if sev < pe.ev.Severity {
		pe.ev.Severity = sev
	}
	pe.last = t
	pe.lastRec = p.seen
}

// complete marks pe as taking no more lines.
func (p *Parser) complete(pe *pending) {
	if !pe.open {
		return
	}
	pe.open = false
	for i, o := range p.open {
		if o == pe {
			p.open = append(p.open[:i], p.open[i+1:]...)
			break
		}
	}
}

// expire completes the open events whose window has passed at now.
func (p *Parser) expire(now time.Time) {
	for i := 0; i < len(p.open); {
		pe := p.open[i]
		if !pe.last.Add(p.opt.GroupWindow).After(now) || p.seen-pe.lastRec > uint64(p.opt.GroupRecords) {
			p.complete(pe)
			continue
		}
		i++
	}
}

// drain emits the complete events at the head of the queue.
func (p *Parser) drain(emit func(event.Event)) {
	n := 0
	for n < len(p.queue) && !p.queue[n].open {
		pe := p.queue[n]
		p.queue[n] = nil
		n++
		if pe.rule.role == roleSuppressed {
			p.storm.suppressed(pe, emit)
		} else {
			p.finish(pe)
			p.storm.add(pe.ev, pe.last, emit)
		}
		if len(p.spare) < maxSpare {
			p.spare = append(p.spare, pe)
		}
	}
	if n > 0 {
		p.queue = append(p.queue[:0], p.queue[n:]...)
	}
	p.storm.due(p.now, emit)
}

// newPending returns an empty pending, a spare one if there is.
func (p *Parser) newPending() *pending {
	n := len(p.spare)
	if n == 0 {
		return &pending{}
	}
	pe := p.spare[n-1]
	p.spare = p.spare[:n-1]
	*pe = pending{}
	return pe
}

// finish completes the event of pe: the rule's own finishing, then the
// summary template.
func (p *Parser) finish(pe *pending) {
	if pe.rule.finish != nil {
		pe.rule.finish(pe)
	}
	if pe.ev.Msg == "" {
		if pe.rule.msg != "" {
			p.msg = appendExpanded(p.msg[:0], pe.rule.msg, pe.ev.Kdev, pe.ev.Extension)
			pe.ev.Msg = string(p.msg)
		} else {
			pe.ev.Msg = pe.ev.RawMsg
		}
	}
}

// Flush completes the events whose window has passed at now and emits what
// is complete, including storm summaries that are due. now is in record
// time (see RecordClock): a live source that has seen no record for a
// while calls Flush with the deadline NextDeadline gave once that much
// time has passed since its last record; at the end of a saved log, Close
// does the rest.
func (p *Parser) Flush(now time.Time, emit func(event.Event)) {
	if now.After(p.now) {
		p.now = now
	}
	p.expire(p.now)
	p.drain(emit)
}

// NextDeadline returns the record time at which Flush has work to do: an
// open event's window ends or a storm summary is due. ok is false when
// nothing is waiting. A daemon arms its timer for
// deadline.Sub(RecordClock(lastRecord)) after it pushed lastRecord.
func (p *Parser) NextDeadline() (deadline time.Time, ok bool) {
	for _, pe := range p.open {
		d := pe.last.Add(p.opt.GroupWindow)
		if !ok || d.Before(deadline) {
			deadline, ok = d, true
		}
	}
	if d, sok := p.storm.nextDeadline(); sok && (!ok || d.Before(deadline)) {
		deadline, ok = d, true
	}
	return deadline, ok
}

// Close completes and emits everything still held, storm summaries
// included. The Parser can be used again afterwards.
func (p *Parser) Close(emit func(event.Event)) {
	for len(p.open) > 0 {
		p.complete(p.open[0])
	}
	p.drain(emit)
	p.storm.flushAll(emit)
}

// newEvent starts the event of a line matched by r.
func (p *Parser) newEvent(rec *Record, r *rule, kdev string, sev event.Severity, raw string) event.Event {
	id := p.opt.NewID()
	return event.Event{
		EventID:          id,
		EventType:        r.typ,
		Severity:         sev,
		SubSystem:        r.sub,
		Timestamp:        rec.Time,
		Hostname:         rec.Hostname,
		Kdev:             kdev,
		RawMsg:           raw,
		RootCauseEventID: id,
		Count:            1,
	}
}

// captures returns the named groups of a match that matched something;
// with all false, not the device ("kdev") and the grouping's ("_…").
func captures(r *rule, text string, loc []int, all bool) map[string]string {
	m := make(map[string]string)
	for i, name := range r.re.get().SubexpNames() {
		if name == "" || 2*i+1 >= len(loc) || loc[2*i] < 0 || !all && (name[0] == '_' || name == "kdev") {
			continue
		}
		if v := text[loc[2*i]:loc[2*i+1]]; v != "" {
			m[name] = v
		}
	}
	return m
}

// groupOf returns the group name of a match of r as captures gives it:
// of groups of that name (one in each branch of an alternation), the last
// that matched something; "" when none did.
func groupOf(r *rule, text string, loc []int, name string) string {
	v := ""
	for i, n := range r.re.get().SubexpNames() {
		if n == name && 2*i+1 < len(loc) && loc[2*i] >= 0 && loc[2*i] < loc[2*i+1] {
			v = text[loc[2*i]:loc[2*i+1]]
		}
	}
	return v
}

// severity is the severity of a line of rec that r takes: the rule's own
// when it sets one, else the record's kernel level, else (the log carries
// no level) the level the line names (textLevel, btrfs's "error" or
// "info"), else the level the kernel prints the rule's line at.
func severity(rec *Record, r *rule, textLevel string) event.Severity {
	switch {
	case r.sev != nil:
		return *r.sev
	case r.daemon != "" && !r.user:
		// A daemon's context line: it adds to its event, never raises
		// its severity (the record's priority says nothing).
		return event.Debug
	case rec.Level != LevelUnknown:
		return levelSeverity(rec.Level)
	}
	if textLevel != "" {
		// Only then: parsing "" makes an error, for every line of a log
		// without levels.
		if s, err := event.ParseSeverity(textLevel); err == nil {
			return s
		}
	}
	return r.level.severity()
}

// levelSeverity maps a syslog level to a severity; a level out of range
// (not a kernel record's) counts as Info.
func levelSeverity(level int) event.Severity {
	if level < 0 || level > int(event.Debug) {
		return event.Info
	}
	return event.Severity(level)
}

// suppressedCount parses the count of a rate-limit notice, at most what an
// event's count holds.
func suppressedCount(s string) int {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return math.MaxUint32
		}
		return 0
	}
	return int(n)
}
