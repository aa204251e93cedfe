package main

import (
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver the store opens SQLite with

	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/store"
)

// A store dump is every row of every table of an SQLite store in a form that two
// stores filled by different runs can be compared in: ids are replaced by what
// the row they name is (a customer's key, a record's source and source id, a
// finding's fingerprint), the columns a run fills with its own clock are left
// out, sealed values are opened (their nonces are random) and rows are sorted.

// dumpSkipped are the tables whose rows record the runs themselves rather than
// what they stored: a run killed and resumed has more of them.
var dumpSkipped = map[string]string{
	"job_runs":   "one row per run",
	"job_leases": "held while a run runs",
	"coverages":  "one row per pull; compareCoverage compares the last of each",
}

// runColumns are the columns a run fills from its clock, in every table.
var runColumns = []string{"created_at", "updated_at", "seen_at", "first_seen", "last_seen", "first_seen_at", "pull_started_at"}

// runColumnsOf are further such columns of one table.
var runColumnsOf = map[string][]string{
	"finding_events": {"at"},
}

// naturalKeys names the columns that identify a row of a table whose rows other
// rows refer to, or that must not hold a row twice: a row's label is those
// columns, references translated. Tables with (source, source_id) need no entry.
var naturalKeys = map[string][]string{
	"customers":           {"key"},
	"technicians":         {"key"},
	"devices":             {"customer_id", "host_key", "serial", "name"},
	"links":               {"source", "kind", "source_id"},
	"findings":            {"fingerprint"},
	"verified_backups":    {"customer_id", "what", "evidence"},
	"checkpoints":         {"connector", "stream", "scope"},
	"quarantined_records": {"source", "stream", "scope", "item_key"},
	"outbox_entries":      {"fingerprint", "event", "receiver", "route"},
	"deliveries":          {"idempotency_key"},
	// Not an identity: a stream's scope has a row per pull. Findings cite them.
	"coverages": {"connector", "stream", "scope", "outcome"},
}

// repeatedLabels are tables whose labels may repeat.
var repeatedLabels = map[string]bool{"coverages": true}

// references maps a column holding a row id to the table of that row.
var references = map[string]string{
	"customer_id":        "customers",
	"technician_id":      "technicians",
	"device_id":          "devices",
	"configuration_id":   "configurations",
	"finding_id":         "findings",
	"delivery_id":        "deliveries",
	"covered_by":         "authorisations",
	"authorised_late_by": "authorisations",
	"backup_id":          "verified_backups",
	"late_backup_id":     "verified_backups",
}

// linkTargets maps a link's kind to the table of its target_id.
var linkTargets = map[string]string{
	store.LinkCustomer: "customers", store.LinkTechnician: "technicians", store.LinkDevice: "devices",
}

// storeDump is a store's tables as canonical rows, sorted; labels says, per
// table, how many rows carry each label (more than one is a duplicate).
type storeDump struct {
	tables map[string][]string
	labels map[string]map[string]int
}

// rawTable is a table as read: its columns and its rows, each value as text
// ("NULL" for NULL).
type rawTable struct {
	columns []string
	rows    [][]string
}

func (rt rawTable) col(name string) int { return slices.Index(rt.columns, name) }

