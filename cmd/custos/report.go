package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
)

func newReportCommand(g *globalFlags) *cobra.Command {
	var (
		req      jobs.ReportRequest
		month    string
		internal bool
	)
	cmd := &cobra.Command{
		Use:   "report --customer NAME [--month 2026-10] [--format html|pdf] [--out DIR] [--internal]",
		Short: "Render a customer's monthly report now",
		Long: "report renders one customer's report for one calendar month (the previous one by default) in the\n" +
			"customer's time zone, writes it under --out (by default [report] dir/<month>), archives it with its\n" +
			"SHA-256 and prints its path. --internal adds decision reasons, record sources and technician totals.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Format != report.FormatHTML && req.Format != report.FormatPDF {
				return fmt.Errorf("--format %q: want html or pdf", req.Format)
			}
			if month != "" {
				m, err := report.ParseMonth(month)
				if err != nil {
					return err
				}
				req.Month = m
			}
			req.Variant = report.VariantCustomer
			if internal {
				req.Variant = report.VariantInternal
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				c, err := a.LookUp(ctx, "--customer", store.LinkCustomer, req.Customer)
				if err != nil {
					return err
				}
				req.Customer = c.Name
				res, err := a.ReportJob().One(ctx, req)
				if err != nil {
					return err
				}
				printReport(cmd.OutOrStdout(), res)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&req.Customer, "customer", "", "the customer's name or id")
	cmd.Flags().StringVar(&month, "month", "", "the calendar month, YYYY-MM (default: the previous month)")
	cmd.Flags().StringVar(&req.Format, "format", report.FormatHTML, "html or pdf")
	cmd.Flags().StringVar(&req.Dir, "out", "", "directory to write the report to (default: [report] dir/<month>)")
	cmd.Flags().BoolVar(&internal, "internal", false, "the internal variant, with technician-level detail")
	_ = cmd.MarkFlagRequired("customer")
	cmd.AddCommand(newReportVerifyCommand(g))
	return cmd
}

func newReportVerifyCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE",
		Short: "Say which archived report a file is and whether it is intact",
		Long: "verify reads a rendered report (PDF or HTML) and says which customer, month and rendering of the\n" +
			"archive it is and whether it is intact: byte for byte the file archived. It also checks the document\n" +
			"hash the footer prints against the file itself. It exits 1 when the file was altered or is unknown.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("reading %s: %w", args[0], err)
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				v, err := a.VerifyReport(ctx, data)
				if err != nil {
					return err
				}
				if !printVerification(cmd.OutOrStdout(), args[0], v) {
					return exitError{code: 1}
				}
				return nil
			})
		},
	}
}

// printVerification prints what report verify found and reports whether the file
// is intact.
func printVerification(w io.Writer, path string, v report.Verification) bool {
	fmt.Fprintln(w, path)
	self := "the file prints no document hash"
	if v.Printed != "" {
		self = "the document hash it prints (" + v.Printed + ") does not match its content"
		if v.SelfConsistent {
			self = "the document hash it prints (" + v.Printed + ") matches its content"
		}
	}
	if !v.Known() {
		fmt.Fprintf(w, "  UNKNOWN: no archived report has this content (sha256 %s) or the document hash it prints; %s\n", v.SHA256, self)
		return false
	}
	a := v.Archive
	what := fmt.Sprintf("%s, %s, %s variant, %s, rendering r%d, written %s", v.Customer, a.Month, a.Variant, a.Format, a.Rendering,
		a.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if v.Intact {
		fmt.Fprintf(w, "  INTACT: %s\n  sha256 %s as archived; %s\n", what, v.SHA256, self)
		return true
	}
	fmt.Fprintf(w, "  ALTERED: claims to be %s\n  sha256 %s, archived %s; %s\n", what, v.SHA256, a.SHA256, self)
	return false
}

// printReport prints where a report was written, its rendering, hashes and headline
// numbers.
func printReport(w io.Writer, res jobs.ReportResult) {
	r := res.Report
	fmt.Fprintf(w, "%s\n  %s %s, %s variant, rendering %s, %d bytes, sha256 %s, document sha256 %s (archived)\n",
		res.File.Path, r.Customer, r.Month, r.Variant, r.RenderingName(), res.File.Size, res.File.SHA256, res.File.DocumentSHA256)
	fmt.Fprintf(w, "  %d accesses (%d authorised, %d not authorised, %d not yet checked); findings: %d opened, %d resolved, %d open at the end\n",
		r.Summary.Accesses, r.Summary.Authorised, r.Summary.Unauthorised, r.Summary.Unchecked, r.Summary.Opened, r.Summary.Resolved, r.Summary.OpenAt)
}

// writeDemoReports renders every active customer's report of the month now falls
// in (the demo's data is recent), in HTML and PDF, and prints the paths.
func writeDemoReports(ctx context.Context, out io.Writer, a *app.App, now time.Time) error {
	customers, err := a.ActiveCustomers(ctx)
	if err != nil {
		return err
	}
	month := report.Month{Year: now.UTC().Year(), Month: now.UTC().Month()}
	fmt.Fprintf(out, "\nReports of %s:\n", month)
	job := a.ReportJob()
	for _, c := range customers {
		for _, format := range []string{report.FormatHTML, report.FormatPDF} {
			res, err := job.One(ctx, jobs.ReportRequest{Customer: c.Name, Month: month, Format: format, Variant: report.VariantCustomer})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  %s\n", res.File.Path)
		}
	}
	return nil
}
