package store

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", for the migration connection
	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"gorm.io/gorm"
)

// The schema is versioned SQL, one directory per dialect, embedded in the binary.
// goose applies it and records each applied version in versionTable.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// versionTable is goose's own table of applied versions, under goose's default name,
// so the goose command line reads it as it is.
const versionTable = goose.DefaultTablename // goose_db_version

// baselineVersion is the migration that holds the schema AutoMigrate made; a database
// that AutoMigrate made is adopted at it.
const baselineVersion = 1

// dialect says how one database engine is migrated.
type dialect struct {
	name      string // the store driver: sqlite or postgres
	goose     goose.Dialect
	sqlDriver string // the database/sql driver of the migration connection
	// columns lists every table of the current schema with its columns.
	columns string
}

var dialects = map[string]dialect{
	"sqlite": {
		name: "sqlite", goose: goose.DialectSQLite3, sqlDriver: "sqlite3",
		columns: `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`,
	},
	"postgres": {
		name: "postgres", goose: goose.DialectPostgres, sqlDriver: "pgx",
		columns: `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`,
	},
}

// migrate brings the schema to the latest version under the lock that serialises
// schema changes, so replicas (or a daemon and a command) opening one database at
// once never race: the second waits, then finds nothing left to do.
//
// SQLite: one connection holds one BEGIN IMMEDIATE transaction (the write lock)
// around adoption and every pending migration, so they commit together or not at all.
// goose runs on that same connection inside it (WithIsolateDDL keeps goose from
// beginning transactions of its own; a guard refuses to run if it is not inside ours).
//
// PostgreSQL: a session-level advisory lock on migrationLock, the key AutoMigrate's
// transaction locked (pg_advisory_xact_lock shares the key space, so an older replica
// still migrating with AutoMigrate and a new one exclude each other too), is held on a
// connection of its own while adoption runs in one transaction and goose applies each
// pending migration in a transaction of its own.
func migrate(ctx context.Context, opts Options) error {
	d, ok := dialects[opts.Driver]
	if !ok {
		return fmt.Errorf("store: unknown driver %q", opts.Driver)
	}
	dsn := opts.DSN
	if d.name == "sqlite" {
		dsn = sqliteDSN(opts.Path)
	}
	db, err := sql.Open(d.sqlDriver, dsn)
	if err != nil {
		return fmt.Errorf("store: opening migration connection: %w", err)
	}
	defer db.Close()
	if d.name == "sqlite" {
		err = migrateSQLite(ctx, db, d)
	} else {
		err = migratePostgres(ctx, db, d)
	}
	if err != nil {
		return fmt.Errorf("store: migrating the schema: %w", err)
	}
	return nil
}

func migrateSQLite(ctx context.Context, db *sql.DB, d dialect) (err error) {
	// One connection only, so goose is handed the one that holds the transaction.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	p, err := provider(d, db, goose.WithIsolateDDL(true), goose.WithSessionLocker(sqliteInTransaction{}))
	if err != nil {
		return err
	}
	if err := onConn(ctx, db, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		err = errors.Join(err, onConn(context.WithoutCancel(ctx), db, end))
	}()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	err = adopt(ctx, conn, d)
	// Back to the pool with the transaction open; goose takes it from there.
	err = errors.Join(err, conn.Close())
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// onConn runs one statement on the pool's connection.
func onConn(ctx context.Context, db *sql.DB, stmt string) error {
	_, err := db.ExecContext(ctx, stmt)
	return err
}

// sqliteInTransaction is the goose session locker on SQLite: the lock is already
// held (the transaction migrateSQLite began), and this only checks that goose's
// connection is the one inside it, so nothing is ever applied outside the lock.
type sqliteInTransaction struct{}

func (sqliteInTransaction) SessionLock(ctx context.Context, conn *sql.Conn) error {
	return conn.Raw(func(dc any) error {
		if c, ok := dc.(*sqlite3.SQLiteConn); ok && !c.AutoCommit() {
			return nil
		}
		return errors.New("goose's connection is not the one holding the migration transaction")
	})
}

func (sqliteInTransaction) SessionUnlock(context.Context, *sql.Conn) error { return nil }

func migratePostgres(ctx context.Context, db *sql.DB, d dialect) (err error) {
	p, err := provider(d, db)
	if err != nil {
		return err
	}
	lock, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer func() {
		_, uerr := lock.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
		err = errors.Join(err, uerr)
	}()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := adopt(ctx, tx, d); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// provider returns goose's provider over the dialect's embedded migrations.
func provider(d dialect, db *sql.DB, opts ...goose.ProviderOption) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFiles, "migrations/"+d.name)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(d.goose, db, fsys, append(opts, goose.WithDisableGlobalRegistry(true))...)
}

