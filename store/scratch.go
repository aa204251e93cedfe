package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, for creating the schema
)

// ScratchSchema creates an empty schema, named prefix and random hex digits, on the
// PostgreSQL server dsn names, and returns a DSN whose search_path points at it and
// a function that drops it with everything in it.
func ScratchSchema(ctx context.Context, dsn, prefix string) (scratch string, drop func() error, err error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("store: opening PostgreSQL for a scratch schema: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = db.Close()
		return "", nil, fmt.Errorf("store: creating scratch schema %s: %w", schema, err)
	}
	drop = func() error {
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			return fmt.Errorf("store: dropping scratch schema %s: %w", schema, err)
		}
		return nil
	}
	return withSearchPath(dsn, schema), drop, nil
}

// withSearchPath is dsn (a URL or key=value pairs) with its search_path set to schema.
func withSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}
