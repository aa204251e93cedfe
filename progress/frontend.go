package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Frontend renders a tracker's progress once each time it is called.
type Frontend interface {
	Render()
}

// Follow renders f every interval until the returned stop is called; stop renders
// once more, so that the last state shows, and returns when the loop has ended.
func Follow(f Frontend, every time.Duration) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				f.Render()
				return
			case <-tick.C:
				f.Render()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-ended
	}
}

// Line renders s as one line of at most width columns (any length when width is 0
// or less), cutting it with "…".
func Line(s Status, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s %d/%d scopes  %d records  %d requests  %d throttled", s.Connector, s.Done, s.Scopes, s.Records, s.Requests, s.Throttled)
	if s.Failed > 0 {
		fmt.Fprintf(&b, "  %d failed", s.Failed)
	}
	switch {
	case !s.Running:
		fmt.Fprintf(&b, "  done in %s", round(s.Elapsed))
	case s.ETA < 0:
		b.WriteString("  ETA …")
	default:
		fmt.Fprintf(&b, "  ETA %s", round(s.ETA))
	}
	return Truncate(b.String(), width)
}

// round keeps whole seconds, or tenths under ten seconds.
func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// Truncate cuts s to at most width characters, its last one "…" when cut; any
// length when width is 0 or less.
func Truncate(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// Terminal is the front end for a person at a terminal: one line per connector,
// redrawn in place. Log lines written through it (as the log's output) go above
// the live lines, which are drawn again below them.
type Terminal struct {
	out     io.Writer
	tracker *Tracker
	width   func() int

	mu       sync.Mutex
	drawn    int  // lines drawn last, which the next drawing replaces
	finished bool // the lines are left as they are
}

// NewTerminal returns the terminal front end of tracker, drawing to out as wide as
// width says (called at each drawing: the terminal may be resized).
func NewTerminal(out io.Writer, tracker *Tracker, width func() int) *Terminal {
	return &Terminal{out: out, tracker: tracker, width: width}
}

// Render implements Frontend: it draws every connector's line in place of the last.
func (t *Terminal) Render() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return
	}
	var b strings.Builder
	t.erase(&b)
	t.draw(&b)
	_, _ = io.WriteString(t.out, b.String())
}

// Finish leaves the lines drawn last as they are: Render draws no more, and what
// is written after them (the log, a summary) goes below them.
func (t *Terminal) Finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.finished, t.drawn = true, 0
}

// Write implements io.Writer: p is written above the live lines, or after them
// once finished.
func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return t.out.Write(p)
	}
	var b strings.Builder
	t.erase(&b)
	b.Write(p)
	t.draw(&b)
	if _, err := io.WriteString(t.out, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fd returns the file descriptor of the terminal drawn on, so that a logger writing
// through t knows it writes to a terminal; ^uintptr(0) when out has none.
func (t *Terminal) Fd() uintptr {
	if f, ok := t.out.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// erase moves back over the lines drawn last, clearing them.
func (t *Terminal) erase(b *strings.Builder) {
	if t.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dA", t.drawn)
	}
	b.WriteString("\r\x1b[J")
	t.drawn = 0
}

// draw writes a line per connector.
func (t *Terminal) draw(b *strings.Builder) {
	width := 0
	if t.width != nil {
		width = t.width()
	}
	for _, s := range t.tracker.Snapshot() {
		// One column short: a line as wide as the terminal wraps on some.
		b.WriteString(Line(s, width-1))
		b.WriteByte('\n')
		t.drawn++
	}
}

// Log is the front end for a log (a daemon, or output that is not a terminal): a
// progress record per running connector each time it renders.
type Log struct {
	Logger  zerolog.Logger
	Tracker *Tracker
}

// Render implements Frontend.
func (l Log) Render() {
	for _, s := range l.Tracker.Snapshot() {
		if !s.Running {
			continue
		}
		e := l.Logger.Info().Str("connector", s.Connector).Int("scopes_done", s.Done).Int("scopes", s.Scopes).
			Int("failed", s.Failed).Int("records", s.Records).Int("requests", s.Requests).
			Int("throttled_waits", s.Throttled).Float64("elapsed_seconds", s.Elapsed.Seconds())
		if s.ETA >= 0 {
			e = e.Float64("eta_seconds", s.ETA.Seconds())
		}
		e.Msg("sync progress")
	}
}
