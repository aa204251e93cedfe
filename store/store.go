// Package store keeps Custos's normalised records in SQLite (the embedded default) or
// PostgreSQL (for several replicas), through gorm. It knows no vendor: it writes the
// record types that connectors emit, findings, checkpoints, coverage and job history,
// and it seals raw payloads before they touch the disk.
//
// The schema is versioned SQL migrations (store/migrations, one directory per
// dialect, embedded), applied by goose when Open is called, under a lock so that
// replicas starting at once never race; goose records applied versions in the table
// goose_db_version, and SchemaVersion reads it. A database that gorm's AutoMigrate
// made before there were migrations is adopted at version 1, the baseline. gorm never
// changes the schema; CheckSchema tells whether the models and the migrations agree.
// docs/store.md says how to add a migration.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/custos-msp/custos/store/internal/testonly"
)

// Sealer encrypts and decrypts sealed fields. *seal.Keyring implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) (string, error)
	Open(sealed string, associatedData []byte) ([]byte, error)
}

// Options says which database to open.
type Options struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// Path is the SQLite file.
	Path string
	// DSN is the PostgreSQL connection string.
	DSN          string
	MaxOpenConns int
	// Sealer seals personal data and raw payloads; with none, personal data is
	// stored in clear and raw payloads are not kept.
	Sealer Sealer
	// DropRawPayloads keeps no raw payload even with a Sealer.
	DropRawPayloads bool
}

// Store is the database.
type Store struct {
	db      *gorm.DB
	driver  string
	sealer  Sealer
	dropRaw bool
}

// Open connects, migrates the schema to the latest version and returns the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	var dialector gorm.Dialector
	switch opts.Driver {
	case "sqlite":
		if err := privateFile(opts.Path); err != nil {
			return nil, err
		}
		dialector = sqlite.Open(sqliteDSN(opts.Path))
	case "postgres":
		dialector = postgres.Open(opts.DSN)
	default:
		return nil, fmt.Errorf("store: unknown driver %q (want sqlite or postgres)", opts.Driver)
	}
	db, err := openGorm(ctx, dialector)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", opts.Driver, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if opts.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: connecting to %s: %w", opts.Driver, err)
	}
	if err := migrate(ctx, opts); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := injectSealer(db, opts.Sealer); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return &Store{db: db, driver: opts.Driver, sealer: opts.Sealer, dropRaw: opts.DropRawPayloads}, nil
}

// privateFile creates the SQLite file readable by its owner only, whatever the
// umask, or takes every user's access away from an existing one: it holds personal
// data. SQLite gives its -wal and -shm files the database file's mode.
func privateFile(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: opening %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: opening %s: %w", path, err)
	}
	if perm := info.Mode().Perm(); perm&0o007 != 0 {
		if err := f.Chmod(perm &^ 0o007); err != nil {
			return fmt.Errorf("store: %s is readable by every user (mode %#o) and could not be made private: %w", path, perm, err)
		}
	}
	return nil
}

// busyWait bounds how long Open retries a database SQLite reports busy.
const busyWait = 10 * time.Second

// openGorm opens the database. SQLite answers "database is locked" at once, without
// its busy timeout, when several processes open one file together and each sets it to
// WAL (the first open of a file, or of one made before WAL): Open then retries for up
// to busyWait.
func openGorm(ctx context.Context, dialector gorm.Dialector) (*gorm.DB, error) {
	config := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmtMaxSize:     preparedStatements,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	deadline := time.Now().Add(busyWait)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		db, err := gorm.Open(dialector, config)
		var busy sqlite3.Error
		if err == nil || !errors.As(err, &busy) || busy.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return db, err
		}
		if db != nil {
			if sqlDB, err := db.DB(); err == nil {
				_ = sqlDB.Close()
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// sqliteDSN turns a file path into a DSN with WAL, a busy timeout, foreign keys, and
// transactions that take the write lock at BEGIN (so two writers never deadlock on an
// upgrade from a read lock). Deleted content is overwritten with zeros (secure_delete),
// so that what retention or an erasure removes cannot be read back from the file, and
// a new file reclaims freed pages on request (auto_vacuum incremental; retention runs
// it). Each connection may cache up to 64 MiB of pages, not SQLite's 2 MiB: with the
// small cache a transaction that rewrites many rows (mapping's first run gives a
// million access events their ids) spills its pages to the log and reads them back
// from the operating system again and again (110 s with 2 MiB, 57 s with 64 MiB, at
// 1,000,000 events; docs/access.md).
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Set("_secure_delete", "on")
	q.Set("_auto_vacuum", "incremental")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", "-65536") // KiB
	return "file:" + path + "?" + q.Encode()
}

// migrationLock is the PostgreSQL advisory lock key that serialises schema changes
// (migrate.go).
const migrationLock = 0x637573746f73 // "custos"

// Driver returns "sqlite" or "postgres".
func (s *Store) Driver() string { return s.driver }

// DB returns the gorm handle, for tests that check what is stored. Only store and
// storetest can name its key, so production code outside store cannot call it; tests
// call storetest.DB.
func (s *Store) DB(ctx context.Context, _ testonly.Key) *gorm.DB { return s.db.WithContext(ctx) }

// Close closes the database. Calling it again does nothing.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
