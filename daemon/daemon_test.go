package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/daemon"
	"github.com/custos-msp/custos/demo"
	itgluefake "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// shortSchedules makes the demo configuration run its sync every second.
const shortSchedules = `
[schedules]
sync = "@every 1s"
reconcile = "@every 1h"
retention = "@every 1h"
spread = "0s"

[daemon]
listen = "127.0.0.1:0"
shutdown_timeout = "10s"
`

func startDemo(t *testing.T) (configPath, dir string) {
	t.Helper()
	env := startDemoEnv(t)
	return env.ConfigPath, filepath.Dir(env.ConfigPath)
}

// hourlySchedules gives every job an hourly schedule, so that a run in the first
// seconds is one owed at start.
const hourlySchedules = `
[schedules]
sync = "@every 1h"
reconcile = "@every 1h"
retention = "@every 1h"
notify = "@every 1h"
spread = "0s"

[daemon]
listen = "127.0.0.1:0"
shutdown_timeout = "10s"
`

func startDemoEnv(t *testing.T) *demo.Environment {
	t.Helper()
	return startDemoWith(t, shortSchedules)
}

// startDemoWith starts the demo's fake vendors and writes its configuration with
// schedules appended and an info-level JSON log.
func startDemoWith(t *testing.T, schedules string) *demo.Environment {
	t.Helper()
	env, err := demo.Start(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	f, err := os.OpenFile(env.ConfigPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(schedules); err != nil {
		t.Fatal(err)
	}
	f.Close()
	text, _ := os.ReadFile(env.ConfigPath)
	text = []byte(strings.Replace(string(text), `level = "error"`, `level = "info"`+"\nformat = \"json\"", 1))
	if err := os.WriteFile(env.ConfigPath, text, 0o600); err != nil {
		t.Fatal(err)
	}
	return env
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	opts := storetest.Options(t, "sqlite")
	opts.Path = dir + "/custos.db"
	opts.Sealer = storetest.KeyFile(t, dir+"/seal.key")
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestRun_SchedulesSyncReconcileAndReloads(t *testing.T) {
	configPath, dir := startDemo(t)
	ctx, cancel := context.WithCancel(context.Background())
	reload := make(chan struct{}, 1)
	logs := &lockedWriter{w: &bytes.Buffer{}}
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: logs, Holder: "r1"}, reload)
	}()

	st := openStore(t, dir)
	waitFor(t, 15*time.Second, "findings from a scheduled sync and the reconcile it triggers", func() bool {
		fs, err := st.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
		return err == nil && backupFindings(fs) == 3
	})

	// Health, readiness and metrics are served where the start-up log says.
	addr := regexp.MustCompile(`"listen":"([^"]+)"`).FindStringSubmatch(logs.String())
	if addr == nil {
		t.Fatalf("start-up log names no listen address:\n%s", logs.String())
	}
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "",
		"/metrics": `custos_records_pulled_total{connector="itglue",stream="configurations"} 6`,
	} {
		resp, err := http.Get("http://" + addr[1] + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d, body lacks %q", path, resp.StatusCode, want)
		}
	}

	// A second daemon on the same SQLite file refuses to start.
	err := daemon.Run(ctx, daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: &bytes.Buffer{}, Holder: "r2"}, nil)
	if err == nil || !strings.Contains(err.Error(), "another custos daemon") {
		t.Errorf("second daemon on one SQLite file: %v, want a refusal naming the reason", err)
	}

	// A broken configuration is refused and the daemon keeps running.
	good, _ := os.ReadFile(configPath)
	if err := os.WriteFile(configPath, append(good, []byte("\n[bogus]\nx = 1\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	var before int64
	storetest.DB(ctx, st).Model(&store.JobRun{}).Where("job = ?", "sync:itglue").Count(&before)
	waitFor(t, 10*time.Second, "syncs to go on after a refused reload", func() bool {
		var n int64
		storetest.DB(ctx, st).Model(&store.JobRun{}).Where("job = ?", "sync:itglue").Count(&n)
		return n > before+1
	})
	if !strings.Contains(logs.String(), "configuration refused") {
		t.Error("the refused reload was not logged")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop within its shutdown timeout")
	}
	var reconciles int64
	storetest.DB(context.Background(), st).Model(&store.JobRun{}).Where("job = ? AND outcome = ?", "reconcile", "ok").Count(&reconciles)
	if reconciles == 0 {
		t.Error("no reconcile run recorded")
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedWriter serialises writes from the daemon's goroutines.
type lockedWriter struct {
	mu stdsync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRun_ThreeReplicasOnPostgreSQL(t *testing.T) {
	opts := storetest.Options(t, "postgres") // skips without a test DSN
	configPath, _ := startDemo(t)
	text, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	pgConfig := strings.Replace(string(text), "driver = \"sqlite\"\npath = \"custos.db\"", "driver = \"postgres\"\ndsn = { env = \"CUSTOS_REPLICA_TEST_DSN\" }", 1)
	if pgConfig == string(text) {
		t.Fatal("demo configuration has no [store] block to replace")
	}
	if err := os.WriteFile(configPath, []byte(pgConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_REPLICA_TEST_DSN", opts.DSN)

	var cancels []context.CancelFunc
	var dones []chan error
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		holder := "replica-" + string(rune('a'+i))
		go func() {
			done <- daemon.Run(ctx, daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: &lockedWriter{w: &bytes.Buffer{}}, Holder: holder}, nil)
		}()
		cancels, dones = append(cancels, cancel), append(dones, done)
	}
	opts.Sealer = storetest.KeyFile(t, filepath.Join(filepath.Dir(configPath), "seal.key"))
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	syncRuns := func() []store.JobRun {
		var runs []store.JobRun
		storetest.DB(context.Background(), st).Where("job = ? AND outcome = ?", "sync:itglue", "ok").Order("started_at").Find(&runs)
		return runs
	}
	waitFor(t, 20*time.Second, "three scheduled syncs", func() bool { return len(syncRuns()) >= 3 })
	cancels[0]()
	if err := <-dones[0]; err != nil {
		t.Errorf("stopping replica a: %v", err)
	}
	afterKill := len(syncRuns())
	waitFor(t, 20*time.Second, "syncs to go on after a replica was killed", func() bool { return len(syncRuns()) >= afterKill+2 })
	for i := 1; i < 3; i++ {
		cancels[i]()
		if err := <-dones[i]; err != nil {
			t.Errorf("stopping replica %d: %v", i, err)
		}
	}
	runs := syncRuns()
	// runs[0] is the run the never-run job owed at start; from runs[1] on, each is a slot.
	for i := 2; i < len(runs); i++ {
		if gap := runs[i].StartedAt.Sub(runs[i-1].StartedAt); gap < 500*time.Millisecond {
			t.Errorf("two syncs started %v apart: a one-second slot ran twice", gap)
		}
	}
	fs, err := st.Findings(context.Background(), store.FindingFilter{Status: store.StatusOpen})
	if err != nil || backupFindings(fs) != 3 {
		t.Errorf("open configuration backup findings = %d (%v), want 3", backupFindings(fs), err)
	}
}

func TestRun_StopDuringSyncKeepsCommittedPagesAndResumes(t *testing.T) {
	env := startDemoEnv(t)
	dir := filepath.Dir(env.ConfigPath)
	ds, err := itgluefake.LoadDemo(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	contoso := ds.Organization("Contoso Ltd").ID
	// Contoso's switches hang: its firewall page is read, the switch page never comes.
	env.ITGlue().Inject(itgluefake.Fault{
		Path: "/configurations", Times: 1, Delay: time.Minute,
		Query: map[string]string{"filter[organization_id]": contoso, "filter[configuration_type_id]": "501527"},
	})
	st := openStore(t, dir)
	key := store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: contoso}
	run := func(ctx context.Context) chan error {
		done := make(chan error, 1)
		go func() {
			done <- daemon.Run(ctx, daemon.Options{ConfigPath: env.ConfigPath, Version: "test", LogOutput: io.Discard, Holder: "r1"}, nil)
		}()
		return done
	}

	ctx, stop := context.WithCancel(context.Background())
	done := run(ctx)
	waitFor(t, 15*time.Second, "the other customers' pulls to finish", func() bool {
		var n int64
		storetest.DB(ctx, st).Model(&store.Coverage{}).Where("stream = ? AND outcome = ?", "configurations", "ok").Count(&n)
		return n == 2
	})
	stop() // SIGTERM while Contoso's pull waits for its switch page
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop while a pull hung")
	}
	cp, _ := st.Checkpoint(context.Background(), key)
	var names []string
	storetest.DB(context.Background(), st).Model(&store.Configuration{}).Where("scope = ?", contoso).Order("name").Pluck("name", &names)
	if cp.Cursor == "" || strings.Join(names, ",") != "CON-FW01" {
		t.Fatalf("after the stop: cursor %q, Contoso's configurations %v; want the firewall page committed with its cursor", cp.Cursor, names)
	}
	var cov store.Coverage
	storetest.DB(context.Background(), st).Where("stream = ? AND scope = ?", "configurations", contoso).Take(&cov)
	if cov.Outcome != "cancelled" {
		t.Errorf("coverage of the stopped pull = %q, want cancelled", cov.Outcome)
	}

	ctx, stop = context.WithCancel(context.Background())
	defer stop()
	done = run(ctx)
	waitFor(t, 15*time.Second, "the resumed pull to complete", func() bool {
		cp, _ := st.Checkpoint(context.Background(), key)
		var n int64
		storetest.DB(context.Background(), st).Model(&store.Configuration{}).Where("scope = ?", contoso).Count(&n)
		return cp.Cursor == "" && n == 2
	})
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	var total int64
	storetest.DB(context.Background(), st).Model(&store.Configuration{}).Count(&total)
	if total != 6 {
		t.Errorf("configurations = %d, want 6 (no duplicates, no gaps)", total)
	}
}

// backupFindings counts the demo's IT Glue findings, the ones these tests plant.
func backupFindings(fs []store.FindingView) int {
	n := 0
	for _, f := range fs {
		if strings.HasPrefix(f.Rule, "CONFIG-BACKUP-") {
			n++
		}
	}
	return n
}

// TestRun_StoppedWhileStartingIsACleanStop: a daemon told to stop before it finished
// starting (opening the store, waiting for another replica's schema lock) stops
// without an error, as it would once running.
func TestRun_StoppedWhileStartingIsACleanStop(t *testing.T) {
	configPath, _ := startDemo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := daemon.Run(ctx, daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: io.Discard, Holder: "r1"}, nil); err != nil {
		t.Errorf("Run stopped while starting = %v, want a clean stop", err)
	}
}

// runDaemon runs the daemon on the configuration until the test ends, logging to
// logs, and returns its listen address once it has started.
func runDaemon(t *testing.T, configPath string, logs *lockedWriter) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: logs, Holder: "r1"}, nil)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	var addr []string
	waitFor(t, 15*time.Second, "the daemon to start", func() bool {
		addr = regexp.MustCompile(`"listen":"([^"]+)"`).FindStringSubmatch(logs.String())
		return addr != nil
	})
	return addr[1]
}

