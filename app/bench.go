package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/sizing"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/synth"
)

// BenchOptions says what `custos bench` measures.
type BenchOptions struct {
	Size synth.Size
	Seed uint64
	// Postgres, when set, is the DSN of the PostgreSQL server to measure on, in a
	// scratch schema; otherwise an SQLite file in a temporary directory.
	Postgres string
	// Started is told each phase's name as it starts.
	Started func(phase string)
}

// Bench measures ingest, mapping and reconcile with the default rules on synthetic
// data of the size asked for, in a scratch database it removes afterwards; nothing
// of the configured database is touched. The phases measured before a failure are
// returned with it.
func Bench(ctx context.Context, opts BenchOptions) ([]sizing.Phase, error) {
	if err := opts.Size.Check(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	st, cleanup, err := scratchStore(ctx, opts.Postgres)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	set, problems := reconcile.Configure(new(config.Default()))
	if len(problems) > 0 {
		return nil, fmt.Errorf("bench: the default rules do not configure: %v", problems)
	}
	return sizing.Run(ctx, st, sizing.Options{Size: opts.Size, Seed: opts.Seed, Rules: set, Log: zerolog.Nop(), Started: opts.Started})
}

// scratchStore opens an empty store sealing with a new random key: an SQLite file
// in a temporary directory, or a scratch schema on the PostgreSQL server dsn names.
// cleanup closes it and removes what it made.
func scratchStore(ctx context.Context, dsn string) (st *store.Store, cleanup func(), err error) {
	key := make([]byte, seal.KeySize)
	_, _ = rand.Read(key)
	keyring, err := seal.NewKeyring(key)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	opts := store.Options{Sealer: keyring}
	var remove func() error
	if dsn == "" {
		dir, err := os.MkdirTemp("", "custos-bench-")
		if err != nil {
			return nil, nil, fmt.Errorf("bench: %w", err)
		}
		opts.Driver, opts.Path = "sqlite", filepath.Join(dir, "bench.db")
		remove = func() error { return os.RemoveAll(dir) }
	} else {
		opts.Driver = "postgres"
		if opts.DSN, remove, err = store.ScratchSchema(ctx, dsn, "custos_bench_"); err != nil {
			return nil, nil, fmt.Errorf("bench: --postgres: %w", err)
		}
	}
	if st, err = store.Open(ctx, opts); err != nil {
		_ = remove()
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	return st, func() { _ = st.Close(); _ = remove() }, nil
}
