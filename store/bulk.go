package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// bulkColumn is a column a bulk statement writes, with its PostgreSQL type.
type bulkColumn struct{ name, pgType string }

// bulkTable writes many rows of some of a table's columns a statement at a time,
// without gorm's reflection: reconcile writes hundreds of thousands of findings,
// outbox entries and decisions in a run. Values are plain driver values (int64,
// string, time.Time, nil), personal ones already sealed. PostgreSQL gets the
// columns as arrays through unnest, so that one query text, prepared once per
// connection, serves every chunk; SQLite, where a statement costs no round trip, a
// multi-row VALUES list within its limit of variables.
type bulkTable struct {
	name    string
	columns []bulkColumn
}

const (
	// bulkRowsPostgres is how many rows one PostgreSQL statement writes.
	bulkRowsPostgres = 5000
	// bulkVarsSQLite bounds the variables of one SQLite statement (SQLite's limit is 32,766).
	bulkVarsSQLite = 8000
)

// chunk is how many rows one statement writes on tx's database.
func (t bulkTable) chunk(tx *gorm.DB) int {
	if isPostgres(tx) {
		return bulkRowsPostgres
	}
	return max(1, bulkVarsSQLite/len(t.columns))
}

func isPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

// insert inserts rows (len(t.columns) values each, one after the other in values)
// in tx. With returning (e.g. "id, fingerprint"), each statement returns those
// columns of the rows it inserted, which scan reads row by row.
func (t bulkTable) insert(ctx context.Context, tx *gorm.DB, values []any, returning string, scan func(*sql.Rows) error) error {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	head := "INSERT INTO " + t.name + " (" + strings.Join(names, ", ") + ") "
	tail := ""
	if returning != "" {
		tail = " RETURNING " + returning
	}
	return t.each(tx, values, func(n int, args []any) error {
		query := head + t.rows(tx, n) + tail
		if scan == nil {
			if _, err := tx.Statement.ConnPool.ExecContext(ctx, query, args...); err != nil {
				return err
			}
			return nil
		}
		rows, err := tx.Statement.ConnPool.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// update sets the columns but the first on the rows whose first column (the key)
// matches, joining the table to the rows as a list (VALUES or unnest).
func (t bulkTable) update(ctx context.Context, tx *gorm.DB, values []any) error {
	key := t.columns[0].name
	names := make([]string, len(t.columns))
	sets := make([]string, 0, len(t.columns)-1)
	for i, c := range t.columns {
		names[i] = c.name
		if i > 0 {
			sets = append(sets, c.name+" = d."+c.name)
		}
	}
	set := " SET " + strings.Join(sets, ", ")
	return t.each(tx, values, func(n int, args []any) error {
		var query string
		if isPostgres(tx) {
			query = "UPDATE " + t.name + set + " FROM " + t.rows(tx, n) + " AS d(" + strings.Join(names, ", ") + ") WHERE " +
				t.name + "." + key + " = d." + key
		} else {
			query = "WITH d(" + strings.Join(names, ", ") + ") AS (" + t.rows(tx, n) + ") UPDATE " + t.name + set +
				" FROM d WHERE " + t.name + "." + key + " = d." + key
		}
		_, err := tx.Statement.ConnPool.ExecContext(ctx, query, args...)
		return err
	})
}

// each hands do the statement arguments of values a chunk at a time, with how many
// rows the chunk holds: on PostgreSQL one array per column, on SQLite the values.
func (t bulkTable) each(tx *gorm.DB, values []any, do func(n int, args []any) error) error {
	width := len(t.columns)
	if len(values)%width != 0 {
		return fmt.Errorf("%d values for %d columns of %s", len(values), width, t.name)
	}
	step := t.chunk(tx) * width
	for start := 0; start < len(values); start += step {
		part := values[start:min(start+step, len(values))]
		n := len(part) / width
		if !isPostgres(tx) {
			if err := do(n, part); err != nil {
				return err
			}
			continue
		}
		arrays := make([]any, width)
		for c := range width {
			column := make([]any, n)
			for r := range n {
				column[r] = part[r*width+c]
			}
			arrays[c] = column
		}
		if err := do(n, arrays); err != nil {
			return err
		}
	}
	return nil
}

// rows is the list of n rows a statement writes: unnest of one typed array per
// column on PostgreSQL, a VALUES list on SQLite.
func (t bulkTable) rows(tx *gorm.DB, n int) string {
	var b strings.Builder
	if isPostgres(tx) {
		b.WriteString("(SELECT * FROM unnest(")
		for i, c := range t.columns {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d::%s[]", i+1, c.pgType)
		}
		b.WriteString("))")
		return b.String()
	}
	row := "(?" + strings.Repeat(", ?", len(t.columns)-1) + ")"
	b.Grow(len("VALUES ") + n*(len(row)+2))
	b.WriteString("VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}
