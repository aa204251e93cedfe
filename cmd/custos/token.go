package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/web/auth"
)

func newTokenCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the API's bearer tokens",
		Long: "An API token lets a script call /api/v1 with a role (viewer, auditor, operator or admin): send it\n" +
			"as \"Authorization: Bearer custos_…\". Custos keeps only its SHA-256: the token is printed once,\n" +
			"when it is made, and cannot be shown again. Tokens start with custos_ so that secret scanners\n" +
			"can find one that leaked; revoke it then. Making and revoking one is written to the audit trail\n" +
			"under your operating system user.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTokenCreateCommand(g), newTokenListCommand(g), newTokenRevokeCommand(g))
	return cmd
}

func newTokenCreateCommand(g *globalFlags) *cobra.Command {
	var name, role, expires string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Make an API token and print it, once",
		Example: `  custos token create --name "psa-sync" --role viewer --expires 90d`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return fmt.Errorf("--role: %w", err)
			}
			lifetime, err := duration.Parse(expires)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				t, err := a.CreateToken(ctx, app.LocalPrincipal(), name, r, lifetime.Std())
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "token %d %q (%s) expires %s. It is shown only now; keep it in a secret store:\n%s\n",
					t.Row.ID, t.Row.Name, t.Row.Role, t.Row.ExpiresAt.UTC().Format(time.RFC3339), t.Token)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what uses the token, e.g. psa-sync")
	cmd.Flags().StringVar(&role, "role", "", "viewer, auditor, operator or admin")
	cmd.Flags().StringVar(&expires, "expires", "90d", "how long it lasts, e.g. 30d, at most 730d")
	for _, f := range []string{"name", "role"} {
		_ = cmd.MarkFlagRequired(f) // the flag exists
	}
	return cmd
}

func newTokenListCommand(g *globalFlags) *cobra.Command {
	var out *output
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the API tokens, newest first (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				js, err := a.TokenRows(ctx)
				if err != nil {
					return err
				}
				switch format {
				case outputJSON:
					return writeJSON(cmd.OutOrStdout(), js)
				case outputCSV:
					return writeTokensCSV(cmd.OutOrStdout(), js)
				}
				return writeTokensTable(cmd.OutOrStdout(), js)
			})
		},
	}
	out = addOutputFlags(cmd)
	return cmd
}

func writeTokensCSV(w io.Writer, list []app.TokenRow) error {
	rows := make([][]string, len(list))
	for i, t := range list {
		rows[i] = []string{strconv.FormatUint(uint64(t.ID), 10), t.Name, t.Role, t.CreatedBy, csvTime(&t.CreatedAt), csvTime(&t.ExpiresAt),
			csvTime(t.LastUsedAt), csvTime(t.RevokedAt), t.RevokedBy, t.RevokeReason}
	}
	return writeCSV(w, []string{"id", "name", "role", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by", "revoke_reason"}, rows)
}

func writeTokensTable(w io.Writer, list []app.TokenRow) error {
	if len(list) == 0 {
		fmt.Fprintln(w, "No API tokens.")
		return nil
	}
	day := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.DateOnly)
	}
	t := newTable(w, styleFor(w), "ID", "NAME", "ROLE", "CREATED", "BY", "EXPIRES", "LAST USED", "REVOKED")
	for _, tok := range list {
		revoked := ""
		if tok.RevokedAt != nil {
			revoked = fmt.Sprintf("%s by %s: %s", day(tok.RevokedAt), tok.RevokedBy, tok.RevokeReason)
		}
		t.Row(strconv.FormatUint(uint64(tok.ID), 10), tok.Name, tok.Role, day(&tok.CreatedAt), tok.CreatedBy, day(&tok.ExpiresAt), day(tok.LastUsedAt), revoked)
	}
	return t.Flush()
}

func newTokenRevokeCommand(g *globalFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token: it authenticates nothing from now on, and is kept with who revoked it and why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 0)
			if err != nil {
				return fmt.Errorf("token id %q is not a number (see custos token list)", args[0])
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				if err := a.RevokeToken(ctx, app.LocalPrincipal(), uint(id), reason); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d\n", id)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it is revoked")
	_ = cmd.MarkFlagRequired("reason") // the flag exists
	return cmd
}
