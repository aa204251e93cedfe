package sync_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/connectors/itglue"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
)

// Ingest benchmark shapes: an IT Glue account of 4,000 network devices, each with one
// backup, held by one customer, by 100 customers of 40 devices or by 500 of 8 (the
// shapes of issue 19), read in API pages of up to benchPage, with the default
// sync settings (batch size and concurrency).
var benchShapes = []struct{ customers, devices int }{{1, 4000}, {100, 40}, {500, 8}}

const benchPage = 1000

// BenchmarkIngest measures fake IT Glue server → connector → engine → store against a
// yardstick: the same rows (organizations, configurations, backups) written into the
// same tables of an empty store by multi-row INSERTs of yardstickRows rows, one
// transaction per batch of configurations. Each iteration runs both, one after the
// other, so that load on the machine falls on both alike. ratio is ingest ÷ yardstick
// in rows per second (1 would be ingest as fast as the bare inserts, decoding
// included); PostgreSQL runs when CUSTOS_TEST_POSTGRES_DSN is set.
func BenchmarkIngest(b *testing.B) {
	for _, driver := range []string{"sqlite", "postgres"} {
		for _, shape := range benchShapes {
			b.Run(fmt.Sprintf("%s/customers=%d", driver, shape.customers), func(b *testing.B) {
				benchIngest(b, driver, shape.customers, shape.devices)
			})
		}
	}
}

func benchIngest(b *testing.B, driver string, customers, devices int) {
	ds := fx.Generate(customers, devices, 1, time.Now())
	srv := fx.NewServer(ds, fakeKey)
	defer srv.Close()
	conn := itglueConnector(srv, benchPage, zerolog.Nop())
	orgs, configs := pullRecords(b, conn)
	want := int64(len(orgs) + 2*len(configs))

	settings := config.Default().Sync
	var ingest, yardstick time.Duration
	for b.Loop() {
		b.StopTimer()
		st := storetest.Open(b, driver, nil)
		e := &sync.Engine{Store: st, Log: zerolog.Nop(), BatchSize: settings.BatchSize, Concurrency: settings.Concurrency}
		b.StartTimer()
		start := time.Now()
		if _, err := e.Run(context.Background(), conn); err != nil {
			b.Fatal(err)
		}
		ingest += time.Since(start)
		b.StopTimer()
		checkRows(b, st, want)
		_ = st.Close()

		st = storetest.Open(b, driver, nil)
		db, err := storetest.DB(ctx, st).DB()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		if err := multiRowInsert(db, driver, orgs, configs, settings.BatchSize); err != nil {
			b.Fatal(err)
		}
		yardstick += time.Since(start)
		b.StopTimer()
		checkRows(b, st, want)
		_ = st.Close()
		b.StartTimer()
	}
	rows := float64(want) * float64(b.N)
	b.ReportMetric(rows/ingest.Seconds(), "rows/s")
	b.ReportMetric(rows/yardstick.Seconds(), "yardstick-rows/s")
	b.ReportMetric(yardstick.Seconds()/ingest.Seconds(), "ratio")
}

// checkRows fails unless st holds want rows of organizations, configurations and
// backups.
func checkRows(b *testing.B, st *store.Store, want int64) {
	var orgs, configs, backups int64
	db := storetest.DB(ctx, st)
	db.Model(&store.Organization{}).Count(&orgs)
	db.Model(&store.Configuration{}).Count(&configs)
	db.Model(&store.ConfigBackup{}).Count(&backups)
	if got := orgs + configs + backups; got != want {
		b.Fatalf("stored %d organizations, %d configurations and %d backups: %d rows, want %d", orgs, configs, backups, got, want)
	}
}