// recordSuccess records a successful scheduled run of the job that finished at.
func recordSuccess(t *testing.T, st *store.Store, job string, at time.Time) {
	t.Helper()
	if err := st.RecordJobRun(context.Background(), &store.JobRun{Job: job, Scope: "all", StartedAt: at.Add(-time.Minute), FinishedAt: &at, Outcome: store.JobOK}); err != nil {
		t.Fatal(err)
	}
}

func countRuns(ctx context.Context, st *store.Store, job string) int64 {
	var n int64
	storetest.DB(ctx, st).Model(&store.JobRun{}).Where("job = ?", job).Count(&n)
	return n
}

func TestRun_CatchesUpAJobThatNeverRanButNotOneThatJustDid(t *testing.T) {
	env := startDemoWith(t, hourlySchedules)
	st := openStore(t, filepath.Dir(env.ConfigPath))
	ctx := context.Background()
	recordSuccess(t, st, "sync:screenconnect", time.Now().Add(-10*time.Minute))

	logs := &lockedWriter{w: &bytes.Buffer{}}
	runDaemon(t, env.ConfigPath, logs)
	// Every job is hourly: a sync in the first seconds is the catch-up. (The demo's
	// Microsoft 365 syncs fail by design: some tenants deny access.)
	waitFor(t, 15*time.Second, "the syncs that never ran to run at start", func() bool {
		for _, job := range []string{"sync:itglue", "sync:dattormm", "sync:autotask", "sync:m365", "sync:o365audit"} {
			var n int64
			storetest.DB(ctx, st).Model(&store.JobRun{}).Where("job = ? AND outcome <> ?", job, store.JobRunning).Count(&n)
			if n == 0 {
				return false
			}
		}
		return true
	})
	if n := countRuns(ctx, st, "sync:screenconnect"); n != 1 {
		t.Errorf("sync:screenconnect has %d runs, want only the one 10 minutes ago: it owed none at start", n)
	}
	if !strings.Contains(logs.String(), "sync:itglue: never ran: running now") {
		t.Errorf("the log does not say that sync:itglue is caught up and why:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "sync:screenconnect: ") {
		t.Errorf("the log says sync:screenconnect is caught up:\n%s", logs.String())
	}
}

func TestRun_FirstScrapeShowsWhatTheStoreHolds(t *testing.T) {
	env := startDemoWith(t, hourlySchedules)
	st := openStore(t, filepath.Dir(env.ConfigPath))
	ctx := context.Background()
	// Every job succeeded a minute ago, so none runs at start: the scrape shows the
	// store as it was before the daemon started.
	ranAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	for _, job := range []string{"sync:itglue", "sync:screenconnect", "sync:dattormm", "sync:autotask", "sync:m365", "sync:o365audit", "reconcile", "retention", "report", "notify"} {
		recordSuccess(t, st, job, ranAt)
	}
	for i, sev := range []vocab.Severity{vocab.Critical, vocab.Critical, vocab.High} {
		rule := "ACCESS-UNAUTHORISED"
		if sev == vocab.High {
			rule = "CONFIG-BACKUP-MISSING"
		}
		f := store.Finding{Rule: rule, Fingerprint: fmt.Sprintf("seeded-%d", i), Subject: "seeded", Severity: sev, Summary: "seeded", Status: store.StatusOpen, FirstSeen: ranAt, LastSeen: ranAt}
		if err := storetest.DB(ctx, st).Create(&f).Error; err != nil {
			t.Fatal(err)
		}
	}
	cov := store.Coverage{Connector: "itglue", Stream: "configurations", Scope: "2001", StartedAt: ranAt.Add(-time.Second), FinishedAt: ranAt, Outcome: vocab.OutcomeOK}
	if err := storetest.DB(ctx, st).Create(&cov).Error; err != nil {
		t.Fatal(err)
	}

	addr := runDaemon(t, env.ConfigPath, &lockedWriter{w: &bytes.Buffer{}})
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts := strconv.FormatFloat(float64(ranAt.Unix()), 'g', -1, 64)
	for _, want := range []string{
		`custos_findings_open{rule="ACCESS-UNAUTHORISED",severity="critical"} 2`,
		`custos_findings_open{rule="CONFIG-BACKUP-MISSING",severity="high"} 1`,
		`custos_job_last_success_timestamp_seconds{job="sync:itglue",scope="all"} ` + ts,
		`custos_coverage_last_success_timestamp_seconds{connector="itglue",scope="2001",stream="configurations"} ` + ts,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the first scrape lacks %s", want)
		}
	}
	if n := countRuns(ctx, st, "sync:itglue"); n != 1 {
		t.Errorf("sync:itglue has %d runs, want only the seeded one (the scrape must show the store before any job)", n)
	}
}

// TestRun_RefusesToStartWithoutItsSecrets: secrets the configuration names that do
// not load (here IT Glue's and Datto RMM's key files, removed) stop the daemon at
// start, every one named at once, as check-config names them.
func TestRun_RefusesToStartWithoutItsSecrets(t *testing.T) {
	configPath, dir := startDemo(t)
	for _, f := range []string{"itglue.key", "dattormm.key"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	err := daemon.Run(context.Background(), daemon.Options{ConfigPath: configPath, Version: "test", LogOutput: io.Discard, Holder: "r1"}, nil)
	for _, key := range []string{"connectors.itglue.api_key", "connectors.dattormm.api_key"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Run without IT Glue's and Datto RMM's keys = %v, want a refusal naming %s", err, key)
		}
	}
}
