package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// Benchmark size: benchOrgs customer organizations with benchConfigs network devices
// in all, each with one backup, read in pages of benchPage: the shape of an MSP's
// IT Glue account, many customers with a few dozen network devices each.
const (
	benchOrgs    = 1
	benchConfigs = 4000
	benchPage    = 1000
)

// BenchmarkSyncPath measures fake IT Glue server → connector → engine → SQLite, into
// an empty database each iteration. rows/s counts configurations and backups.
func BenchmarkSyncPath(b *testing.B) {
	ds := fx.Generate(benchOrgs, benchConfigs/benchOrgs, 1, time.Now())
	srv := fx.NewServer(ds, fakeKey)
	defer srv.Close()
	conn := itglueConnector(srv, benchPage, zerolog.Nop())
	var rows, elapsed float64
	for b.Loop() {
		b.StopTimer()
		st := storetest.Open(b, "sqlite", nil)
		e := engine(st, 500)
		b.StartTimer()
		start := time.Now()
		results, err := e.Run(context.Background(), conn)
		elapsed += time.Since(start).Seconds()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rows += float64(countRows(b, st))
		_ = results
		_ = st.Close()
		b.StartTimer()
	}
	b.ReportMetric(rows/elapsed, "rows/s")
}

// BenchmarkPlainInsert inserts the same rows into the same schema with database/sql:
// one transaction per 500 configurations, one prepared INSERT per table. It is the
// yardstick for BenchmarkSyncPath.
func BenchmarkPlainInsert(b *testing.B) {
	ds := fx.Generate(benchOrgs, benchConfigs/benchOrgs, 1, time.Now())
	srv := fx.NewServer(ds, fakeKey)
	var configs []*record.Configuration
	for _, org := range ds.Organizations {
		configs = append(configs, pullAll(b, itglueConnector(srv, benchPage, zerolog.Nop()), org.ID)...)
	}
	srv.Close()
	var rows, elapsed float64
	for b.Loop() {
		b.StopTimer()
		st := storetest.Open(b, "sqlite", nil)
		db, err := storetest.DB(ctx, st).DB()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := plainInsert(db, configs); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start).Seconds()
		b.StopTimer()
		rows += float64(countRows(b, st))
		_ = st.Close()
		b.StartTimer()
	}
	b.ReportMetric(rows/elapsed, "rows/s")
}

func countRows(b *testing.B, st *store.Store) int64 {
	var configs, backups int64
	storetest.DB(ctx, st).Model(&store.Configuration{}).Count(&configs)
	storetest.DB(ctx, st).Model(&store.ConfigBackup{}).Count(&backups)
	if configs != benchConfigs || backups != benchConfigs {
		b.Fatalf("stored %d configurations and %d backups, want %d of each", configs, backups, benchConfigs)
	}
	return configs + backups
}

// collectSink keeps every configuration a stream emits.
type collectSink struct{ configs []*record.Configuration }

func (s *collectSink) Page(_ context.Context, recs []record.Record, _ connectors.Cursor) error {
	for _, r := range recs {
		s.configs = append(s.configs, r.(*record.Configuration))
	}
	return nil
}

func (s *collectSink) Warn(error) {}

func (s *collectSink) Covered(time.Time, time.Time) {}

func pullAll(b *testing.B, conn connectors.Connector, org string) []*record.Configuration {
	sink := &collectSink{}
	stream := conn.Streams()[1]
	if _, err := stream.Pull(ctx, connectors.Scope{ID: org}, "", sink); err != nil {
		b.Fatal(err)
	}
	return sink.configs
}
