package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/demo"
)

// TestSyncCrash_SIGKILLedAndResumedMatchesAnUninterruptedRun kills real custos sync
// processes (SIGKILL: no deferred function runs, nothing is rolled back but by
// SQLite itself) at points spread over every connector's pulls and over the
// reconcile after them, resumes each time with the next custos sync, and
// compares the store each chain of runs ends with to the store of one
// uninterrupted run: every row of every table, none twice, none missing.
//
// Each chain runs against fake vendors of its own, all loaded with the demo's
// data as of one instant, so that the chains and the uninterrupted run go side
// by side and a request to a fake belongs to one process.
func TestSyncCrash_SIGKILLedAndResumedMatchesAnUninterruptedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the custos binary and runs it a few dozen times")
	}
	began := time.Now()
	bin := buildCustos(t)
	t.Logf("built custos in %v", time.Since(began).Round(time.Millisecond))

	const (
		relationships = "/v1.0/tenantRelationships/delegatedAdminRelationships"
		audits        = "/v1.0/auditLogs/directoryAudits"
		mail          = "/v1.0/users/" // the RMM report mailbox's messages and attachments
	)
	chains := []struct {
		name  string
		kills []kill
	}{
		{"uninterrupted", nil},
		{"killed in the first connectors", []kill{
			{connector: "itglue", path: "/organizations", request: 4},  // mid snapshot, one scope
			{connector: "itglue", path: "/configurations", request: 7}, // mid snapshot, two scopes at once
			{connector: "screenconnect", path: "/Report.json", request: 3},
			{connector: "dattormm", path: "/api/v2/account/devices", request: 3}, // after device audits
			{connector: "dattormm", path: "/api/v2/activity-logs", request: 4},   // mid incremental window
			{connector: "autotask", path: "/ATServicesRest/V1.0/Tickets/query", request: 2},
			{connector: "m365", path: relationships, request: 3},
		}},
		{"killed in the last connectors", []kill{
			{connector: "m365", path: audits, request: 2}, // sign-ins done, audits under way
			{connector: "m365", path: mail, request: 3},
			{connector: "o365audit", request: 20},
		}},
		// Reconcile writes the findings of the rules over whole tables in one
		// transaction, then each customer's access decisions and findings in one
		// of their own, in some 10-20 ms here: a kill as the pulls' results are
		// printed lands just before it or in its first transaction, and one as
		// the first findings are stored between two of its transactions. Where
		// each landed is logged.
		{"killed late and in reconcile", []kill{
			{connector: "o365audit", request: 60},
			{afterPulls: true},
			{afterPulls: true, findingsStored: true},
		}},
	}

	now := clock()
	results := make([]chainResult, len(chains))
	var wg stdsync.WaitGroup
	for i, c := range chains {
		dir := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runChain(bin, dir, now, c.kills)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.env != nil {
			r.env.Close()
		}
	}

	for i, c := range chains {
		r := results[i]
		for j, run := range r.runs {
			what := "to the end"
			if j < len(c.kills) {
				what = "killed " + c.kills[j].String()
			}
			t.Logf("%s, run %d %s: %v, %v requests%s", c.name, j+1, what, run.took.Round(time.Millisecond), run.requests, run.note)
		}
		if r.err != nil {
			t.Fatalf("%s: %v", c.name, r.err)
		}
	}
	want := results[0]
	for i, c := range chains[1:] {
		got := results[i+1]
		if last, ref := got.runs[len(got.runs)-1], want.runs[0]; last.exit != ref.exit {
			t.Errorf("%s: the last run ended with exit status %d, the uninterrupted one with %d:\n%s", c.name, last.exit, ref.exit, last.output)
		}
		t.Run(c.name, func(t *testing.T) { compareStores(t, want.dir, got.dir, runClock{began, time.Now()}) })
	}
	t.Logf("whole test: %v", time.Since(began).Round(time.Millisecond))
}

// buildCustos builds this command into a temporary directory, with the build
// cache, and returns the binary's path.
func buildCustos(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build custos with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "custos")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// chainResult is what runChain did: the demo environment it ran against, with
// its configuration, key and store in dir, and each run.
type chainResult struct {
	env  *demo.Environment
	dir  string
	runs []syncRun
	err  error
}

