package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/seal"
)

func newSealCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seal",
		Short: "Make and rotate the key that seals stored payloads and alert bodies",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "new-key FILE",
		Short: "Write a new random sealing key to FILE (mode 0600; an existing file is never overwritten)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := seal.WriteKeyFile(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote a new sealing key to %s\n", args[0])
			return nil
		},
	}, &cobra.Command{
		Use:   "rotate",
		Short: "Seal every value an earlier key sealed again with seal.key",
		Long: "To rotate the sealing key: write a new one (custos seal new-key FILE), make it seal.key and move the\n" +
			"old one to seal.previous_keys, then run rotate. It seals every stored value an earlier key sealed again\n" +
			"with the new key, a batch at a time (safe to run while the daemon runs, and again after an interruption);\n" +
			"then remove the old key from seal.previous_keys.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				done, err := a.Reseal(ctx)
				for _, column := range slices.Sorted(maps.Keys(done)) {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d sealed again\n", column, done[column])
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "every sealed value is under seal.key: seal.previous_keys can be emptied")
				return nil
			})
		},
	})
	return cmd
}
