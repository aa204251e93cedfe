package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/sizing"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/synth"
)

func newBenchCommand() *cobra.Command {
	var (
		size     = synth.Size{Customers: 500, Events: 100_000, Authorisations: 10_000}
		seed     uint64
		postgres string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingest, mapping and reconcile on synthetic data of a given size, to size a server",
		Long: "bench makes synthetic customers, devices, technicians, access events and authorisations, writes them\n" +
			"through the sync's own ingest into a scratch database (an SQLite file in a temporary directory, or with\n" +
			"--postgres a schema of its own on that server, dropped afterwards), with personal data sealed, then\n" +
			"times identity mapping and reconcile together as the daemon runs them: the first run, a run with\n" +
			"nothing changed, and a run after a day's new data (a hundredth more events, a thousandth more\n" +
			"authorisations). It prints each phase's time and the process's peak memory. Nothing of the\n" +
			"configured database is read or written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := size.Check(); err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			st, cleanup, err := scratchStore(cmd.Context(), postgres)
			if err != nil {
				return err
			}
			defer cleanup()
			set, problems := reconcile.Configure(new(config.Default()))
			if len(problems) > 0 {
				return fmt.Errorf("bench: the default rules do not configure: %v", problems)
			}
			database := "SQLite"
			if postgres != "" {
				database = "PostgreSQL"
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s customers, %s access events, %s authorisations on %s, personal data sealed; %d CPUs\n",
				thousands(size.Customers), thousands(size.Events), thousands(size.Authorisations), database, runtime.NumCPU())
			phases, err := sizing.Run(cmd.Context(), st, sizing.Options{Size: size, Seed: seed, Rules: set, Log: zerolog.Nop(),
				Started: func(phase string) { fmt.Fprintf(cmd.ErrOrStderr(), "%s…\n", phase) }})
			writePhases(out, phases)
			return err
		},
	}
	cmd.Flags().IntVar(&size.Customers, "customers", size.Customers, "customers, each with 40 devices")
	cmd.Flags().IntVar(&size.Events, "events", size.Events, "access events in all, over 30 days")
	cmd.Flags().IntVar(&size.Authorisations, "authorisations", size.Authorisations, "authorisations in all")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the synthetic data; the same seed makes the same data")
	cmd.Flags().StringVar(&postgres, "postgres", "", "measure on this PostgreSQL server (a DSN), in a scratch schema; default: SQLite in a temporary directory")
	return cmd
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

// writePhases prints one line per phase: its time, what it did, and the peaks.
func writePhases(w io.Writer, phases []sizing.Phase) {
	t := newTable(w, styleFor(w), "PHASE", "TIME", "WHAT IT DID", "PEAK GO HEAP", "PEAK RSS")
	for _, p := range phases {
		did := fmt.Sprintf("%s events checked, %s covered, %s findings opened", thousands(p.Events), thousands(p.Covered), thousands(p.Opened))
		if p.Records > 0 {
			did = fmt.Sprintf("%s records written, %s a second", thousands(p.Records), thousands(int(float64(p.Records)/p.Elapsed.Seconds())))
		}
		t.Row(p.Name, fmt.Sprintf("%.2f s", p.Elapsed.Seconds()), did, mib(p.Peak.Heap), mib(p.Peak.RSS))
	}
	_ = t.Flush()
}

func mib(b uint64) string {
	if b == 0 {
		return "not measured"
	}
	return strconv.FormatUint(b>>20, 10) + " MiB"
}

// thousands writes n with thousands separated by commas.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
