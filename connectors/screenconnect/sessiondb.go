package screenconnect

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	// The SQLite driver gorm.io/driver/sqlite already builds in.
	_ "github.com/mattn/go-sqlite3"
)

// dbSource reads a copy of an on-premises server's App_Data/Session.db, read-only.
// Its rows are turned into the same tables Report.json returns (same field names;
// GUIDs as text, .NET ticks as ISO times), so both sources share one mapping.
type dbSource struct {
	path      string
	itemLimit int
}

var _ source = (*dbSource)(nil)

// dbColumns are the columns each table must have, but the custom properties.
var dbColumns = map[string][]string{
	"Session": append(append([]string(nil), sessionFields...), customProperties()...),
	"SessionConnection": {"ConnectionID", "SessionID", "ProcessType", "ParticipantName", "NetworkAddress",
		"ConnectedTime", "DisconnectedTime"},
	"SessionEvent":           {"EventID", "SessionID", "EventType", "Time", "Host", "Data", "EventAttributes"},
	"SessionConnectionEvent": {"EventID", "ConnectionID", "EventType", "Time", "Data", "EventAttributes"},
}

// dbTables lists the tables in the order they are checked.
var dbTables = []string{"Session", "SessionConnection", "SessionEvent", "SessionConnectionEvent"}

// guidColumns hold 16-byte .NET GUIDs; tickColumns hold .NET ticks.
var (
	guidColumns = []string{"SessionID", "ConnectionID", "EventID"}
	tickColumns = []string{"CreatedTime", "GuestInfoUpdateTime", "ConnectedTime", "DisconnectedTime", "Time",
		"LastHostDisconnectedTime", "LastGuestConnectionTime", "LastUninstallTime"}
)

// open opens the file read-only and checks that every table has its columns.
func (s *dbSource) open(ctx context.Context) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: s.path}).EscapedPath() + "?mode=ro"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("screenconnect: opening Session.db: %w", err)
	}
	for _, t := range dbTables {
		if err := checkColumns(ctx, db, t, dbColumns[t]); err != nil {
			db.Close()
			return nil, fmt.Errorf("screenconnect: Session.db %s: %w", s.path, err)
		}
	}
	return db, nil
}

// checkColumns reads the table's columns with PRAGMA table_info and names the first
// one missing.
func checkColumns(ctx context.Context, db *sql.DB, table string, want []string) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return fmt.Errorf("reading the columns of table %s: %w", table, err)
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("reading the columns of table %s: %w", table, err)
		}
		have = append(have, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the columns of table %s: %w", table, err)
	}
	if len(have) == 0 {
		return fmt.Errorf("no table %s", table)
	}
	for _, c := range want {
		if !slices.Contains(have, c) {
			return fmt.Errorf("table %s has no column %s", table, c)
		}
	}
	return nil
}

// check implements source.
func (s *dbSource) check(ctx context.Context) error {
	db, err := s.open(ctx)
	if err != nil {
		return err
	}
	return db.Close()
}

// eventTypes implements source: a Session.db has no enum, so it is the built-in one.
func (s *dbSource) eventTypes(context.Context) (*eventTypes, error) { return builtinEventTypes(), nil }

// sessionTypeValues returns the SessionType values of names.
func sessionTypeValues(names []string) string {
	var vals []string
	for _, n := range names {
		if i := slices.Index(sessionTypeNames, n); i >= 0 {
			vals = append(vals, strconv.Itoa(i))
		}
	}
	return "(" + strings.Join(vals, ",") + ")"
}

// parentColumns selects the parent session's fields as a report names them.
func parentColumns(company int) string {
	cp := "CustomProperty" + strconv.Itoa(company)
	return "s.SessionType AS SessionSessionType, s." + cp + " AS Session" + cp + ", s.GuestMachineName AS SessionGuestMachineName"
}