// runChain starts the demo's fake vendors with their data as of now, writes a
// configuration into dir, and runs custos sync once for each kill, killed as it
// says, and once more to the end.
func runChain(bin, dir string, now time.Time, kills []kill) chainResult {
	rig := &crashRig{bin: bin, db: filepath.Join(dir, "custos.db")}
	// One item a page where the fake decides, and below where the client does:
	// the demo's hundred records take a few hundred requests and commits, and a
	// kill lands between any two of them.
	env, err := demo.StartWith(dir, now, demo.Options{PageSize: 1, OnRequest: rig.request})
	res := chainResult{env: env, dir: dir, err: err}
	if err != nil {
		return res
	}
	if res.err = tuneConfig(env.ConfigPath); res.err != nil {
		return res
	}
	for i, k := range append(kills, kill{}) {
		run, err := rig.sync(env.ConfigPath, k)
		if err != nil {
			res.err = fmt.Errorf("run %d: %w", i+1, err)
			return res
		}
		res.runs = append(res.runs, run)
		switch {
		case k.afterPulls:
			// Reconcile may end before a kill after the pulls reaches it: the
			// run then counts as one to the end, and the log says so.
			res.runs[i].note = reconcileState(rig.db, run.killed)
		case k != (kill{}) && !run.killed:
			res.err = fmt.Errorf("run %d ended, exit status %d, before it was killed %s:\n%s", i+1, run.exit, k, run.output)
			return res
		case k == (kill{}) && run.killed:
			res.err = fmt.Errorf("run %d was killed", i+1)
			return res
		}
	}
	return res
}

// reconcileState says how far the runs' last reconcile got in the store at
// path: whether it finished and how many findings the store holds.
func reconcileState(path string, killed bool) string {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return "; " + err.Error()
	}
	defer db.Close()
	var finished sql.NullString
	var findings, events int
	err = db.QueryRow(`SELECT finished_at FROM job_runs WHERE job = 'reconcile' ORDER BY id DESC LIMIT 1`).Scan(&finished)
	if err == nil {
		err = db.QueryRow(`SELECT (SELECT count(*) FROM findings), (SELECT count(*) FROM access_events WHERE decision != '')`).Scan(&findings, &events)
	}
	switch {
	case !killed:
		return "; it ended before the kill landed"
	case errors.Is(err, sql.ErrNoRows):
		return "; killed before reconcile recorded its run"
	case err != nil:
		return "; " + err.Error()
	case finished.Valid:
		return "; killed after reconcile finished"
	}
	return fmt.Sprintf("; killed in reconcile, with %d findings and %d access decisions stored", findings, events)
}

