// Package scaffold makes a new installation's files: a minimal configuration that
// enables the vendors an MSP uses, with only the keys a person must fill in, each
// with a comment that says where its value is found; a sealing key; and an
// environment file that names every secret the configuration reads. It never
// overwrites a file, and the configuration it writes loads.
package scaffold

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/custos-msp/custos/newfile"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
)

// The files Write makes in Options.Dir.
const (
	ConfigFile = "custos.toml"
	KeyFile    = "seal.key"
	EnvFile    = "custos.env"
)

// Databases are the stores Options.Database names; the first is the default.
var Databases = []string{"sqlite", "postgres"}

// Options say what to make.
type Options struct {
	// Dir is the directory the files are written to; it is made when missing.
	Dir string
	// Vendors are the vendors to enable, by a name VendorNames gives or the
	// connector's; a vendor another needs is added.
	Vendors []string
	// Database is sqlite or postgres; empty is sqlite.
	Database string
	// Answers holds the answers to Questions by flag; a question without an answer
	// takes its default.
	Answers map[string]string
}

// Files are the paths of the files Write made.
type Files struct {
	Config, Key, Env string
}

// Interview asks on w, reading the answers from r, for what opts leaves open: the
// vendors when it names none, the database, and each question of the vendors chosen
// that has no answer. An empty answer takes the default shown.
func Interview(r io.Reader, w io.Writer, opts Options) (Options, error) {
	in := bufio.NewReader(r)
	ask := func(prompt, def string) (string, error) {
		if def != "" {
			prompt += " [" + def + "]"
		}
		fmt.Fprint(w, prompt+": ")
		line, err := in.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			return "", fmt.Errorf("reading the answer to %q: %w", prompt, err)
		}
		if answer := strings.TrimSpace(line); answer != "" {
			return answer, nil
		}
		return def, nil
	}
	if len(opts.Vendors) == 0 {
		answer, err := ask("Vendors Custos reads, separated by commas ("+strings.Join(VendorNames(), ", ")+")", "")
		if err != nil {
			return opts, err
		}
		opts.Vendors = splitList(answer)
	}
	if opts.Database == "" {
		answer, err := ask("Database: "+strings.Join(Databases, " or ")+" (several Custos daemons need postgres)", Databases[0])
		if err != nil {
			return opts, err
		}
		opts.Database = answer
	}
	chosen, err := choose(opts.Vendors)
	if err != nil {
		return opts, err
	}
	answers := map[string]string{}
	for flag, answer := range opts.Answers {
		answers[flag] = answer
	}
	for _, q := range questionsOf(chosen) {
		if answers[q.Flag] != "" {
			continue
		}
		if answers[q.Flag], err = ask(upperFirst(q.Prompt), q.Default); err != nil {
			return opts, err
		}
	}
	opts.Answers = answers
	return opts, nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// choose finds the vendors named, in the order of vendors, with each one a vendor
// needs.
func choose(names []string) ([]vendor, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no vendor chosen: name at least one of %s", strings.Join(VendorNames(), ", "))
	}
	want := map[string]bool{}
	for _, name := range names {
		v, ok := find(strings.ToLower(name))
		if !ok {
			return nil, fmt.Errorf("%q is not a vendor Custos reads: one of %s%s", name, strings.Join(VendorNames(), ", "),
				config.DidYouMean(name, VendorNames()))
		}
		want[v.name] = true
		if v.needs != "" {
			want[v.needs] = true
		}
	}
	var chosen []vendor
	for _, v := range vendors {
		if want[v.name] {
			chosen = append(chosen, v)
		}
	}
	return chosen, nil
}

// find finds a vendor by its connector's name or an alias.
func find(name string) (vendor, bool) {
	for _, v := range vendors {
		if v.name == name || slices.Contains(v.aliases, name) {
			return v, true
		}
	}
	return vendor{}, false
}

// questionsOf is every question asked for the chosen vendors: the MSP's name first.
func questionsOf(chosen []vendor) []Question {
	qs := []Question{mspName}
	for _, v := range chosen {
		qs = append(qs, v.questions...)
	}
	return qs
}

// Write makes the configuration, the sealing key and the environment file in
// opts.Dir. It writes nothing when any of the three exists (naming each that does),
// when a question has no answer (naming its flag), or when the configuration would
// not load (listing why).
func Write(opts Options) (Files, error) {
	chosen, err := choose(opts.Vendors)
	if err != nil {
		return Files{}, err
	}
	database := opts.Database
	if database == "" {
		database = Databases[0]
	}
	if !slices.Contains(Databases, database) {
		return Files{}, fmt.Errorf("database %q is not one of %s", database, strings.Join(Databases, ", "))
	}
	answers := map[string]string{}
	var missing []string
	for _, q := range questionsOf(chosen) {
		answers[q.Flag] = strings.TrimSpace(opts.Answers[q.Flag])
		if answers[q.Flag] == "" {
			answers[q.Flag] = q.Default
		}
		if answers[q.Flag] == "" {
			missing = append(missing, fmt.Sprintf("--%s (%s)", q.Flag, q.Prompt))
		}
	}
	if len(missing) > 0 {
		return Files{}, fmt.Errorf("the vendors chosen need %s", strings.Join(missing, ", "))
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return Files{}, fmt.Errorf("init: %w", err)
	}
	files := Files{Config: filepath.Join(dir, ConfigFile), Key: filepath.Join(dir, KeyFile), Env: filepath.Join(dir, EnvFile)}
	var existing []string
	for _, path := range []string{files.Config, files.Key, files.Env} {
		if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
			existing = append(existing, path)
		}
	}
	if len(existing) > 0 {
		return Files{}, fmt.Errorf("refusing to overwrite what exists: %s (move it away or choose another directory)", strings.Join(existing, ", "))
	}
	doc := renderConfig(chosen, database, answers)
	if _, err := config.Parse(files.Config, []byte(doc)); err != nil {
		return Files{}, fmt.Errorf("the configuration made from these answers does not load: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Files{}, fmt.Errorf("init: %w", err)
	}
	if err := seal.WriteKeyFile(files.Key); err != nil {
		return Files{}, err
	}
	if err := writeNew(files.Env, renderEnv(chosen, database, files.Config), 0o600); err != nil {
		return Files{}, err
	}
	if err := writeNew(files.Config, doc, 0o640); err != nil {
		return Files{}, err
	}
	return files, nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path, text string, mode fs.FileMode) error {
	return newfile.Write(path, []byte(text), mode)
}