// dumpStore reads the SQLite store at path and opens its sealed values with keys;
// clock masks the instants the runs wrote from their own clock.
func dumpStore(t *testing.T, path string, keys *seal.Keyring, clock runClock) storeDump {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	tables := store.Tables()
	names := make([]string, len(tables))
	for i, tb := range tables {
		names[i] = tb.Name
	}
	var inDB []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', 'goose_db_version')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		inDB = append(inDB, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, n := range inDB {
		if !slices.Contains(names, n) {
			t.Fatalf("%s: table %s is not in store.Tables(), so the crash test would not compare it", path, n)
		}
	}

	// Every sealed value is opened first, so that a natural key sealed as a person
	// reference (a technician's key, a link's source id) labels its row by content.
	raw := map[string]rawTable{}
	for _, n := range names {
		rt := readTable(t, db, n)
		for _, row := range rt.rows {
			for i, c := range rt.columns {
				if seal.IsSealed(row[i]) {
					row[i] = opened(keys, n+"."+c, row[i])
				}
			}
		}
		raw[n] = rt
	}

	// Labels: the canonical tables first, since devices name their customer.
	labels := map[string]map[string]string{} // table → id → label
	d := storeDump{tables: map[string][]string{}, labels: map[string]map[string]int{}}
	order := slices.Clone(names)
	slices.SortStableFunc(order, func(a, b string) int { return rank(a) - rank(b) })
	for _, n := range order {
		rt := raw[n]
		key := naturalKeys[n]
		if key == nil && rt.col("source") >= 0 && rt.col("source_id") >= 0 {
			key = []string{"source", "source_id"}
		}
		if key == nil {
			continue
		}
		labels[n] = map[string]string{}
		d.labels[n] = map[string]int{}
		id := rt.col("id")
		for _, row := range rt.rows {
			parts := make([]string, len(key))
			for i, c := range key {
				parts[i] = translate(labels, n, c, row[rt.col(c)], nil)
			}
			label := strings.Join(parts, "/")
			if id >= 0 {
				labels[n][row[id]] = label
			}
			if !repeatedLabels[n] {
				d.labels[n][label]++
			}
		}
	}

	for _, n := range names {
		if _, skip := dumpSkipped[n]; skip {
			continue
		}
		rt := raw[n]
		var out []string
		for _, row := range rt.rows {
			var b strings.Builder
			for i, c := range rt.columns {
				if c == "id" || slices.Contains(runColumns, c) || slices.Contains(runColumnsOf[n], c) {
					continue
				}
				v := row[i]
				switch {
				case n == "checkpoints" && c == "cursor":
					// A time-window stream's cursor is where its pull ended by the
					// run's clock (Graph's reports), or that less the settle delay
					// (the Management Activity API: 24 h in the demo).
					v = clock.mask(v, 0, 24*time.Hour)
				default:
					v = clock.mask(translate(labels, n, c, v, func(col string) string { return row[rt.col(col)] }), 0)
				}
				fmt.Fprintf(&b, " %s=%s", c, v)
			}
			out = append(out, strings.TrimSpace(b.String()))
		}
		slices.Sort(out)
		d.tables[n] = out
	}
	return d
}

// runClock is when the runs ran: an instant between from and to in a value was
// written from their clock (a cursor of a time window, "since 16:36 UTC" in a
// summary) and differs between runs.
type runClock struct{ from, to time.Time }

// timestamp matches the ways a value writes an instant: RFC 3339, SQLite's, and
// a summary's minutes in UTC.
var timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}| UTC)`)

// mask replaces each instant in v that lies between c.from and c.to, less one of
// shifts, by "<run clock>".
func (c runClock) mask(v string, shifts ...time.Duration) string {
	return timestamp.ReplaceAllStringFunc(v, func(ts string) string {
		var at time.Time
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04 UTC"} {
			if t, err := time.Parse(layout, ts); err == nil {
				at = t
				break
			}
		}
		if at.IsZero() {
			return ts
		}
		for _, shift := range shifts {
			// Minutes: a summary's "since 16:36" was written within the minute.
			if !at.Before(c.from.Add(-shift).Truncate(time.Minute)) && !at.After(c.to.Add(-shift)) {
				return "<run clock>"
			}
		}
		return ts
	})
}

// rank orders the tables whose labels others use before them.
func rank(table string) int {
	switch table {
	case "customers", "technicians":
		return 0
	case "devices", "verified_backups", "deliveries":
		return 1
	}
	return 2
}

// readTable reads every row of a table as text.
func readTable(t *testing.T, db *sql.DB, name string) rawTable {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + name + `"`)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	rt := rawTable{columns: cols}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		rt.rows = append(rt.rows, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return rt
}

// translate replaces a row id in column c of table by the label of the row it
// names, and each "table:id" of an evidence list likewise; other values stay.
// other reads another column of the same row (a link's kind), nil when none can be.
func translate(labels map[string]map[string]string, table, c, v string, other func(string) string) string {
	if v == "NULL" {
		return v
	}
	target := references[c]
	if table == "links" && c == "target_id" && other != nil {
		target = linkTargets[other("kind")]
	}
	if target != "" {
		return label(labels, target, v)
	}
	if table == "findings" && c == "evidence" && v != "" {
		items := strings.Split(v, ",")
		for i, item := range items {
			if tb, id, ok := strings.Cut(item, ":"); ok {
				items[i] = tb + ":" + label(labels, tb, id)
			}
		}
		return strings.Join(items, ",")
	}
	return v
}

