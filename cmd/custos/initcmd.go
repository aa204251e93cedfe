package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/scaffold"
)

func newInitCommand() *cobra.Command {
	var opts scaffold.Options
	answers := map[string]*string{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Make a new installation's configuration, sealing key and secrets file",
		Long: "init writes, in --dir, " + scaffold.ConfigFile + " (only the keys you must fill in or decide, each saying where\n" +
			"its value is found), " + scaffold.KeyFile + " (a new sealing key, mode 0600) and " + scaffold.EnvFile + " (a variable for\n" +
			"each secret, mode 0600). On a terminal it asks for what the flags leave out. It never overwrites a\n" +
			"file. Then set the secrets in " + scaffold.EnvFile + ", load it, and run check-config.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Answers = map[string]string{}
			for flag, answer := range answers {
				if *answer != "" {
					opts.Answers[flag] = *answer
				}
			}
			if isTerminal(cmd.InOrStdin()) {
				var err error
				if opts, err = scaffold.Interview(cmd.InOrStdin(), cmd.OutOrStdout(), opts); err != nil {
					return err
				}
			}
			files, err := scaffold.Write(opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %s: the configuration\n", files.Config)
			fmt.Fprintf(out, "wrote %s: the sealing key (back it up apart from the database)\n", files.Key)
			fmt.Fprintf(out, "wrote %s: set each secret in it, then\n", files.Env)
			fmt.Fprintf(out, "  set -a; . %s; set +a\n  custos --config %s check-config\n", files.Env, files.Config)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&opts.Vendors, "vendors", nil, "vendors to read, separated by commas: "+strings.Join(scaffold.VendorNames(), ", "))
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "directory to write the files to")
	cmd.Flags().StringVar(&opts.Database, "database", "", strings.Join(scaffold.Databases, " or ")+" (default "+scaffold.Databases[0]+")")
	for _, q := range scaffold.Questions() {
		answers[q.Flag] = new(string)
		usage := q.Prompt
		if q.Default != "" {
			usage += fmt.Sprintf(" (default %q)", q.Default)
		}
		cmd.Flags().StringVar(answers[q.Flag], q.Flag, "", usage)
	}
	return cmd
}

// isTerminal says whether r is a terminal a person types at.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
