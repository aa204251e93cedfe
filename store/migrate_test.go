package store_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// drivers are the dialects every migration test runs on; PostgreSQL is skipped
// without CUSTOS_TEST_POSTGRES_DSN.
var drivers = []string{"sqlite", "postgres"}

// releaseTestdata is the database the last release before versioned migrations made.
const releaseTestdata = "testdata/v0"

func TestMigrate_FreshDatabaseGetsLatestVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		if got, want := schemaVersion(t, st), latestVersion(t, st.Driver()); got != want {
			t.Errorf("schema version = %d, want the latest, %d", got, want)
		}
		if err := st.CheckSchema(ctx); err != nil {
			t.Error(err)
		}
	})
}

func TestMigrate_UpgradesReleaseDatabaseInPlace(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			opts := loadRelease(t, driver)
			db := rawDB(t, opts)
			before := contents(t, db, driver)
			if len(before.counts) < 27 || before.counts["findings"] == 0 {
				t.Fatalf("release testdata looks empty: %v", before.counts)
			}
			for table, n := range before.counts {
				if n == 0 {
					t.Errorf("release testdata has no rows in %s", table)
				}
			}

			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatalf("opening the release's database: %v", err)
			}
			t.Cleanup(func() { _ = st.Close() })

			after := contents(t, db, driver)
			for table, n := range before.counts {
				if after.counts[table] != n {
					t.Errorf("%s: %d rows after the upgrade, %d before", table, after.counts[table], n)
				}
			}
			if !slices.Equal(after.findings, before.findings) {
				t.Errorf("findings changed:\nbefore %q\nafter  %q", before.findings, after.findings)
			}
			if got, want := schemaVersion(t, st), latestVersion(t, driver); got != want {
				t.Errorf("schema version = %d, want %d", got, want)
			}
			if err := st.CheckSchema(ctx); err != nil {
				t.Error(err)
			}
			// Ids go on from the release's rows (AUTOINCREMENT, the bigserial sequence).
			c := store.Customer{Name: "New Co", Key: "new co"}
			if err := storetest.DB(ctx, st).Create(&c).Error; err != nil || c.ID != uint(before.counts["customers"])+1 {
				t.Errorf("creating a customer after the upgrade: id %d, err %v", c.ID, err)
			}
		})
	}
}

func TestMigrate_BaselineIsTheSchemaAutoMigrateMade(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			release := catalog(t, rawDB(t, loadRelease(t, driver)), driver)
			fresh := catalog(t, rawDB(t, baselineOnly(t, driver)), driver)
			if len(release) < 100 {
				t.Fatalf("catalog of the release has %d lines", len(release))
			}
			for _, l := range diff(release, fresh) {
				t.Error(l)
			}
		})
	}
}

func TestMigrate_SecondOpenChangesNothing(t *testing.T) {
	eachStart(t, func(t *testing.T, driver string, opts store.Options) {
		db := rawDB(t, openClosed(t, opts))
		first, firstVersions := catalog(t, db, driver), versionRows(t, db)
		firstRows := contents(t, db, driver)

		db = rawDB(t, openClosed(t, opts))
		if l := diff(first, catalog(t, db, driver)); len(l) > 0 {
			t.Errorf("second open changed the schema: %v", l)
		}
		if got := versionRows(t, db); !slices.Equal(got, firstVersions) {
			t.Errorf("versions after the second open %v, after the first %v", got, firstVersions)
		}
		if got := contents(t, db, driver); fmt.Sprint(got) != fmt.Sprint(firstRows) {
			t.Errorf("second open changed rows: %v, then %v", firstRows, got)
		}
	})
}

