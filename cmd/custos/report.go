package main

import (
	"context"
	"fmt"
	"io"
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
	return cmd
}

// printReport prints where a report was written, its hash and its headline numbers.
func printReport(w io.Writer, res jobs.ReportResult) {
	r := res.Report
	archived := "archived"
	if !res.Created {
		archived = "already archived"
	}
	fmt.Fprintf(w, "%s\n  %s %s, %s variant, %d bytes, sha256 %s (%s)\n", res.File.Path, r.Customer, r.Month, r.Variant, res.File.Size, res.File.SHA256, archived)
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