func label(labels map[string]map[string]string, table, id string) string {
	l, ok := labels[table][id]
	if !ok {
		return fmt.Sprintf("<no %s row %s>", table, id)
	}
	return "[" + l + "]"
}

// opened opens a sealed value of field ("table.column"). A payload, sealed for its
// field, is shown by a digest and its start; a personal value, sealed with the
// associated data all personal columns share, is shown as it is, so that the run
// clock can be masked in it like in any other text.
func opened(keys *seal.Keyring, field, v string) string {
	if plain, err := keys.Open(v, []byte("custos personal data")); err == nil {
		return string(plain)
	}
	plain, err := keys.Open(v, []byte(field))
	if err != nil {
		return fmt.Sprintf("<unopenable: %v>", err)
	}
	sum := sha256.Sum256(plain)
	start := string(plain)
	if len(start) > 40 {
		start = start[:40] + "…"
	}
	return fmt.Sprintf("sealed(%x %q)", sum[:6], start)
}

// compareStores fails the test with every difference between the stores that
// two demo directories hold, each with its own sealing key: rows only one has,
// and identities a store holds more than once.
func compareStores(t *testing.T, wantDir, gotDir string, clock runClock) {
	t.Helper()
	want, got := dumpDemoStore(t, wantDir, clock), dumpDemoStore(t, gotDir, clock)
	// An empty table compares equal to an empty table: every table a stream
	// writes, and the findings and alerts reconcile writes, must have rows.
	for _, tb := range store.Tables() {
		if (tb.Record != nil || tb.Name == "findings" || tb.Name == "outbox_entries") && len(want.tables[tb.Name]) == 0 {
			t.Errorf("%s: the uninterrupted run stored no rows, so the comparison proves nothing about it", tb.Name)
		}
	}
	for _, d := range []struct {
		name string
		dump storeDump
	}{{"uninterrupted", want}, {"resumed", got}} {
		for table, ls := range d.dump.labels {
			for l, n := range ls {
				if n > 1 {
					t.Errorf("%s: the %s store holds %s %d times", table, d.name, l, n)
				}
			}
		}
	}
	names := make([]string, 0, len(want.tables))
	for n := range want.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		missing, extra := diffRows(want.tables[n], got.tables[n])
		if len(missing) == 0 && len(extra) == 0 {
			continue
		}
		t.Errorf("%s: %d rows uninterrupted, %d resumed; only in the uninterrupted store:%s\nonly in the resumed store:%s",
			n, len(want.tables[n]), len(got.tables[n]), listRows(missing), listRows(extra))
	}
	compareCoverage(t, filepath.Join(wantDir, "custos.db"), filepath.Join(gotDir, "custos.db"))
}

// dumpDemoStore dumps the store of a demo directory, opening its sealed values
// with the directory's key.
func dumpDemoStore(t *testing.T, dir string, clock runClock) storeDump {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ParseKey(b)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	return dumpStore(t, filepath.Join(dir, "custos.db"), keys, clock)
}

// diffRows returns the rows of want missing from got and those of got not in
// want, counting repeats; both are sorted.
func diffRows(want, got []string) (missing, extra []string) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	return missing, extra
}

func listRows(rows []string) string {
	if len(rows) == 0 {
		return " none"
	}
	var b strings.Builder
	for i, r := range rows {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(rows)-i)
			break
		}
		b.WriteString("\n  " + r)
	}
	return b.String()
}

// compareCoverage compares how the last pull of each stream and scope ended in
// the two stores.
func compareCoverage(t *testing.T, wantDB, gotDB string) {
	t.Helper()
	last := func(path string) []string {
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT connector, stream, scope, outcome FROM coverages c
			WHERE id = (SELECT max(id) FROM coverages d WHERE d.connector = c.connector AND d.stream = c.stream AND d.scope = c.scope)
			ORDER BY connector, stream, scope`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var c, s, sc, o string
			if err := rows.Scan(&c, &s, &sc, &o); err != nil {
				t.Fatal(err)
			}
			out = append(out, c+"/"+s+"/"+sc+": "+o)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	missing, extra := diffRows(last(wantDB), last(gotDB))
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("coverages: the last pull of a stream and scope ended otherwise; uninterrupted:%s\nresumed:%s", listRows(missing), listRows(extra))
	}
}