func TestMigrate_ConcurrentOpensMigrateOnce(t *testing.T) {
	eachStart(t, func(t *testing.T, driver string, opts store.Options) {
		const replicas = 8
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range replicas {
			wg.Go(func() {
				<-start
				st, err := store.Open(ctx, opts)
				if err == nil {
					err = st.Close()
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}
		db := rawDB(t, opts)
		want := []string{"0"}
		for _, v := range fileVersions(t, driver) {
			want = append(want, strconv.FormatInt(v, 10))
		}
		if got := versionRows(t, db); !slices.Equal(got, want) {
			t.Errorf("version rows %v, want each of %v once", got, want)
		}
		// Every model's table.
		if n, want := len(contents(t, db, driver).counts), len(store.Tables()); n != want {
			t.Errorf("%d tables, want %d", n, want)
		}
	})
}

func TestMigrate_RefusesHalfMadeOrForeignDatabase(t *testing.T) {
	cases := []struct {
		name  string
		setup string // run on the release's database, or on an empty one when release is false
		fresh bool
		want  []string
	}{
		{name: "a table dropped", setup: "DROP TABLE job_leases", want: []string{"26 of Custos's 27 tables", "missing: table job_leases"}},
		{name: "a column dropped", setup: "ALTER TABLE coverages DROP COLUMN warnings", want: []string{"missing: column coverages.warnings"}},
		{name: "someone else's customers table", fresh: true, setup: "CREATE TABLE customers (id integer PRIMARY KEY, title text)",
			want: []string{"1 of Custos's 27 tables", "column customers.name", "column customers.key", "table technicians", "table notify_groups"}},
	}
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var opts store.Options
					if c.fresh {
						opts = storetest.Options(t, driver)
					} else {
						opts = loadRelease(t, driver)
					}
					db := rawDB(t, opts)
					if _, err := db.Exec(c.setup); err != nil {
						t.Fatal(err)
					}
					tables := len(contents(t, db, driver).counts)
					st, err := store.Open(ctx, opts)
					if err == nil {
						_ = st.Close()
						t.Fatal("opened a half-made database")
					}
					for _, w := range c.want {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not say %q", err, w)
						}
					}
					if n := len(contents(t, db, driver).counts); n != tables {
						t.Errorf("the refused open made %d tables of %d", n, tables)
					}
					var versions int
					if err := db.QueryRow(tableCount[driver], "goose_db_version").Scan(&versions); err != nil || versions != 0 {
						t.Errorf("the refused open left a version table (%d, %v)", versions, err)
					}
				})
			}
		})
	}
}

func TestSchema_ModelsAgreeWithMigrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		if err := st.CheckSchema(ctx); err != nil {
			t.Fatalf("models and migrations disagree on a fresh database: %v", err)
		}
		// A model change without a migration looks like this from the database side.
		for _, stmt := range []string{"DROP INDEX idx_findings_rule", "ALTER TABLE findings DROP COLUMN status_reason", "DROP TABLE notify_groups"} {
			if err := storetest.DB(ctx, st).Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		err := st.CheckSchema(ctx)
		for _, want := range []string{
			"Finding (table findings): no column status_reason (field StatusReason)",
			"Finding (table findings): no index idx_findings_rule",
			"NotifyGroup (table notify_groups): no table",
		} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("CheckSchema = %v, want it to say %q", err, want)
			}
		}
	})
}

// eachStart runs f on each dialect for two databases: an empty one and one that the
// release before versioned migrations made.
func eachStart(t *testing.T, f func(t *testing.T, driver string, opts store.Options)) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			t.Run("fresh", func(t *testing.T) { f(t, driver, storetest.Options(t, driver)) })
			t.Run("release", func(t *testing.T) { f(t, driver, loadRelease(t, driver)) })
		})
	}
}

// openClosed opens the store (migrating it) and closes it again.
func openClosed(t *testing.T, opts store.Options) store.Options {
	t.Helper()
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("opening %s: %v", opts.Driver, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return opts
}

func schemaVersion(t *testing.T, st *store.Store) int64 {
	t.Helper()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// latestVersion is the highest version among the dialect's migration files.
func latestVersion(t *testing.T, driver string) int64 {
	t.Helper()
	return slices.Max(fileVersions(t, driver))
}

// fileVersions are the versions of the dialect's migration files, in order.
func fileVersions(t *testing.T, driver string) []int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", driver, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", driver, err)
	}
	var versions []int64
	for _, f := range files {
		v, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions
}