// adopt takes over a database that AutoMigrate made (Custos's tables, no version
// table): it checks that every table and column of the baseline is there and records
// the baseline as applied without running it, so goose applies only what came after.
// An empty database, or one that already has the version table, is left to goose. A
// database with some of the baseline but not all of it is refused, naming what is
// missing.
func adopt(ctx context.Context, q database.DBTxConn, d dialect) error {
	have, err := tableColumns(ctx, q, d)
	if err != nil {
		return err
	}
	if _, ok := have[versionTable]; ok {
		return nil
	}
	want, err := baselineColumns(d)
	if err != nil {
		return err
	}
	var missing []string
	found := 0
	for _, table := range want.tables {
		cols, ok := have[table]
		if !ok {
			missing = append(missing, "table "+table)
			continue
		}
		found++
		for _, c := range want.columns[table] {
			if !cols[c] {
				missing = append(missing, "column "+table+"."+c)
			}
		}
	}
	if found == 0 {
		return nil // empty (of Custos's tables): goose creates the schema
	}
	if len(missing) > 0 {
		return fmt.Errorf("the database has %d of Custos's %d tables but no %s table, so it is neither empty nor one that Custos made; missing: %s",
			found, len(want.tables), versionTable, strings.Join(missing, ", "))
	}
	vs, err := database.NewStore(d.goose, versionTable)
	if err != nil {
		return err
	}
	if err := vs.CreateVersionTable(ctx, q); err != nil {
		return fmt.Errorf("adopting the database: %w", err)
	}
	for _, v := range []int64{0, baselineVersion} {
		if err := vs.Insert(ctx, q, database.InsertRequest{Version: v}); err != nil {
			return fmt.Errorf("adopting the database: %w", err)
		}
	}
	return nil
}

// tableColumns returns the current schema's tables, each with its set of columns.
func tableColumns(ctx context.Context, q database.DBTxConn, d dialect) (map[string]map[string]bool, error) {
	rows, err := q.QueryContext(ctx, d.columns)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	defer rows.Close()
	have := map[string]map[string]bool{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		if have[table] == nil {
			have[table] = map[string]bool{}
		}
		have[table][column] = true
	}
	return have, rows.Err()
}

// schemaTables is the tables and columns a migration file creates, in file order.
type schemaTables struct {
	tables  []string
	columns map[string][]string
}

var (
	createTable = regexp.MustCompile(`^CREATE TABLE (\w+) \($`)
	columnLine  = regexp.MustCompile(`^\s+(\w+)\s`)
)

// baselineColumns reads the tables and columns from the dialect's baseline file,
// which keeps one column a line between "CREATE TABLE name (" and ");".
func baselineColumns(d dialect) (schemaTables, error) {
	names, err := fs.Glob(migrationFiles, fmt.Sprintf("migrations/%s/%05d_*.sql", d.name, baselineVersion))
	if err != nil || len(names) != 1 {
		return schemaTables{}, fmt.Errorf("no single baseline migration for %s (%v)", d.name, err)
	}
	f, err := migrationFiles.Open(names[0])
	if err != nil {
		return schemaTables{}, err
	}
	defer f.Close()
	s := schemaTables{columns: map[string][]string{}}
	table := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch m := createTable.FindStringSubmatch(line); {
		case m != nil:
			table = m[1]
			s.tables = append(s.tables, table)
		case strings.HasPrefix(line, ")"):
			table = ""
		case table != "":
			c := columnLine.FindStringSubmatch(line)
			if c != nil && !slices.Contains([]string{"PRIMARY", "CONSTRAINT", "UNIQUE", "FOREIGN", "CHECK"}, c[1]) {
				s.columns[table] = append(s.columns[table], c[1])
			}
		}
	}
	return s, sc.Err()
}

// SchemaVersion returns the schema version the database is at: the highest version
// goose recorded in goose_db_version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := s.db.WithContext(ctx).Raw("SELECT MAX(version_id) FROM " + versionTable).Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("store: reading the schema version: %w", err)
	}
	return v.Int64, nil
}

// CheckSchema checks that the database has every table, column, index and foreign key
// that the gorm models expect, and names the model and column of the first that is
// missing: a model changed without a migration.
func (s *Store) CheckSchema(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	m := db.Migrator()
	var missing []string
	for _, model := range models() {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(model); err != nil {
			return fmt.Errorf("store: parsing model %T: %w", model, err)
		}
		sch := stmt.Schema
		name := fmt.Sprintf("%s (table %s)", sch.Name, sch.Table)
		if !m.HasTable(model) {
			missing = append(missing, name+": no table")
			continue
		}
		for _, f := range sch.Fields {
			if f.DBName != "" && !m.HasColumn(model, f.DBName) {
				missing = append(missing, fmt.Sprintf("%s: no column %s (field %s)", name, f.DBName, f.Name))
			}
		}
		for _, idx := range sch.ParseIndexes() {
			if !m.HasIndex(model, idx.Name) {
				missing = append(missing, fmt.Sprintf("%s: no index %s", name, idx.Name))
			}
		}
		for _, rel := range sch.Relationships.Relations {
			// The constraint of a has-many relation lives on the other model's table.
			if c := rel.ParseConstraint(); c != nil && !m.HasConstraint(c.Schema.Table, c.Name) {
				missing = append(missing, fmt.Sprintf("%s: no foreign key %s", name, c.Name))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("store: the schema does not match the models (a model changed without a migration?): %s", strings.Join(missing, "; "))
	}
	return nil
}