// waitForFindings polls the store at path until it holds a finding, for two
// seconds at most.
func waitForFindings(path string) {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return
	}
	defer db.Close()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM findings`).Scan(&n); err == nil && n > 0 {
			return
		}
	}
}

// tuneConfig changes the demo's configuration at path: each page committed
// alone, small pages where the client chooses their size, and no rate limit
// but those that validation caps (Datto RMM's, Graph's reports'), which the
// fakes do not enforce.
func tuneConfig(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cfg := string(b)
	for _, set := range []struct{ section, key, value string }{
		{"connectors.itglue", "page_size", "1"},
		{"connectors.itglue", "requests_per_second", "1000"},
		{"connectors.screenconnect", "requests_per_second", "1000"},
		{"connectors.dattormm", "page_size", "2"},
		{"connectors.autotask", "requests_per_second", "1000"},
		{"connectors.m365", "requests_per_second", "1000"},
		{"connectors.m365", "reports_requests_per_second_per_tenant", "0.5"},
		{"connectors.o365audit", "requests_per_second", "1000"},
	} {
		if cfg, err = setKey(cfg, set.section, set.key, set.value); err != nil {
			return err
		}
	}
	cfg += "\n[sync]\nbatch_size = 1\nconcurrency = 2\n"
	return os.WriteFile(path, []byte(cfg), 0o600)
}

// setKey sets key to value in the [section] of a TOML file written as the demo
// writes its own: one key a line.
func setKey(cfg, section, key, value string) (string, error) {
	header := "\n[" + section + "]\n"
	at := strings.Index(cfg, header)
	if at < 0 {
		return "", fmt.Errorf("the demo's configuration has no [%s] any more; the crash test edits it", section)
	}
	body := at + len(header)
	end := len(cfg)
	if next := strings.Index(cfg[body:], "\n["); next >= 0 {
		end = body + next + 1
	}
	lines := strings.SplitAfter(cfg[body:end], "\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == key {
			lines[i] = key + " = " + value + "\n"
			return cfg[:body] + strings.Join(lines, "") + cfg[end:], nil
		}
	}
	return cfg[:body] + key + " = " + value + "\n" + cfg[body:], nil
}

// kill says when the crash rig kills a run: as the fake of connector receives
// the run's request number request to it whose path starts with path (counting
// from 1); or, with afterPulls, as the run prints the pulls' results (every pull
// and the mapping done, reconcile next), and with findingsStored too, once after
// that the store first holds findings. The zero kill never kills.
type kill struct {
	connector, path string
	request         int
	afterPulls      bool
	findingsStored  bool
}

func (k kill) String() string {
	switch {
	case k.findingsStored:
		return "as reconcile first stored findings"
	case k.afterPulls:
		return "after the pulls"
	}
	return fmt.Sprintf("at %s request %d to %s", k.connector, k.request, cmp.Or(k.path, "any path"))
}

// crashRig runs the custos binary against the fakes and kills it where a kill
// says. Its request method is the fakes' OnRequest hook.
type crashRig struct {
	bin string
	db  string // the SQLite store, for kills in reconcile

	mu       stdsync.Mutex
	proc     *os.Process
	requests map[string]int // by connector, in the current run
	matching int            // requests the current kill counts
	kill     kill
	killed   bool
}

// request counts a request the fake of connector received and kills the running
// process when it is the one to kill at. The fake holds the request meanwhile:
// the process dies waiting for the answer, while the page before it may still be
// being committed.
func (r *crashRig) request(connector string, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[connector]++
	k := r.kill
	if r.proc == nil || k.afterPulls || connector != k.connector || !strings.HasPrefix(req.URL.Path, k.path) {
		return
	}
	r.matching++
	if r.matching == k.request {
		r.killLocked()
	}
}

// killLocked sends SIGKILL to the running process.
func (r *crashRig) killLocked() {
	if err := r.proc.Kill(); err == nil { // SIGKILL on Unix
		r.killed = true
	}
}

// syncRun is how one custos sync went.
type syncRun struct {
	killed   bool
	exit     int
	requests map[string]int // by connector
	took     time.Duration
	output   string
	note     string // where a kill after the pulls landed
}

// runTimeout bounds one run: an uninterrupted one takes about 5 s.
const runTimeout = 45 * time.Second

// sync runs custos sync with config until it ends or k kills it.
func (r *crashRig) sync(config string, k kill) (syncRun, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, "--config", config, "sync")
	cmd.Env = append(os.Environ(), "CUSTOS_CONFIG=")
	var output bytes.Buffer
	cmd.Stderr = &output
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return syncRun{}, err
	}
	r.mu.Lock()
	r.requests, r.matching, r.kill, r.killed = map[string]int{}, 0, k, false
	started := time.Now()
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		return syncRun{}, err
	}
	r.proc = cmd.Process
	r.mu.Unlock()

	// custos sync prints the pulls' results in one write, once every pull and
	// the mapping after them ended, and then reconciles.
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		fmt.Fprintln(&output, lines.Text())
		if k.afterPulls && strings.HasPrefix(lines.Text(), "CONNECTOR") {
			if k.findingsStored {
				waitForFindings(r.db)
			}
			r.mu.Lock()
			r.killLocked()
			r.mu.Unlock()
		}
	}
	_, _ = io.Copy(&output, stdout)
	_ = cmd.Wait() // the exit status is in ProcessState
	took := time.Since(started)

	r.mu.Lock()
	defer r.mu.Unlock()
	r.proc = nil
	state := cmd.ProcessState
	res := syncRun{requests: r.requests, took: took, output: output.String()}
	switch {
	case state == nil:
		return res, fmt.Errorf("custos sync did not run:\n%s", res.output)
	case state.Exited():
		res.exit = state.ExitCode()
	case r.killed:
		res.killed = true // by the rig's SIGKILL, not as it ended on its own
	case ctx.Err() != nil:
		return res, fmt.Errorf("custos sync did not end within %v:\n%s", runTimeout, res.output)
	default:
		return res, fmt.Errorf("custos sync ended by a signal the test did not send: %v\n%s", state, res.output)
	}
	return res, nil
}