// baselineOnly returns options for a database that ran the dialect's baseline file
// and nothing after it.
func baselineOnly(t *testing.T, driver string) store.Options {
	t.Helper()
	opts := storetest.Options(t, driver)
	script, err := os.ReadFile(filepath.Join("migrations", driver, "00001_baseline.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, opts).Exec(string(script)); err != nil {
		t.Fatalf("running the %s baseline: %v", driver, err)
	}
	return opts
}

// loadRelease returns options for a database that the release's script made.
func loadRelease(t *testing.T, driver string) store.Options {
	t.Helper()
	return loadScript(t, driver, filepath.Join(releaseTestdata, driver+".sql"))
}

// loadScript returns options for a fresh database of the driver that the SQL file
// at path made, run as it is (no migration is applied).
func loadScript(t *testing.T, driver, path string) store.Options {
	t.Helper()
	opts := storetest.Options(t, driver)
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, opts).Exec(string(script)); err != nil {
		t.Fatalf("loading %s into a %s database: %v", path, driver, err)
	}
	return opts
}

// rawDB is a plain database/sql handle on the store's database, closed with the test.
func rawDB(t *testing.T, opts store.Options) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", opts.DSN
	if opts.Driver == "sqlite" {
		driver, dsn = "sqlite3", "file:"+opts.Path+"?_foreign_keys=on&_busy_timeout=10000"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var (
	tableCount = map[string]string{
		"sqlite":   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
		"postgres": "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
	}
	listTables = map[string]string{
		"sqlite":   "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'goose_db_version' ORDER BY name",
		"postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'goose_db_version' ORDER BY 1",
	}
	// catalogs describe every column, index and constraint but goose's.
	catalogs = map[string][]string{
		"sqlite": {
			`SELECT m.name, p.cid, p.name, p.type, p."notnull", coalesce(p.dflt_value, ''), p.pk FROM sqlite_master m, pragma_table_info(m.name) p
			 WHERE m.type = 'table' AND m.name NOT IN ('goose_db_version', 'sqlite_sequence') ORDER BY 1, 2`,
			`SELECT m.name, l.name, l."unique", l.origin, i.seqno, i.name FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i
			 WHERE m.type = 'table' AND m.name <> 'goose_db_version' ORDER BY 1, 2, 5`,
			`SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1`,
		},
		"postgres": {
			`SELECT table_name, ordinal_position, column_name, data_type, is_nullable, coalesce(column_default, '') FROM information_schema.columns
			 WHERE table_schema = current_schema() AND table_name <> 'goose_db_version' ORDER BY 1, 2`,
			`SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') FROM pg_indexes
			 WHERE schemaname = current_schema() AND tablename <> 'goose_db_version' ORDER BY 1, 2`,
			`SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
			 WHERE connamespace = current_schema()::regnamespace AND conname NOT LIKE 'goose%' ORDER BY 2`,
			`SELECT sequence_name, data_type FROM information_schema.sequences
			 WHERE sequence_schema = current_schema() AND sequence_name NOT LIKE 'goose%' ORDER BY 1`,
		},
	}
)

// catalog describes the schema as lines, one for each column, index column,
// constraint and sequence.
func catalog(t *testing.T, db *sql.DB, driver string) []string {
	t.Helper()
	var lines []string
	for _, q := range catalogs[driver] {
		lines = append(lines, queryLines(t, db, q)...)
	}
	return lines
}

func queryLines(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		lines = append(lines, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// diff lists the lines only one side has.
func diff(want, got []string) []string {
	var out []string
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "missing: "+l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "extra:   "+l)
		}
	}
	return out
}

// versionRows lists the versions goose recorded, in order.
func versionRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return queryLines(t, db, "SELECT version_id FROM goose_db_version ORDER BY id")
}

// tableContents is what an upgrade must keep: each table's row count and every
// finding.
type tableContents struct {
	counts   map[string]int
	findings []string
}

func contents(t *testing.T, db *sql.DB, driver string) tableContents {
	t.Helper()
	c := tableContents{counts: map[string]int{}}
	for _, table := range queryLines(t, db, listTables[driver]) {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		c.counts[table] = n
	}
	if _, ok := c.counts["findings"]; ok {
		c.findings = queryLines(t, db, "SELECT id, fingerprint, status, summary, status_by, status_reason FROM findings ORDER BY id")
	}
	return c
}

