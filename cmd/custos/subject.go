package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/custos-msp/custos/newfile"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

// subjectExport is the file `custos subject export` writes.
type subjectExport struct {
	Subject     string                 `json:"subject"`
	ExportedAt  string                 `json:"exported_at"`
	Identifiers []string               `json:"identifiers"`
	Sections    []store.SubjectSection `json:"sections"`
}

func newSubjectCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subject",
		Short: "Answer a subject access request: find, export or erase what Custos holds about a person",
		Long: "PERSON is a name, an e-mail address, a sign-in name or user name, technician:ID or contact:ID.\n" +
			"A technician brings every name Custos holds for them (aliases, accounts, the tools' ids).\n" +
			"Sealed values are opened with seal.key, so these commands need it when personal data is sealed.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSubjectFindCommand(g), newSubjectExportCommand(g), newSubjectEraseCommand(g))
	return cmd
}

func newSubjectFindCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "find PERSON",
		Short: "List every record about a person, table by table",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				subj, sections, err := a.SubjectRecords(ctx, args[0])
				if err != nil {
					return err
				}
				writeSubjectFind(cmd.OutOrStdout(), subj, sections)
				return nil
			})
		},
	}
}

func newSubjectExportCommand(g *globalFlags) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export PERSON --out FILE",
		Short: "Write every record about a person to a JSON file, one section per table with what each field means",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("subject export: --out FILE is required")
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				subj, sections, err := a.SubjectRecords(ctx, args[0])
				if err != nil {
					return err
				}
				body, err := json.MarshalIndent(subjectExport{
					Subject: subj.Query, ExportedAt: clock().UTC().Format("2006-01-02T15:04:05Z"),
					Identifiers: subj.Identifiers, Sections: sections,
				}, "", "  ")
				if err != nil {
					return fmt.Errorf("subject export: %w", err)
				}
				if err := newfile.Write(out, append(body, '\n'), 0o600); err != nil {
					return fmt.Errorf("subject export: %w (an export is never overwritten)", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d records in %d tables\n", out, countRows(sections), len(sections))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the file to write (created 0600, never overwritten)")
	return cmd
}

func newSubjectEraseCommand(g *globalFlags) *cobra.Command {
	var reason, requestedBy string
	cmd := &cobra.Command{
		Use:   "erase PERSON --reason TEXT --requested-by WHO",
		Short: "Remove a person from every record, keeping the audit trail under a pseudonym, and record the erasure",
		Long: "erase replaces the person by a pseudonym wherever a record must stay (accesses, findings,\n" +
			"authorisations: the audit trail the customer is owed), keeps only the pseudonym on their\n" +
			"technician or contact record, deletes the tools' ids and accounts that are their names, clears\n" +
			"vendor payloads that name them, and records the erasure (when, who asked, why, how many rows).\n" +
			"Reports rendered before the erasure keep what they showed until retention.reports deletes them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" || strings.TrimSpace(requestedBy) == "" {
				return fmt.Errorf("subject erase: --reason and --requested-by are required")
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				done, err := a.EraseSubject(ctx, args[0], requestedBy, reason)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "erasure %d: %s now stands for them; rows changed (links and accounts: deleted), per table:\n", done.Erasure.ID, done.Erasure.Pseudonym)
				writeCounts(w, done.Changed)
				for _, c := range done.StillConfigured {
					fmt.Fprintf(w, "warning: the configuration's %s still names them: remove it, or the next sync brings the names back\n", c)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (e.g. the request's reference)")
	cmd.Flags().StringVar(&requestedBy, "requested-by", "", "who asked for the erasure")
	return cmd
}

func countRows(sections []store.SubjectSection) int {
	n := 0
	for _, s := range sections {
		n += len(s.Rows)
	}
	return n
}

// writeSubjectFind prints who was found and, per table, the records and why each is about them.
func writeSubjectFind(w io.Writer, subj store.Subject, sections []store.SubjectSection) {
	var records []string
	if subj.TechnicianID != nil {
		records = append(records, fmt.Sprintf("technician:%d", *subj.TechnicianID))
	}
	for _, id := range subj.ContactIDs {
		records = append(records, fmt.Sprintf("contact:%d", id))
	}
	who := "no technician or contact record"
	if len(records) > 0 {
		who = strings.Join(records, ", ")
	}
	fmt.Fprintf(w, "%s: %s; %d names compared (%s)\n", subj.Query, who, len(subj.Identifiers), strings.Join(subj.Identifiers, ", "))
	if len(sections) == 0 {
		fmt.Fprintln(w, "no record is about them")
		return
	}
	for _, s := range sections {
		fmt.Fprintf(w, "%s (%s): %d\n", s.Table, s.About, len(s.Rows))
		for _, r := range s.Rows {
			fmt.Fprintf(w, "  %v: %s\n", r.Key, r.Why)
		}
	}
}

// writeCounts prints "table: n" lines in table order.
func writeCounts(w io.Writer, counts map[string]int) {
	tables := make([]string, 0, len(counts))
	for t := range counts {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(w, "  %s: %d\n", t, counts[t])
	}
}
