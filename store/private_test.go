package store_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestOpen_SQLiteFileIsPrivate opens a new SQLite file under a permissive umask and
// an existing world-readable one: both end readable by their owner only, and both
// overwrite what is deleted (secure_delete) and can give freed pages back
// (auto_vacuum incremental, for a new file).
func TestOpen_SQLiteFileIsPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "new.db"), existing} {
		st, err := store.Open(ctx, store.Options{Driver: "sqlite", Path: path})
		if err != nil {
			t.Fatal(err)
		}
		var secureDelete, autoVacuum int
		db := storetest.DB(ctx, st)
		db.Raw("PRAGMA secure_delete").Scan(&secureDelete)
		db.Raw("PRAGMA auto_vacuum").Scan(&autoVacuum)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o007 != 0 {
			t.Errorf("%s: mode %#o, want no access for other users", filepath.Base(path), perm)
		}
		if secureDelete != 1 {
			t.Errorf("%s: secure_delete %d, want 1", filepath.Base(path), secureDelete)
		}
		if path != existing && autoVacuum != 2 {
			t.Errorf("%s: auto_vacuum %d, want 2 (incremental)", filepath.Base(path), autoVacuum)
		}
	}
}