// sessions implements source in one query, the agent's life in subqueries.
func (s *dbSource) sessions(ctx context.Context, q query) ([]sessionRow, error) {
	cols := "s." + strings.Join(dbColumns["Session"], ", s.")
	uninstall := q.events.byName["ProcessedUninstall"]
	stmt := `SELECT ` + cols + `,
	(SELECT MAX(c.DisconnectedTime) FROM SessionConnection c WHERE c.SessionID = s.SessionID AND c.ProcessType = 1) AS LastHostDisconnectedTime,
	(SELECT MAX(MAX(c.ConnectedTime), COALESCE(MAX(c.DisconnectedTime), 0)) FROM SessionConnection c
		WHERE c.SessionID = s.SessionID AND c.ProcessType = 2) AS LastGuestConnectionTime,
	(SELECT MAX(e.Time) FROM SessionEvent e WHERE e.SessionID = s.SessionID AND e.EventType = ` + strconv.Itoa(uninstall) + `
		AND (e.EventAttributes & 1) = 0) AS LastUninstallTime
	FROM Session s WHERE s.SessionType IN ` + sessionTypeValues(q.sessionTypes) + ` ORDER BY s.SessionID`
	var out []sessionRow
	err := s.query(ctx, "Session", stmt, nil, func(t *table) error {
		for _, r := range t.rows() {
			row, err := sessionOf(r, q.company)
			if err != nil {
				return fmt.Errorf("session %s: %w", r.str("SessionID"), err)
			}
			for f, dst := range map[string]**time.Time{
				"LastHostDisconnectedTime": &row.LastHostDisconnect,
				"LastGuestConnectionTime":  &row.LastGuestConnection,
				"LastUninstallTime":        &row.Uninstalled,
			} {
				if *dst, err = r.time(f); err != nil {
					return fmt.Errorf("session %s: %w", row.ID, err)
				}
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

// connections implements source. Rows come in time order, so each batch is whole
// up to its last connection's start; the window is whole once the rows end.
func (s *dbSource) connections(ctx context.Context, q query, w window, batch func([]connectionRow, time.Time) error) error {
	stmt := `SELECT c.ConnectionID, c.SessionID, c.ParticipantName, c.NetworkAddress, c.ConnectedTime, c.DisconnectedTime, ` +
		parentColumns(q.company) + `
	FROM SessionConnection c JOIN Session s ON s.SessionID = c.SessionID
	WHERE c.ProcessType = 1 AND s.SessionType IN ` + sessionTypeValues(q.sessionTypes) + `
		AND c.ConnectedTime >= ? AND c.ConnectedTime < ? ORDER BY c.ConnectedTime, c.ConnectionID`
	err := s.query(ctx, "SessionConnection", stmt, &w, func(t *table) error {
		rows := make([]connectionRow, 0, len(t.items))
		for _, r := range t.rows() {
			c, err := connectionOf(r, q.company)
			if err != nil {
				return fmt.Errorf("connection %s: %w", r.str("ConnectionID"), err)
			}
			rows = append(rows, c)
		}
		return batch(rows, rows[len(rows)-1].Connected)
	})
	if err != nil {
		return err
	}
	return batch(nil, w.to)
}

// events implements source. Soft-deleted events (EventAttributes & 1) are skipped.
// Batches are whole up to their last event, as for connections.
func (s *dbSource) events(ctx context.Context, q query, lvl level, w window, batch func([]eventRow, time.Time) error) error {
	var wanted, all []string
	for _, name := range q.eventNames {
		wanted = append(wanted, strconv.Itoa(q.events.byName[name]))
	}
	for n := range q.events.byNum {
		all = append(all, strconv.Itoa(n))
	}
	typeFilter := `(e.EventType IN (` + strings.Join(wanted, ",") + `) OR e.EventType NOT IN (` + strings.Join(all, ",") + `))`
	name, actor, stmt := "SessionEvent", "Host", `SELECT e.EventID, e.SessionID, e.EventType, e.Time, e.Host, e.Data, `+
		parentColumns(q.company)+`
	FROM SessionEvent e JOIN Session s ON s.SessionID = e.SessionID WHERE 1 = 1`
	if lvl == connectionLevel {
		name, actor, stmt = "SessionConnectionEvent", "SessionConnectionParticipantName",
			`SELECT e.EventID, c.SessionID, e.ConnectionID, e.EventType, e.Time, e.Data, c.ParticipantName AS SessionConnectionParticipantName, `+
				parentColumns(q.company)+`
	FROM SessionConnectionEvent e JOIN SessionConnection c ON c.ConnectionID = e.ConnectionID
		JOIN Session s ON s.SessionID = c.SessionID WHERE c.ProcessType = 1`
	}
	stmt += ` AND (e.EventAttributes & 1) = 0 AND s.SessionType IN ` + sessionTypeValues(q.sessionTypes) +
		` AND ` + typeFilter + ` AND e.Time >= ? AND e.Time < ? ORDER BY e.Time, e.EventID`
	err := s.query(ctx, name, stmt, &w, func(t *table) error {
		rows := make([]eventRow, 0, len(t.items))
		for _, r := range t.rows() {
			e, err := eventOf(r, q, actor)
			if err != nil {
				return fmt.Errorf("event %s: %w", r.str("EventID"), err)
			}
			rows = append(rows, e)
		}
		return batch(rows, rows[len(rows)-1].Time)
	})
	if err != nil {
		return err
	}
	return batch(nil, w.to)
}

// query runs stmt (with w's bounds in ticks as its two arguments when w is set) and
// hands fn its rows as tables of at most item_limit rows.
func (s *dbSource) query(ctx context.Context, name, stmt string, w *window, fn func(*table) error) error {
	where := "Session.db " + name
	if w != nil {
		where += " for " + w.String()
	}
	db, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var args []any
	if w != nil {
		args = []any{toTicks(w.from), toTicks(w.to)}
	}
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("screenconnect: reading %s: %w", where, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("screenconnect: reading %s: %w", where, err)
	}
	t := &table{fields: cols, index: map[string]int{}}
	for i, c := range cols {
		t.index[c] = i
	}
	flush := func() error {
		if err := fn(t); err != nil {
			return fmt.Errorf("screenconnect: reading %s: %w", where, err)
		}
		t = &table{fields: t.fields, index: t.index}
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("screenconnect: reading %s: %w", where, err)
		}
		item, err := toJSON(cols, vals)
		if err != nil {
			return fmt.Errorf("screenconnect: reading %s: %w", where, err)
		}
		t.items = append(t.items, item)
		if len(t.items) >= s.itemLimit {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("screenconnect: reading %s: %w", where, err)
	}
	if len(t.items) > 0 || w == nil {
		return flush()
	}
	return nil
}

// isoTicks is how a ticks column is written in the table: ISO 8601, 7 fractional
// digits, UTC; "never" (0 ticks) is 0001-01-01T00:00:00 as ScreenConnect writes it.
const isoTicks = "2006-01-02T15:04:05.0000000Z"

// toJSON converts one Session.db row into report values: GUID blobs to their
// canonical text, ticks to ISO times, text and numbers as they are.
func toJSON(cols []string, vals []any) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(cols))
	for i, c := range cols {
		v := vals[i]
		switch {
		case v == nil:
		case slices.Contains(guidColumns, c):
			b, ok := v.([]byte)
			if !ok {
				// Some databases keep GUIDs as text.
				v = fmt.Sprint(v)
				break
			}
			g, err := guidString(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c, err)
			}
			v = g
		case slices.Contains(tickColumns, c):
			n, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a ticks value", c, v)
			}
			t, err := fromTicks(n)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c, err)
			}
			v = "0001-01-01T00:00:00"
			if t != nil {
				v = t.Format(isoTicks)
			}
		default:
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		out[i] = b
	}
	return out, nil
}

// guidString decodes a .NET Guid.ToByteArray value: the first three groups are
// little-endian, the last two in order.
func guidString(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("a GUID has 16 bytes, not %d", len(b))
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16]), nil
}
