package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
)

func newConfigCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the configuration Custos uses",
		Args:  cobra.NoArgs,
	}
	var defaults bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration: what the file changes, or with --defaults every key",
		Long: "show prints the configuration as Custos reads it, as TOML: the keys whose value is not the default,\n" +
			"or with --defaults every key, the defaults merged with the file. Relative paths are resolved. A secret\n" +
			"is shown as where it is kept (an environment variable's name, a file's path), never its value.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.LoadConfig(g.config)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# The configuration of %s; secrets are shown as where they are kept.\n", g.config)
			return app.WriteConfig(out, cfg, defaults)
		},
	}
	show.Flags().BoolVar(&defaults, "defaults", false, "also print every key left at its default")
	cmd.AddCommand(show)
	return cmd
}
