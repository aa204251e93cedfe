package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/sizing"
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
				return fmt.Errorf("bench: %w", err) // before the heading, which would name the bad size
			}
			database := "SQLite"
			if postgres != "" {
				database = "PostgreSQL"
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s customers, %s access events, %s authorisations on %s, personal data sealed; %d CPUs\n",
				thousands(size.Customers), thousands(size.Events), thousands(size.Authorisations), database, runtime.NumCPU())
			phases, err := app.Bench(cmd.Context(), app.BenchOptions{Size: size, Seed: seed, Postgres: postgres,
				Started: func(phase string) { fmt.Fprintf(cmd.ErrOrStderr(), "%s…\n", phase) }})
			if len(phases) > 0 {
				writePhases(out, phases)
			}
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

// writePhases prints one line per phase: its time, what it did, and the peaks.
func writePhases(w io.Writer, phases []sizing.Phase) {
	t := newTable(w, styleFor(w), "PHASE", "TIME", "OF WHICH MAPPING", "WHAT IT DID", "PEAK GO HEAP", "PEAK RSS")
	for _, p := range phases {
		did := fmt.Sprintf("%s events checked, %s covered, %s findings opened", thousands(p.Events), thousands(p.Covered), thousands(p.Opened))
		mapping := fmt.Sprintf("%.2f s", p.Mapping.Seconds())
		if p.Records > 0 {
			did = fmt.Sprintf("%s records written, %s a second", thousands(p.Records), thousands(int(float64(p.Records)/p.Elapsed.Seconds())))
			mapping = ""
		}
		t.Row(p.Name, fmt.Sprintf("%.2f s", p.Elapsed.Seconds()), mapping, did, mib(p.Peak.Heap), mib(p.Peak.RSS))
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