// pullRecords reads every organization and configuration through the connector's
// streams, as a sync would, without a store.
func pullRecords(b *testing.B, conn *itglue.Connector) ([]*record.Organization, []*record.Configuration) {
	var (
		orgs    []*record.Organization
		configs []*record.Configuration
	)
	for _, s := range conn.Streams() {
		scopes, err := s.Scopes(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, scope := range scopes {
			sink := &connectortest.Sink{}
			if _, err := s.Pull(ctx, scope, "", sink); err != nil {
				b.Fatal(err)
			}
			for _, p := range sink.Pages {
				for _, r := range p.Records {
					switch r := r.(type) {
					case *record.Organization:
						orgs = append(orgs, r)
					case *record.Configuration:
						configs = append(configs, r)
					default:
						b.Fatalf("unexpected record %T", r)
					}
				}
			}
		}
	}
	return orgs, configs
}

// yardstickRows is how many rows one INSERT of the yardstick writes.
const yardstickRows = 100

// multiRowInsert writes organizations, configurations and their backups with
// database/sql only: multi-row INSERTs of yardstickRows rows, one transaction for the
// organizations and one per batch configurations with their backups. It writes what a
// sync without a sealing key writes (no raw payloads).
func multiRowInsert(db *sql.DB, driver string, orgs []*record.Organization, configs []*record.Configuration, batch int) error {
	now := time.Now().UTC()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	orgCols := []string{"source", "source_id", "stream", "scope", "seen_at", "raw", "name", "short_name", "type", "status", "source_updated_at"}
	err = insertRows(tx, driver, "organizations", orgCols, len(orgs), func(i int) []any {
		o := orgs[i]
		return []any{o.Source, o.SourceID, "organizations", "account", now, "", o.Name, o.ShortName, o.Type, o.Status, o.SourceUpdatedAt}
	}, nil)
	if err != nil {
		return fmt.Errorf("organizations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	cfgCols := []string{"source", "source_id", "stream", "scope", "seen_at", "raw", "customer_ref", "name", "hostname",
		"serial", "type_name", "installed_at", "archived", "source_created_at", "source_updated_at"}
	bkCols := []string{"source", "source_id", "configuration_id", "file_name", "name", "content_type", "size",
		"source_created_at", "source_updated_at", "raw"}
	for start := 0; start < len(configs); start += batch {
		part := configs[start:min(start+batch, len(configs))]
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		ids := make(map[string]int64, len(part))
		err = insertRows(tx, driver, "configurations", cfgCols, len(part), func(i int) []any {
			c := part[i]
			return []any{c.Source, c.SourceID, "configurations", c.CustomerRef, now, "", c.CustomerRef, c.Name, c.Hostname,
				c.Serial, c.TypeName, c.InstalledAt, c.Archived, c.SourceCreatedAt, c.SourceUpdatedAt}
		}, ids)
		if err != nil {
			return fmt.Errorf("configurations: %w", err)
		}
		type backup struct {
			config string
			record.Backup
		}
		var backups []backup
		for _, c := range part {
			for _, bk := range c.Backups {
				backups = append(backups, backup{c.SourceID, bk})
			}
		}
		err = insertRows(tx, driver, "config_backups", bkCols, len(backups), func(i int) []any {
			bk := backups[i]
			return []any{"itglue", bk.SourceID, ids[bk.config], bk.FileName, bk.Name, bk.ContentType, bk.Size,
				bk.CreatedAt, bk.UpdatedAt, ""}
		}, nil)
		if err != nil {
			return fmt.Errorf("backups: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts n rows into table, yardstickRows to a statement; row returns
// row i's values in the order of cols. When ids is not nil, it is given each
// inserted row's id by its source_id.
func insertRows(tx *sql.Tx, driver, table string, cols []string, n int, row func(i int) []any, ids map[string]int64) error {
	for start := 0; start < n; start += yardstickRows {
		end := min(start+yardstickRows, n)
		var q strings.Builder
		fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range cols {
				if j > 0 {
					q.WriteString(", ")
				}
				if driver == "postgres" {
					q.WriteString("$" + strconv.Itoa(len(args)+j+1))
				} else {
					q.WriteByte('?')
				}
			}
			q.WriteByte(')')
			args = append(args, row(i)...)
		}
		if ids == nil {
			if _, err := tx.Exec(q.String(), args...); err != nil {
				return err
			}
			continue
		}
		q.WriteString(" RETURNING id, source_id")
		rows, err := tx.Query(q.String(), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id       int64
				sourceID string
			)
			if err := rows.Scan(&id, &sourceID); err != nil {
				rows.Close()
				return err
			}
			ids[sourceID] = id
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
