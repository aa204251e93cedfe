package screenconnect

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/custos-msp/custos/connectors"
)

// marks is an incremental stream's cursor: per report, the time the next pull
// starts from (less the overlap). Every record at or after it may not have been
// read yet, or may still change (an open connection).
type marks map[string]time.Time

// readMarks decodes a cursor; the empty cursor is no marks.
func readMarks(from connectors.Cursor) (marks, error) {
	m := marks{}
	if from == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(from), &m); err != nil {
		return marks{}, fmt.Errorf("unreadable cursor %q: %w", excerpt([]byte(from)), err)
	}
	return m, nil
}

// cursor encodes the marks.
func (m marks) cursor() connectors.Cursor {
	b, _ := json.Marshal(m)
	return connectors.Cursor(b)
}

// window returns what a pull of report reads: from its mark less the overlap, or
// from now less the lookback on the first pull, up to now.
func (c *Connector) window(m marks, report string, now time.Time) window {
	from := now.Add(-c.cfg.Lookback.Std())
	if t, ok := m[report]; ok {
		from = t.Add(-c.cfg.Overlap.Std())
	}
	return window{from, now}
}

// pullMarks reads the stream's cursor; an unreadable one is reported and the pull
// starts over from the lookback.
func pullMarks(stream string, from connectors.Cursor, sink connectors.Sink) marks {
	m, err := readMarks(from)
	if err != nil {
		sink.Warn(fmt.Errorf("screenconnect: %s: %w; reading from the lookback again", stream, err))
	}
	return m
}