// writeTestdataEnv names the directory TestWriteReleaseTestdata writes to. Set it at a
// release, on the release's code, to keep a database of that release for the upgrade
// test of the next one: CUSTOS_WRITE_TESTDATA=store/testdata/NAME (with
// CUSTOS_TEST_POSTGRES_DSN set; sqlite3 and pg_dump on PATH).
const writeTestdataEnv = "CUSTOS_WRITE_TESTDATA"

// TestWriteReleaseTestdata is not a test: it fills a store with rows in every table
// and dumps it as one SQL script per dialect, for the upgrade test of a later release.
func TestWriteReleaseTestdata(t *testing.T) {
	dir := os.Getenv(writeTestdataEnv)
	if dir == "" {
		t.Skipf("writes release testdata only when %s names a directory", writeTestdataEnv)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			opts := storetest.Options(t, driver)
			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := fillEveryTable(storetest.DB(ctx, st)); err != nil {
				t.Fatal(err)
			}
			_ = st.Close()
			var out []byte
			if driver == "sqlite" {
				out, err = exec.Command("sqlite3", opts.Path, ".dump").Output()
			} else {
				out, err = dumpPostgres(opts.DSN)
			}
			if err != nil {
				t.Fatalf("dumping %s: %v", driver, err)
			}
			if err := os.WriteFile(filepath.Join(dir, driver+".sql"), out, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// dumpPostgres dumps the DSN's search_path schema and strips the schema's name, so the
// script loads into whatever schema a test points its search_path at.
func dumpPostgres(dsn string) ([]byte, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	cmd := exec.Command("pg_dump", "--no-owner", "--no-privileges", "--inserts", "-n", schema, u.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, `\`), // psql meta-commands (\restrict)
			strings.HasPrefix(line, "CREATE SCHEMA"),
			strings.HasPrefix(line, "--") && strings.Contains(line, schema),
			strings.Contains(line, "search_path"):
			continue
		}
		keep = append(keep, strings.ReplaceAll(line, schema+".", ""))
	}
	return []byte(strings.Join(keep, "\n")), nil
}

// fillEveryTable writes a small, realistic set of rows into every table: three
// customers (one offboarded), their links, pulled records, access events that an
// authorisation or a backup covers, findings in each status with their outbox and
// deliveries, coverage, job history and leases.
func fillEveryTable(db *gorm.DB) error {
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	ptr := func(v time.Time) *time.Time { return &v }
	id := func(v uint) *uint { return &v }
	pulled := func(source, sourceID, stream string, h int) store.Pulled {
		return store.Pulled{Source: source, SourceID: sourceID, Stream: stream, Scope: "all", SeenAt: at(h)}
	}
	rows := []any{
		&[]store.Customer{
			{Name: "Acme Ltd", Key: "acme", Status: store.CustomerActive, CreatedAt: at(0), UpdatedAt: at(0)},
			{Name: "Globex GmbH", Key: "globex", Status: store.CustomerActive, CreatedAt: at(0), UpdatedAt: at(1)},
			{Name: "Initech", Key: "initech", Status: store.CustomerOffboarded, StatusSince: ptr(at(48)), CreatedAt: at(0), UpdatedAt: at(48)},
		},
		&[]store.Technician{
			{Name: "Jane Doe", Key: "jane doe", Email: "jane@msp.example", Aliases: "J. Doe|jdoe", CreatedAt: at(0), UpdatedAt: at(0)},
			{Name: "Bob Roe", Key: "bob roe", Email: "bob@msp.example", CreatedAt: at(0), UpdatedAt: at(0)},
		},
		&[]store.Device{
			{CustomerID: id(1), Name: "ACME-FW01", HostKey: "acme-fw01", Serial: "FGT60F0001", CreatedAt: at(0), UpdatedAt: at(0)},
			{CustomerID: id(1), Name: "ACME-DC01", HostKey: "acme-dc01", CreatedAt: at(0), UpdatedAt: at(0)},
			{CustomerID: id(2), Name: "GLX-NAS", Serial: "SYN123", CreatedAt: at(0), UpdatedAt: at(0)},
		},
		&[]store.Link{
			{Source: "itglue", Kind: store.LinkCustomer, SourceID: "100", TargetID: 1, Method: "auto:created", CreatedAt: at(0)},
			{Source: "dattormm", Kind: store.LinkCustomer, SourceID: "site-7", TargetID: 1, Method: "auto:name", CreatedAt: at(0)},
			{Source: "itglue", Kind: store.LinkCustomer, SourceID: "200", TargetID: 2, Method: "manual", CreatedAt: at(0)},
			{Source: "screenconnect", Kind: store.LinkTechnician, SourceID: "jdoe", TargetID: 1, Method: "auto:name", CreatedAt: at(0)},
			{Source: "itglue", Kind: store.LinkDevice, SourceID: "cfg-1", TargetID: 1, Method: "auto:created", CreatedAt: at(0)},
		},
		&[]store.Organization{
			{Pulled: pulled("itglue", "100", "organizations", 1), Name: "Acme Ltd", ShortName: "ACME", Type: "Customer", Status: "Active", SourceUpdatedAt: at(0), CustomerID: id(1)},
			{Pulled: pulled("itglue", "200", "organizations", 1), Name: "Globex GmbH", Type: "Customer", Status: "Active", SourceUpdatedAt: at(0), CustomerID: id(2)},
		},
		&[]store.Configuration{
			{Pulled: pulled("itglue", "cfg-1", "configurations", 2), CustomerRef: "100", CustomerID: id(1), Name: "ACME-FW01", Hostname: "acme-fw01", Serial: "FGT60F0001", TypeName: "Firewall", InstalledAt: ptr(at(-9000)), SourceCreatedAt: at(-9000), SourceUpdatedAt: at(1), DeviceID: id(1)},
			{Pulled: pulled("itglue", "cfg-2", "configurations", 2), CustomerRef: "200", CustomerID: id(2), Name: "GLX-NAS", Serial: "SYN123", TypeName: "NAS", Archived: true, SourceCreatedAt: at(-5000), SourceUpdatedAt: at(1)},
		},
		&[]store.ConfigBackup{
			{Source: "itglue", SourceID: "bk-1", ConfigurationID: 1, FileName: "fw01-2026-09.conf", Name: "September", ContentType: "text/plain", Size: 18234, SourceCreatedAt: at(-200), SourceUpdatedAt: at(-200)},
			{Source: "itglue", SourceID: "bk-2", ConfigurationID: 1, FileName: "fw01-2026-10.conf", Name: "October", ContentType: "text/plain", Size: 18410, SourceCreatedAt: at(-2), SourceUpdatedAt: at(-2)},
		},
		&[]store.AccessEvent{
			{Pulled: pulled("screenconnect", "s-1", "sessions", 3), Kind: "remote_session", Action: "connect", StartedAt: at(2), EndedAt: ptr(at(3)), CustomerRef: "site-7", ActorRef: "jdoe", ActorName: "Jane Doe", DeviceRef: "g-1", DeviceName: "ACME-DC01", SourceIP: "203.0.113.7", Detail: "ticket 4411", Attributes: `{"guest":"g-1"}`, CustomerID: id(1), TechnicianID: id(1), DeviceID: id(2), CoveredBy: id(1), Decision: "covered by authorisation 1"},
			{Pulled: pulled("screenconnect", "s-2", "sessions", 3), Kind: "remote_session", Action: "connect", StartedAt: at(30), CustomerRef: "site-7", ActorRef: "bob", ActorName: "Bob Roe", CustomerID: id(1), TechnicianID: id(2), Decision: "no authorisation for bob roe"},
			{Pulled: pulled("dattormm", "a-9", "activity", 3), Kind: "rmm_job", Action: "delete", StartedAt: at(5), CustomerRef: "200", ActorRef: "jdoe", DeviceRef: "dev-3", Removal: true, CustomerID: id(2), TechnicianID: id(1), DeviceID: id(3), BackupID: id(1), Decision: "removal after verified backup 1"},
		},
		&[]store.Endpoint{
			{Pulled: pulled("dattormm", "dev-3", "devices", 1), CustomerRef: "200", Hostname: "glx-nas", Domain: "globex.local", Serial: "SYN123", OS: "DSM 7", TypeName: "NAS", LastSeenAt: ptr(at(1)), CustomerID: id(2), DeviceID: id(3)},
		},
		&[]store.Agent{
			{Pulled: pulled("screenconnect", "g-1", "guests", 1), Type: "screenconnect", CustomerRef: "site-7", DeviceRef: "acme-dc01", Hostname: "ACME-DC01", InstalledAt: at(-300), LastCheckInAt: ptr(at(1)), CustomerID: id(1), DeviceID: id(2)},
			{Pulled: pulled("screenconnect", "g-2", "guests", 1), Type: "screenconnect", CustomerRef: "init", Hostname: "INIT-PC", InstalledAt: at(-900), SessionEndedAt: ptr(at(-10)), Ended: true, UninstalledAt: ptr(at(-5))},
		},
		&[]store.UserAccount{
			{Pulled: pulled("screenconnect", "jdoe", "users", 1), Name: "Jane Doe", Email: "jane@msp.example", TechnicianID: id(1)},
			{Pulled: pulled("screenconnect", "old", "users", 1), Name: "Former Tech", Disabled: true},
		},
		&[]store.Authorisation{
			{Pulled: pulled("custos", "auth-1", "authorisations", 0), AccessScope: "remote_session", ValidFrom: at(0), ValidTo: ptr(at(24 * 30)), GrantedBy: "CFO Acme", Evidence: "ticket 4400", RecordedBy: "jane", RecordedAt: at(0), CustomerID: id(1), TechnicianID: id(1)},
			{Pulled: pulled("custos", "auth-2", "authorisations", 0), AccessScope: "any", ValidFrom: at(0), GrantedBy: "IT lead Globex", RecordedBy: "bob", RecordedAt: at(0), RevokedAt: ptr(at(72)), RevokedBy: "bob", RevokeReason: "contract ended", CustomerID: id(2)},
		},
		&[]store.Contact{
			{Pulled: pulled("itglue", "ct-1", "contacts", 1), CustomerRef: "100", Name: "Alice Acme", Email: "alice@acme.example", Authorised: true, Active: true, CustomerID: id(1)},
		},
		&[]store.VerifiedBackup{
			{CustomerID: id(2), DeviceID: id(3), What: "NAS shares", TakenAt: at(-4), VerifiedAt: at(-3), VerifiedBy: "jane", Evidence: "restore test 77", RecordedBy: "jane", RecordedAt: at(-3)},
			{CustomerID: id(1), What: "mailbox of j.smith", TakenAt: at(-50), VerifiedAt: at(-49), VerifiedBy: "bob", Evidence: "job 12", RecordedBy: "bob", RecordedAt: at(-49), WithdrawnAt: ptr(at(-1)), WithdrawnBy: "bob", WithdrawReason: "restore failed"},
		},
		&[]store.Finding{
			{Rule: "access_without_authorisation", Fingerprint: "fp-open-1", Subject: "screenconnect:session:s-2", CustomerID: id(1), Severity: "high", Summary: "Bob Roe connected to Acme Ltd without an authorisation", Evidence: "access_events:2", TechnicianID: id(2), FirstSeen: at(31), LastSeen: at(40), Status: store.StatusOpen},
			{Rule: "config_backup_stale", Fingerprint: "fp-ack-1", Subject: "itglue:configuration:cfg-2", CustomerID: id(2), Severity: "medium", Summary: "GLX-NAS has no configuration backup", Evidence: "configurations:2", FirstSeen: at(2), LastSeen: at(40), Status: store.StatusAcknowledged, StatusBy: "jane", StatusReason: "backup job being fixed"},
			{Rule: "orphaned_agent", Fingerprint: "fp-res-1", Subject: "screenconnect:guest:g-2", Severity: "low", Summary: "Agent on INIT-PC still installed after offboarding", Evidence: "agents:2", FirstSeen: at(-20), LastSeen: at(-5), Status: store.StatusResolved, ResolvedAt: ptr(at(-5))},
			{Rule: "access_without_authorisation", Fingerprint: "fp-sup-1", Subject: "dattormm:activity:a-9", CustomerID: id(2), Severity: "high", Summary: "Removal on GLX-NAS", Evidence: "access_events:3", TechnicianID: id(1), DeviceID: id(3), FirstSeen: at(6), LastSeen: at(6), Status: store.StatusSuppressed, StatusBy: "exclusion 1", StatusReason: "planned migration"},
		},
		&[]store.Exclusion{
			{CustomerID: id(2), Rule: "access_without_authorisation", DeviceID: id(3), Reason: "planned migration", Owner: "jane", ExpiresAt: at(24 * 14), CreatedBy: "jane", CreatedAt: at(4)},
			{Rule: "orphaned_agent", Reason: "tested", Owner: "bob", ExpiresAt: at(24), CreatedBy: "bob", CreatedAt: at(0), RemovedAt: ptr(at(2)), RemovedBy: "bob"},
		},
		&[]store.Checkpoint{
			{Connector: "screenconnect", Stream: "sessions", Scope: "all", Cursor: "2026-10-02T12:00:00Z", UpdatedAt: at(3)},
			{Connector: "itglue", Stream: "configurations", Scope: "100", Cursor: "page=3", PullStartedAt: ptr(at(2)), UpdatedAt: at(2)},
		},
		&[]store.Coverage{
			{Connector: "screenconnect", Stream: "sessions", Scope: "all", StartedAt: at(3), FinishedAt: at(3).Add(time.Minute), WindowStart: ptr(at(-24)), WindowEnd: ptr(at(3)), Outcome: "complete", Records: 2, Pages: 1},
			{Connector: "itglue", Stream: "configurations", Scope: "100", StartedAt: at(2), FinishedAt: at(2).Add(2 * time.Minute), Outcome: "partial", Records: 40, Pages: 2, Warnings: 1, Error: "page 3: 429 Too Many Requests"},
		},
		&[]store.JobRun{
			{Job: "sync", Scope: "all", StartedAt: at(2), FinishedAt: ptr(at(3)), Outcome: "ok", Counts: `{"records":42}`},
			{Job: "reconcile", Scope: "all", StartedAt: at(4), FinishedAt: ptr(at(4)), Outcome: "failed", Error: "context deadline exceeded"},
			{Job: "notify", Scope: "all", StartedAt: at(5), Outcome: "running"},
		},
		&[]store.JobLease{
			{Name: "sync", Holder: "replica-a", Slot: at(2), ExpiresAt: at(2).Add(10 * time.Minute)},
		},
		&[]store.ReportArchive{
			{CustomerID: 1, Month: "2026-09", Format: "pdf", Variant: "customer", SHA256: strings.Repeat("ab", 32), Path: "reports/acme/2026-09.pdf", Size: 80211, TemplateVersion: "3", CreatedAt: at(1), SentAt: ptr(at(2))},
			{CustomerID: 1, Month: "2026-09", Format: "html", Variant: "internal", SHA256: strings.Repeat("cd", 32), Path: "reports/acme/2026-09-internal.html", Size: 20111, TemplateVersion: "3", CreatedAt: at(1)},
		},
		&[]store.Relationship{
			{Pulled: pulled("m365", "rel-1", "relationships", 1), CustomerRef: "tenant-acme", CustomerID: id(1), CustomerName: "Acme Ltd", DisplayName: "Acme GDAP", Status: "active", StartedAt: ptr(at(-2000)), EndsAt: ptr(at(2000)), DurationDays: 730, AutoExtendDays: 180, Roles: `[{"id":"62e90394","name":"Helpdesk Administrator"}]`, Assignments: `[{"group":"Helpdesk","roles":["62e90394"]}]`},
		},
		&[]store.ReportReceipt{
			{Pulled: pulled("mailbox", "msg-1", "report_receipts", 1), MessageID: "<r1@rmm.example>", CustomerRef: "Acme Ltd", CustomerID: id(1), Month: "2026-09", Subject: "Monthly report Acme Ltd September 2026", ReceivedAt: at(-20), Attachments: `[{"name":"acme.pdf","size":1200}]`},
		},
		&[]store.OutboxEntry{
			{FindingID: 1, Fingerprint: "fp-open-1", Event: store.EventOpened, Severity: "high", CreatedAt: at(31)},
			{FindingID: 1, Fingerprint: "fp-open-1", Event: store.EventOpened, Severity: "high", Receiver: "ops-mail", Route: 1, CreatedAt: at(31)},
		},
		&[]store.Delivery{
			{Receiver: "ops-mail", Kind: "alert", GroupKey: "acme", IdempotencyKey: "idem-1", Findings: 1, Status: store.DeliverySent, Attempts: 1, NextAttemptAt: at(31), CreatedAt: at(31), SentAt: ptr(at(31))},
			{Receiver: "teams", Kind: "digest", IdempotencyKey: "idem-2", Findings: 2, Body: "sealed:...", Status: store.DeliveryPending, Attempts: 2, NextAttemptAt: at(33), LastError: "503 Service Unavailable", CreatedAt: at(32)},
		},
		&[]store.NotifyLog{
			{Fingerprint: "fp-open-1", Receiver: "ops-mail", State: store.LogFiring, Severity: "high", NotifiedAt: at(31), DeliveryID: 1},
			{Fingerprint: "fp-res-1", Receiver: "ops-mail", State: store.LogResolved, Severity: "low", NotifiedAt: at(-5)},
		},
		&[]store.NotifyGroup{
			{GroupKey: "acme", FlushedAt: at(31)},
		},
	}
	return db.Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := tx.Create(r).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// The Open benchmarks measure store.Open on an empty database (connecting and
// creating the schema, once an installation) and on one whose schema is current (what
// every restart pays). PostgreSQL's need CUSTOS_TEST_POSTGRES_DSN.
func BenchmarkOpen_FreshSQLite(b *testing.B)      { benchOpen(b, "sqlite", true) }
func BenchmarkOpen_UpToDateSQLite(b *testing.B)   { benchOpen(b, "sqlite", false) }
func BenchmarkOpen_FreshPostgres(b *testing.B)    { benchOpen(b, "postgres", true) }
func BenchmarkOpen_UpToDatePostgres(b *testing.B) { benchOpen(b, "postgres", false) }

func benchOpen(b *testing.B, driver string, fresh bool) {
	opts := storetest.Options(b, driver)
	if !fresh {
		st, err := store.Open(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = st.Close()
	}
	b.ResetTimer()
	for range b.N {
		if fresh {
			b.StopTimer()
			opts = storetest.Options(b, driver)
			b.StartTimer()
		}
		st, err := store.Open(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = st.Close()
	}
}

// TestMigrate_NumbersArchivedRenderings upgrades a release database holding three
// renderings of one report (the same name, three hashes) and one of another: they
// are numbered in the order they were archived.
func TestMigrate_NumbersArchivedRenderings(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			opts := loadRelease(t, driver)
			db := rawDB(t, opts)
			for _, sum := range []string{"r2", "r3"} {
				if _, err := db.Exec(`INSERT INTO report_archives (customer_id, month, format, variant, sha256, path)
					VALUES (1, '2026-09', 'pdf', 'customer', '` + sum + `', 'reports/acme/2026-09.pdf')`); err != nil {
					t.Fatal(err)
				}
			}
			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			archived, err := st.ReportArchives(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range archived {
				got = append(got, fmt.Sprintf("%s %s r%d", a.Format, a.Variant, a.Rendering))
			}
			if want := []string{"html internal r1", "pdf customer r1", "pdf customer r2", "pdf customer r3"}; !slices.Equal(got, want) {
				t.Errorf("renderings after the upgrade = %v, want %v", got, want)
			}
			if next, err := st.NextRendering(ctx, 1, "2026-09", "pdf", "customer"); err != nil || next != 4 {
				t.Errorf("next rendering = %d, %v; want 4", next, err)
			}
		})
	}
}
