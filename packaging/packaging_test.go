// Package packaging_test checks the operations files shipped under packaging/ against
// the code: the Grafana dashboard and the Prometheus rules use only metrics and labels
// Custos registers, every alert has a promtool unit test (run when promtool is
// installed), and the compose file runs the configuration it mounts.
package packaging_test

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/metrics"
	"github.com/custos-msp/custos/reconcile"
)

const (
	dashboardFile = "grafana/custos-dashboard.json"
	rulesFile     = "prometheus/custos.rules.yml"
	rulesTestFile = "prometheus/custos.rules.test.yml"
	scrapeFile    = "prometheus/prometheus.yml"
	composeFile   = "compose/compose.yaml"
)

// prometheusOwn are series Prometheus writes itself for each target, not Custos.
var prometheusOwn = map[string]bool{"up": true}

// family is what the registry says of one metric family.
type family struct {
	typ    dto.MetricType
	labels map[string]bool
}

// registered gathers the families Custos registers, with a series in each: every
// recording method is called once, so that the vectors have something to gather.
func registered(t *testing.T) map[string]family {
	t.Helper()
	m := metrics.New()
	now := time.Now()
	m.ObservePull("itglue", "configurations", "ok", 1, time.Second)
	m.ObserveWait("itglue", "rate_limit", time.Second)
	m.ObserveJob("sync:itglue", "all", "ok", now.Add(-time.Second), now)
	m.ObserveRule("AUDIT-GAP", time.Second, true)
	m.SetOpenFindings(map[metrics.FindingKey]int{{Rule: "AUDIT-GAP", Severity: "high"}: 1})
	m.SetCoverage(map[metrics.ScopeKey]time.Time{{Connector: "itglue", Stream: "configurations", Scope: "account"}: now})
	m.SetReceivers(map[string]bool{"teams": false})
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]family, len(mfs))
	for _, mf := range mfs {
		f := family{typ: mf.GetType(), labels: map[string]bool{}}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				f.labels[l.GetName()] = true
			}
		}
		out[mf.GetName()] = f
	}
	return out
}

// resolve returns the family a series name in an expression belongs to: itself, or a
// histogram's family for its _bucket, _count and _sum series.
func resolve(fams map[string]family, name string) (string, bool) {
	if _, ok := fams[name]; ok {
		return name, true
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		base, found := strings.CutSuffix(name, suffix)
		if f, ok := fams[base]; found && ok && f.typ == dto.MetricType_HISTOGRAM {
			return base, true
		}
	}
	return "", false
}

