// Package storetest opens fresh stores for tests: SQLite always, and PostgreSQL when
// CUSTOS_TEST_POSTGRES_DSN names a server (each test gets a schema of its own).
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/internal/testonly"
)

// DB returns st's gorm handle, for a test that checks what is stored or writes rows
// no store method writes. Production code asks the store's methods instead.
func DB(ctx context.Context, st *store.Store) *gorm.DB { return st.DB(ctx, testonly.Key{}) }

// DSNEnv names the environment variable that holds the PostgreSQL test DSN.
const DSNEnv = "CUSTOS_TEST_POSTGRES_DSN"

// Each runs f once against SQLite and once against PostgreSQL, as subtests named
// "sqlite" and "postgres", each store sealing with Keyring's key as a configured one
// would. Without a DSN the PostgreSQL subtest is skipped and says why.
func Each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			f(t, Open(t, driver, Keyring(t)))
		})
	}
}

// KeyFile returns a keyring of the sealing key in the file at path (the demo's
// seal.key), for a test that opens a store Custos wrote.
func KeyFile(t testing.TB, path string) *seal.Keyring {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the sealing key: %v", err)
	}
	key, err := seal.ParseKey(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	k, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return k
}

// Keyring returns a sealing keyring with a fixed test key.
func Keyring(t testing.TB) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring([]byte("custos-test-key-32-bytes-long!!!"))
	if err != nil {
		t.Fatalf("test keyring: %v", err)
	}
	return k
}

// Open returns an empty store of the driver, closed when the test ends.
func Open(t testing.TB, driver string, sealer store.Sealer) *store.Store {
	t.Helper()
	opts := Options(t, driver)
	opts.Sealer = sealer
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("opening %s store: %v", driver, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Options returns store options for an empty database of the driver: a file in a
// temporary directory, or a fresh schema on the test PostgreSQL server.
func Options(t testing.TB, driver string) store.Options {
	t.Helper()
	switch driver {
	case "sqlite":
		return store.Options{Driver: "sqlite", Path: filepath.Join(t.TempDir(), "custos.db"), MaxOpenConns: 4}
	case "postgres":
		base := os.Getenv(DSNEnv)
		if base == "" {
			t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://custos:custos@localhost/custos_test) to run them", DSNEnv)
		}
		return store.Options{Driver: "postgres", DSN: freshSchema(t, base), MaxOpenConns: 8}
	}
	t.Fatalf("unknown driver %q", driver)
	return store.Options{}
}

// freshSchema creates a schema for one test, drops it afterwards, and returns a DSN
// whose search_path points at it.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	dsn, drop, err := store.ScratchSchema(context.Background(), base, "t_")
	if err != nil {
		t.Fatalf("%s: %v", DSNEnv, err)
	}
	t.Cleanup(func() { _ = drop() })
	return dsn
}

// Count counts the rows of model that match where (a condition and its arguments;
// none counts every row), failing the test if the query fails.
func Count(t testing.TB, st *store.Store, model any, where ...any) int64 {
	t.Helper()
	var n int64
	q := DB(context.Background(), st).Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