// postgresDSN is the secret the store needs on PostgreSQL.
var postgresDSN = envSecret{"dsn", "CUSTOS_POSTGRES_DSN",
	"the PostgreSQL connection string, e.g. postgres://custos:PASSWORD@db.example:5432/custos?sslmode=verify-full"}

// renderConfig writes the configuration: the store, the sealing key, the MSP's name,
// which sources create customers, and a section per chosen vendor.
func renderConfig(chosen []vendor, database string, answers map[string]string) string {
	titles := make([]string, len(chosen))
	var creators []string
	for i, v := range chosen {
		titles[i] = v.title
		if v.creates {
			creators = append(creators, v.name)
		}
	}
	b := &strings.Builder{}
	fmt.Fprintf(b, "# Custos configuration made by `custos init` for %s.\n", strings.Join(titles, ", "))
	b.WriteString("# Only what you must fill in or decide is here; every other key keeps its default\n" +
		"# (config.example.toml documents each; `custos config show --defaults` prints them).\n" +
		"# Secrets are not in this file: each names the variable in " + EnvFile + " that holds it.\n" +
		"# When it is filled in: custos --config " + ConfigFile + " check-config\n")

	section(b, "store")
	set(b, "Database: sqlite (one file) or postgres (several Custos daemons).", "driver", database)
	if database == "postgres" {
		setSecret(b, postgresDSN)
	} else {
		set(b, "The SQLite file, relative to this file's directory; as a service, e.g. /var/lib/custos/custos.db.", "path", config.Default().Store.Path)
	}

	section(b, "seal")
	set(b, "The key that seals stored payloads and queued alerts (made by custos init, mode 0600). Back it up\n"+
		"# apart from the database: what it sealed cannot be read without it.", "key", secret.Ref{File: KeyFile})

	section(b, mspName.Section)
	set(b, "The name your monthly customer reports are issued under.", mspName.Key, answers[mspName.Flag])

	if len(creators) > 0 {
		section(b, "customers")
		set(b, "Sources whose organizations become customers; the others' only link to them.", "create_from", creators)
	}

	for _, v := range chosen {
		section(b, "connectors."+v.name)
		set(b, v.does, "enabled", true)
		for _, q := range v.questions {
			set(b, upperFirst(q.Prompt)+".", q.Key, answers[q.Flag])
		}
		for _, s := range v.secrets {
			setSecret(b, s)
		}
	}
	return b.String()
}

// renderEnv writes the environment file: every variable the configuration names,
// each with where its value is found, and how to load the file.
func renderEnv(chosen []vendor, database, configPath string) string {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# The secrets %s names. Set each value after its =, keep this file\n", configPath)
	b.WriteString("# readable by its owner only (mode 0600), and load it into Custos's environment:\n" +
		"#   systemd: EnvironmentFile=/etc/custos/custos.env (packaging/custos.service)\n" +
		"#   a shell: set -a; . ./" + EnvFile + "; set +a\n")
	secrets := []envSecret{}
	if database == "postgres" {
		secrets = append(secrets, postgresDSN)
	}
	for _, v := range chosen {
		secrets = append(secrets, v.secrets...)
	}
	for _, s := range secrets {
		fmt.Fprintf(b, "\n# %s.\n%s=\n", upperFirst(s.where), s.env)
	}
	return b.String()
}

func section(b *strings.Builder, name string) {
	fmt.Fprintf(b, "\n[%s]\n", name)
}

// set writes one key with its comment, the value written as TOML writes it.
func set(b *strings.Builder, comment, key string, value any) {
	line, err := toml.Marshal(map[string]any{key: value})
	if err != nil {
		panic(fmt.Sprintf("scaffold: writing %s: %v", key, err)) // only strings, lists, bools and references are written
	}
	fmt.Fprintf(b, "# %s\n%s", comment, line)
}

// setSecret writes a secret's reference to its environment variable.
func setSecret(b *strings.Builder, s envSecret) {
	set(b, fmt.Sprintf("%s (set %s in %s).", upperFirst(s.where), s.env, EnvFile), s.key, secret.Ref{Env: s.env})
}

func upperFirst(s string) string {
	return strings.ToUpper(s[:1]) + s[1:]
}