var (
	// seriesName matches the metric names an expression can use from Custos's
	// registry (its own and the Go and process collectors') and Prometheus's up.
	seriesName = regexp.MustCompile(`\b(?:(?:custos|go|process)_[a-zA-Z0-9_]+|up)\b`)
	// selector matches a metric name with its label matchers: custos_x{a="b", c=~"d"}.
	selector = regexp.MustCompile(`\b([a-zA-Z_][a-zA-Z0-9_]*)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
)

// checkExpr reports each metric an expression uses that Custos does not register, and
// each label it matches on that the metric lacks; it returns the families it used.
func checkExpr(t *testing.T, fams map[string]family, where, expr string) []string {
	t.Helper()
	var used []string
	for _, name := range seriesName.FindAllString(expr, -1) {
		if prometheusOwn[name] {
			continue
		}
		fam, ok := resolve(fams, name)
		if !ok {
			t.Errorf("%s: %s is not a metric Custos registers (expression %q)", where, name, expr)
			continue
		}
		used = append(used, fam)
	}
	for _, m := range selector.FindAllStringSubmatch(expr, -1) {
		fam, ok := resolve(fams, m[1])
		if !ok {
			continue // reported above, or Prometheus's own
		}
		for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
			// instance comes from the scrape; job too, on the runtime collectors' series.
			if !fams[fam].labels[l[1]] && l[1] != "instance" && !(l[1] == "job" && !strings.HasPrefix(fam, "custos_")) {
				t.Errorf("%s: %s has no label %s (expression %q)", where, fam, l[1], expr)
			}
		}
	}
	return used
}

// dashboardExprs returns each panel's title with the expressions of its targets,
// rows' nested panels included.
func dashboardExprs(t *testing.T) map[string][]string {
	t.Helper()
	type panel struct {
		Title   string
		Targets []struct{ Expr string }
		Panels  json.RawMessage
	}
	var dash struct {
		UID    string
		Title  string
		Panels []panel
	}
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Errorf("%s: the dashboard needs a uid and a title to be provisioned", dashboardFile)
	}
	out := map[string][]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out[p.Title] = append(out[p.Title], tg.Expr)
			}
			var nested []panel
			if len(p.Panels) > 0 && json.Unmarshal(p.Panels, &nested) == nil {
				walk(nested)
			}
		}
	}
	walk(dash.Panels)
	return out
}

// rule is one alerting rule of custos.rules.yml.
type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// readYAML decodes the file into into; strict refuses a key into has no field for
// (for the files whose whole format the test describes).
func readYAML(t *testing.T, path string, strict bool, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(strict)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readRules(t *testing.T) []rule {
	t.Helper()
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, rulesFile, true, &file)
	var out []rule
	for _, g := range file.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

func TestDashboard_ShowsEveryCustosMetricAndOnlyRegisteredOnes(t *testing.T) {
	fams := registered(t)
	shown := map[string]bool{}
	panels := dashboardExprs(t)
	if len(panels) == 0 {
		t.Fatalf("%s has no panel with a query", dashboardFile)
	}
	for title, exprs := range panels {
		for _, e := range exprs {
			for _, f := range checkExpr(t, fams, dashboardFile+": panel "+strconv.Quote(title), e) {
				shown[f] = true
			}
		}
	}
	for name := range fams {
		if strings.HasPrefix(name, "custos_") && !shown[name] {
			t.Errorf("%s shows no panel of %s", dashboardFile, name)
		}
	}
}

func TestRules_UseRegisteredMetricsAndAreComplete(t *testing.T) {
	fams := registered(t)
	rules := readRules(t)
	// The alerts operations asked for, by what they watch.
	for _, watched := range []string{
		"custos_job_last_success_timestamp_seconds",      // no successful sync
		"custos_coverage_last_success_timestamp_seconds", // a scope's coverage stale
		"custos_findings_open",                           // critical findings open
		"custos_notify_receiver_failing",                 // notify failing
	} {
		if !slices.ContainsFunc(rules, func(r rule) bool { return strings.Contains(r.Expr, watched) }) {
			t.Errorf("%s has no alert on %s", rulesFile, watched)
		}
	}
	names := map[string]bool{}
	for _, r := range rules {
		where := rulesFile + ": " + r.Alert
		switch {
		case r.Alert == "" || r.Expr == "":
			t.Errorf("%s: a rule needs alert and expr (recording rules belong elsewhere)", where)
		case names[r.Alert]:
			t.Errorf("%s: alert named twice", where)
		case r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical":
			t.Errorf("%s: severity %q, want warning or critical", where, r.Labels["severity"])
		case r.Annotations["summary"] == "" || r.Annotations["description"] == "":
			t.Errorf("%s: needs a summary and a description", where)
		}
		if _, err := time.ParseDuration(r.For); r.For != "" && err != nil {
			t.Errorf("%s: for %q: %v", where, r.For, err)
		}
		names[r.Alert] = true
		checkExpr(t, fams, where, r.Expr)
	}

	// Every alert has a promtool unit test that expects it to fire.
	var tests struct {
		RuleFiles          []string `yaml:"rule_files"`
		EvaluationInterval string   `yaml:"evaluation_interval"`
		Tests              []struct {
			Interval      string           `yaml:"interval"`
			InputSeries   []map[string]any `yaml:"input_series"`
			AlertRuleTest []struct {
				EvalTime  string           `yaml:"eval_time"`
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, rulesTestFile, true, &tests)
	if !slices.Contains(tests.RuleFiles, filepath.Base(rulesFile)) {
		t.Errorf("%s does not test %s (rule_files: %v)", rulesTestFile, rulesFile, tests.RuleFiles)
	}
	fired := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, s := range tc.InputSeries {
			series, _ := s["series"].(string)
			checkExpr(t, fams, rulesTestFile+": input series", series)
		}
		for _, a := range tc.AlertRuleTest {
			if !names[a.Alertname] {
				t.Errorf("%s tests %s, which %s does not define", rulesTestFile, a.Alertname, rulesFile)
			}
			if len(a.ExpAlerts) > 0 {
				fired[a.Alertname] = true
			}
		}
	}
	for name := range names {
		if !fired[name] {
			t.Errorf("%s has no test in which %s fires", rulesTestFile, name)
		}
	}
}

// TestRules_Promtool checks the rules and runs their unit tests with promtool
// (Debian: apt-get install prometheus), and the scrape configuration that loads them.
func TestRules_Promtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian: apt-get install prometheus); the rules' unit tests were not run")
	}
	for _, args := range [][]string{
		{"check", "rules", rulesFile},
		{"test", "rules", rulesTestFile},
		{"check", "config", scrapeFile},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// service is the part of a compose service the test checks.
type service struct {
	Image string `yaml:"image"`
	Build struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Hostname    string            `yaml:"hostname"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck     map[string]any `yaml:"healthcheck"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
}

// envVars lists the environment variables a TOML document names as secrets:
// every inline table of the form { env = "NAME" }.
func envVars(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if name, ok := v["env"].(string); ok && len(v) == 1 {
			return []string{name}
		}
		for _, x := range v {
			out = append(out, envVars(x)...)
		}
	case []map[string]any:
		for _, x := range v {
			out = append(out, envVars(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, envVars(x)...)
		}
	}
	return out
}

// expand substitutes compose's ${VAR} and ${VAR:?message} from vars.
func expand(s string, vars map[string]string) string {
	return regexp.MustCompile(`\$\{([A-Z0-9_]+)(?::[?-][^}]*)?\}`).ReplaceAllStringFunc(s, func(m string) string {
		name := regexp.MustCompile(`^\$\{([A-Z0-9_]+)`).FindStringSubmatch(m)[1]
		return vars[name]
	})
}

func TestCompose_RunsTwoReplicasOfItsConfigurationOnPostgreSQL(t *testing.T) {
	var compose struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	readYAML(t, composeFile, false, &compose)
	dir := filepath.Dir(composeFile)

	pg, ok := compose.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") || pg.Healthcheck == nil {
		t.Fatalf("%s: no postgres service from a postgres image with a health check: %+v", composeFile, pg)
	}
	var replicas []string
	for name, s := range compose.Services {
		if s.Build.Dockerfile != "" {
			replicas = append(replicas, name)
		}
	}
	if len(replicas) != 2 {
		t.Fatalf("%s: %d services build Custos (%v), want two replicas", composeFile, len(replicas), replicas)
	}
	vars := map[string]string{"POSTGRES_PASSWORD": "s3cret"}
	hostnames, hostPorts := map[string]bool{}, map[string]bool{}
	for _, name := range replicas {
		s := compose.Services[name]
		where := composeFile + ": " + name
		if _, err := os.Stat(filepath.Join(dir, s.Build.Context, s.Build.Dockerfile)); err != nil {
			t.Errorf("%s: build: %v", where, err)
		}
		if s.DependsOn["postgres"].Condition != "service_healthy" {
			t.Errorf("%s: does not wait for postgres to be healthy", where)
		}
		hostnames[s.Hostname] = true

		// The configuration it mounts where the image's command reads it loads, and
		// every secret it names is in the environment.
		var configPath string
		for _, v := range s.Volumes {
			if host, rest, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(rest, "/etc/custos/custos.toml") {
				configPath = filepath.Join(dir, host)
			}
		}
		if configPath == "" {
			t.Fatalf("%s: mounts no configuration at /etc/custos/custos.toml, where packaging/Dockerfile's command reads it", where)
		}
		var raw map[string]any
		if _, err := toml.DecodeFile(configPath, &raw); err != nil {
			t.Fatal(err)
		}
		for _, env := range envVars(raw) {
			value, ok := s.Environment[env]
			if !ok {
				t.Errorf("%s: the configuration reads %s from the environment, which the service does not set", where, env)
			}
			t.Setenv(env, expand(value, vars))
		}
		cfg, err := config.Load(configPath, reconcile.Check)
		if err != nil {
			t.Fatalf("%s: %v", configPath, err)
		}
		if cfg.Store.Driver != "postgres" {
			t.Errorf("%s: store.driver = %q, want postgres (two replicas share one database)", configPath, cfg.Store.Driver)
		}
		dsn, err := cfg.Store.DSN.Load()
		if err != nil {
			t.Fatalf("%s: store.dsn: %v", where, err)
		}
		u, err := url.Parse(dsn.Reveal())
		if err != nil {
			t.Fatalf("%s: store.dsn: %v", where, err)
		}
		password, _ := u.User.Password()
		if u.Hostname() != "postgres" || u.User.Username() != pg.Environment["POSTGRES_USER"] ||
			password != vars["POSTGRES_PASSWORD"] || strings.TrimPrefix(u.Path, "/") != pg.Environment["POSTGRES_DB"] {
			t.Errorf("%s: the DSN (host %s, user %s, database %s) is not the postgres service's", where, u.Hostname(), u.User.Username(), u.Path)
		}

		// It publishes the port the configuration listens on, on the host's loopback.
		_, port, _ := strings.Cut(cfg.Daemon.Listen, ":")
		for _, p := range s.Ports {
			hostPart, container, _ := strings.Cut(strings.TrimPrefix(p, "127.0.0.1:"), ":")
			if !strings.HasPrefix(p, "127.0.0.1:") || container != port {
				t.Errorf("%s: publishes %q, want 127.0.0.1:HOST:%s (the endpoints have no authentication)", where, p, port)
			}
			hostPorts["127.0.0.1:"+hostPart] = true
		}
		if grace, err := time.ParseDuration(s.StopGracePeriod); err != nil || grace <= cfg.Daemon.ShutdownTimeout.Std() {
			t.Errorf("%s: stop_grace_period %q, want more than daemon.shutdown_timeout (%s)", where, s.StopGracePeriod, cfg.Daemon.ShutdownTimeout)
		}
	}
	if len(hostnames) != 2 {
		t.Errorf("%s: the replicas' hostnames %v are not distinct: they name the replicas in job leases", composeFile, hostnames)
	}

	// The scrape configuration scrapes both replicas where compose publishes them.
	var scrape struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			HonorLabels   bool   `yaml:"honor_labels"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, scrapeFile, false, &scrape)
	var targets []string
	for _, sc := range scrape.ScrapeConfigs {
		if sc.JobName != "custos" || !sc.HonorLabels {
			t.Errorf("%s: scrape job %q (honor_labels %v), want job custos with honor_labels: the rules read up{job=\"custos\"} and the label job of custos_job_*", scrapeFile, sc.JobName, sc.HonorLabels)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for hp := range hostPorts {
		if !slices.Contains(targets, hp) {
			t.Errorf("%s does not scrape %s, where %s publishes a replica", scrapeFile, hp, composeFile)
		}
	}
}

// TestCompose_DockerValidates asks docker compose itself, where it is installed.
func TestCompose_DockerValidates(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("docker is not installed; the compose file was checked by TestCompose_RunsTwoReplicasOfItsConfigurationOnPostgreSQL only")
	}
	if err := exec.Command(docker, "compose", "version").Run(); err != nil {
		t.Skip("docker has no compose plugin; the compose file was checked by TestCompose_RunsTwoReplicasOfItsConfigurationOnPostgreSQL only")
	}
	cmd := exec.Command(docker, "compose", "-f", composeFile, "config", "--quiet")
	cmd.Env = append(os.Environ(), "POSTGRES_PASSWORD=s3cret")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker compose config: %v\n%s", err, out)
	}
}
