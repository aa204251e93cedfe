package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/evidence"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
)

// errEvidenceNotIntact makes `evidence verify` exit 1 after it printed why.
var errEvidenceNotIntact = errors.New("evidence verify: not every bundle is intact")

func newEvidenceCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Signed evidence bundles a customer's auditor can check with the MSP's public key alone",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newEvidenceExportCommand(g), newEvidenceVerifyCommand(), &cobra.Command{
		Use:   "new-key FILE",
		Short: "Write a new Ed25519 signing key to FILE (0600) and its public key to FILE.pub, never overwriting",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := evidence.WriteKeyPair(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote the signing key to %s and its public key to %s.pub: set report.signing_key to the first, give the second to customers' auditors\n", args[0], args[0])
			return nil
		},
	})
	return cmd
}

func newEvidenceExportCommand(g *globalFlags) *cobra.Command {
	var customer, month, dir string
	cmd := &cobra.Command{
		Use:   "export --customer NAME [--month 2026-10] [--out DIR]",
		Short: "Write a customer's month as a signed zip: accesses and decisions, authorisations, backups, coverage, findings and history, reports",
		Long: "export writes the bundle under --out (by default [report] dir/<month>) as a new file, never overwriting.\n" +
			"Its manifest lists every file's SHA-256, names the previous month's manifest hash (so a month\n" +
			"removed from a series shows) and is signed with report.signing_key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				c, err := a.LookUp(ctx, "--customer", store.LinkCustomer, customer)
				if err != nil {
					return err
				}
				var m report.Month
				if month != "" {
					if m, err = report.ParseMonth(month); err != nil {
						return err
					}
				}
				done, err := a.ExportEvidence(ctx, c.Name, m, dir)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "%s\n  %s %s, %d files, manifest sha256 %s\n", done.Path, done.Manifest.Customer, done.Manifest.Month, len(done.Manifest.Files), done.ManifestSHA256)
				if done.Manifest.Previous == "" {
					fmt.Fprintln(w, "  the first bundle of this customer's series: no bundle of the month before was made")
				} else {
					fmt.Fprintf(w, "  follows %s (manifest sha256 %s)\n", done.Manifest.PreviousMonth, done.Manifest.Previous)
				}
				for _, p := range done.MissingReports {
					fmt.Fprintf(w, "  warning: archived report %s is gone from disk and is not in the bundle\n", p)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "the customer's name or id")
	cmd.Flags().StringVar(&month, "month", "", "the calendar month, YYYY-MM (default: the previous month)")
	cmd.Flags().StringVar(&dir, "out", "", "directory to write the bundle to (default: [report] dir/<month>)")
	_ = cmd.MarkFlagRequired("customer")
	return cmd
}

func newEvidenceVerifyCommand() *cobra.Command {
	var publicKey string
	cmd := &cobra.Command{
		Use:   "verify BUNDLE... --public-key FILE",
		Short: "Check bundles with the MSP's public key: signature, every file's hash, and that months follow each other",
		Long: "verify needs no configuration or database: only the bundles and the MSP's public key. It checks each\n" +
			"bundle's signature and files, then that each customer's bundles given form an unbroken series of\n" +
			"months, each naming the manifest of the month before. It exits 1 on any problem.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if publicKey == "" {
				return fmt.Errorf("evidence verify: --public-key FILE is required")
			}
			data, err := os.ReadFile(publicKey)
			if err != nil {
				return fmt.Errorf("evidence verify: %w", err)
			}
			pub, err := evidence.ParsePublicKey(data)
			if err != nil {
				return fmt.Errorf("evidence verify: %s: %w", publicKey, err)
			}
			w := cmd.OutOrStdout()
			intact := true
			var verified []evidence.Verified
			for _, path := range args {
				v, err := verifyBundle(path, pub)
				if err != nil {
					intact = false
					fmt.Fprintf(w, "%s: NOT INTACT\n", path)
					for _, line := range splitErrors(err) {
						fmt.Fprintf(w, "  %s\n", line)
					}
					continue
				}
				verified = append(verified, v)
				fmt.Fprintf(w, "%s: intact: %s %s, %d files, signed %s\n", path, v.Manifest.Customer, v.Manifest.Month, len(v.Manifest.Files), v.Manifest.CreatedAt.Format("2006-01-02 15:04 MST"))
			}
			for _, p := range evidence.ChainProblems(verified) {
				intact = false
				fmt.Fprintf(w, "series broken: %s\n", p)
			}
			if !intact {
				return errEvidenceNotIntact
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&publicKey, "public-key", "", "the MSP's public key (PEM), as `custos evidence new-key` wrote it")
	return cmd
}

func verifyBundle(path string, pub ed25519.PublicKey) (evidence.Verified, error) {
	f, err := os.Open(path)
	if err != nil {
		return evidence.Verified{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return evidence.Verified{}, err
	}
	return evidence.Verify(f, info.Size(), pub)
}

// splitErrors lists the errors errors.Join joined, one per line.
func splitErrors(err error) []string {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
