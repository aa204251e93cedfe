package metrics

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObservePull_CountsRecordsPullsAndDuration(t *testing.T) {
	m := New()
	m.ObservePull("itglue", "configurations", "ok", 120, 3*time.Second)
	m.ObservePull("itglue", "configurations", "ok", 30, 500*time.Millisecond)
	m.ObservePull("itglue", "configurations", "throttled", 0, 200*time.Millisecond)
	m.ObservePull("itglue", "backups", "ok", 0, time.Second)

	want := `
# HELP custos_records_pulled_total Records a connector stream emitted into the store.
# TYPE custos_records_pulled_total counter
custos_records_pulled_total{connector="itglue",stream="backups"} 0
custos_records_pulled_total{connector="itglue",stream="configurations"} 150
# HELP custos_pulls_total Pulls of a connector stream for one scope, by outcome (ok, throttled, access_denied, failed, ...).
# TYPE custos_pulls_total counter
custos_pulls_total{connector="itglue",outcome="ok",stream="backups"} 1
custos_pulls_total{connector="itglue",outcome="ok",stream="configurations"} 2
custos_pulls_total{connector="itglue",outcome="throttled",stream="configurations"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_records_pulled_total", "custos_pulls_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.pullDuration, "custos_pull_duration_seconds"); n != 2 {
		t.Errorf("pull duration series = %d, want 2 (one per connector and stream)", n)
	}
	count, sum := histogram(t, m, "custos_pull_duration_seconds", map[string]string{"connector": "itglue", "stream": "configurations"})
	if count != 3 || sum != 3.7 {
		t.Errorf("configurations pull duration: count %d sum %v, want 3 and 3.7", count, sum)
	}
}

func TestObserveWait_AddsSecondsPerVendorAndReason(t *testing.T) {
	m := New()
	m.ObserveWait("itglue", "rate_limit", 250*time.Millisecond)
	m.ObserveWait("itglue", "rate_limit", 750*time.Millisecond)
	m.ObserveWait("itglue", "retry_after", 30*time.Second)
	m.ObserveWait("itglue", "retry_after", 0) // no wait: no change

	want := `
# HELP custos_http_wait_seconds_total Time spent waiting on a vendor's API throttling: rate_limit (our own limiter) or retry_after (the vendor's Retry-After).
# TYPE custos_http_wait_seconds_total counter
custos_http_wait_seconds_total{reason="rate_limit",vendor="itglue"} 1
custos_http_wait_seconds_total{reason="retry_after",vendor="itglue"} 30
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_http_wait_seconds_total"); err != nil {
		t.Error(err)
	}
}

func TestObserveJob_LastSuccessOnlyWhenOK(t *testing.T) {
	m := New()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	m.ObserveJob("sync", "itglue", "ok", start, start.Add(90*time.Second))
	m.ObserveJob("sync", "itglue", "failed", start.Add(time.Hour), start.Add(time.Hour+5*time.Second))
	m.ObserveJob("reconcile", "all", "failed", start, start.Add(2*time.Second))

	if got, want := testutil.ToFloat64(m.jobLastOK.WithLabelValues("sync", "itglue")), float64(start.Add(90*time.Second).Unix()); got != want {
		t.Errorf("sync last success = %v, want %v (the failed run must not move it)", got, want)
	}
	want := `
# HELP custos_job_last_success_timestamp_seconds Unix time at which a job last finished successfully for a scope.
# TYPE custos_job_last_success_timestamp_seconds gauge
custos_job_last_success_timestamp_seconds{job="sync",scope="itglue"} 1.77235929e+09
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_job_last_success_timestamp_seconds"); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		job, outcome string
		count        uint64
		sum          float64
	}{
		{"sync", "ok", 1, 90},
		{"sync", "failed", 1, 5},
		{"reconcile", "failed", 1, 2},
	} {
		count, sum := histogram(t, m, "custos_job_duration_seconds", map[string]string{"job": tc.job, "outcome": tc.outcome})
		if count != tc.count || sum != tc.sum {
			t.Errorf("%s/%s duration: count %d sum %v, want %d and %v", tc.job, tc.outcome, count, sum, tc.count, tc.sum)
		}
	}
}

func TestSetOpenFindings_SeriesOfClosedRuleVanishes(t *testing.T) {
	m := New()
	m.SetOpenFindings(map[FindingKey]int{
		{Rule: "CONFIG-BACKUP-MISSING", Severity: "high"}:   3,
		{Rule: "CONFIG-BACKUP-STALE", Severity: "medium"}:   2,
		{Rule: "ACCESS-UNAUTHORISED", Severity: "critical"}: 1,
	})
	want := `
# HELP custos_findings_open Findings currently open, by rule and severity.
# TYPE custos_findings_open gauge
custos_findings_open{rule="ACCESS-UNAUTHORISED",severity="critical"} 1
custos_findings_open{rule="CONFIG-BACKUP-MISSING",severity="high"} 3
custos_findings_open{rule="CONFIG-BACKUP-STALE",severity="medium"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_findings_open"); err != nil {
		t.Error(err)
	}

	m.SetOpenFindings(map[FindingKey]int{
		{Rule: "CONFIG-BACKUP-MISSING", Severity: "high"}: 1,
		{Rule: "REPORT-MISSING", Severity: "low"}:         4,
	})
	want = `
# HELP custos_findings_open Findings currently open, by rule and severity.
# TYPE custos_findings_open gauge
custos_findings_open{rule="CONFIG-BACKUP-MISSING",severity="high"} 1
custos_findings_open{rule="REPORT-MISSING",severity="low"} 4
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_findings_open"); err != nil {
		t.Error(err)
	}

	m.SetOpenFindings(nil)
	if n := testutil.CollectAndCount(m.findingsOpen.vec); n != 0 {
		t.Errorf("after no open findings: %d series, want 0", n)
	}
}

func TestSetCoverage_NeverReadIsZeroAndGoneScopesVanish(t *testing.T) {
	m := New()
	read := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	m.SetCoverage(map[ScopeKey]time.Time{
		{Connector: "itglue", Stream: "configurations", Scope: "2001"}: read,
		{Connector: "m365", Stream: "signins", Scope: "tenant-a"}:      {},
	})
	want := `
# HELP custos_coverage_last_success_timestamp_seconds Unix time at which the latest successful pull of a connector stream for one scope finished; 0 when none of its pulls succeeded.
# TYPE custos_coverage_last_success_timestamp_seconds gauge
custos_coverage_last_success_timestamp_seconds{connector="itglue",scope="2001",stream="configurations"} 1.7723592e+09
custos_coverage_last_success_timestamp_seconds{connector="m365",scope="tenant-a",stream="signins"} 0
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_coverage_last_success_timestamp_seconds"); err != nil {
		t.Error(err)
	}
	m.SetCoverage(map[ScopeKey]time.Time{{Connector: "m365", Stream: "signins", Scope: "tenant-a"}: read})
	if n := testutil.CollectAndCount(m.coverageOK.vec); n != 1 {
		t.Errorf("after one scope: %d series, want 1", n)
	}
}

func TestSetReceivers_OneSeriesPerConfiguredReceiver(t *testing.T) {
	m := New()
	m.SetReceivers(map[string]bool{"teams-soc": true, "email-oncall": false})
	m.SetReceivers(map[string]bool{"teams-soc": false, "webhook": true}) // email-oncall left the configuration
	want := `
# HELP custos_notify_receiver_failing 1 when the latest delivery attempt to a configured notify receiver failed, else 0.
# TYPE custos_notify_receiver_failing gauge
custos_notify_receiver_failing{receiver="teams-soc"} 0
custos_notify_receiver_failing{receiver="webhook"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "custos_notify_receiver_failing"); err != nil {
		t.Error(err)
	}
}

func TestNew_RegistersRuntimeCollectorsOnOwnRegistry(t *testing.T) {
	a, b := New(), New() // two instances must not collide: no global registry
	a.ObservePull("itglue", "configurations", "ok", 1, time.Second)
	families, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	want := []string{"go_goroutines"}
	if runtime.GOOS == "linux" {
		want = append(want, "process_start_time_seconds")
	}
	for _, n := range want {
		if !names[n] {
			t.Errorf("registry lacks %s", n)
		}
	}
	if names["custos_pulls_total"] {
		t.Error("a pull recorded on one Metrics shows on another")
	}
}

func TestNilMetrics_RecordsNothing(t *testing.T) {
	var m *Metrics
	m.ObservePull("c", "s", "ok", 1, time.Second)
	m.ObserveWait("v", "rate_limit", time.Second)
	m.ObserveJob("j", "s", "ok", time.Now(), time.Now())
	m.SetOpenFindings(map[FindingKey]int{{"r", "low"}: 1})
	m.SetJobLastSuccess("j", "s", time.Now())
	m.SetCoverage(map[ScopeKey]time.Time{{"c", "s", "x"}: time.Now()})
	m.SetReceivers(map[string]bool{"r": true})
}

// histogram returns the sample count and sum of the histogram series with the labels.
func histogram(t *testing.T, m *Metrics, name string, labels map[string]string) (uint64, float64) {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			return s.GetHistogram().GetSampleCount(), s.GetHistogram().GetSampleSum()
		}
	}
	t.Fatalf("no %s series with %v", name, labels)
	return 0, 0
}

func TestObserveRule_DurationAndFailures(t *testing.T) {
	m := New()
	m.ObserveRule("AUDIT-GAP", 2*time.Second, false)
	m.ObserveRule("AUDIT-GAP", time.Second, true)
	m.ObserveRule("REPORT-MISSING", time.Second, false)
	for _, tc := range []struct {
		rule     string
		count    uint64
		sum      float64
		failures float64
	}{
		{"AUDIT-GAP", 2, 3, 1},
		{"REPORT-MISSING", 1, 1, 0}, // a rule that never failed has its series, at zero
	} {
		count, sum := histogram(t, m, "custos_rule_evaluation_duration_seconds", map[string]string{"rule": tc.rule})
		if count != tc.count || sum != tc.sum {
			t.Errorf("%s duration: count %d sum %v, want %d and %v", tc.rule, count, sum, tc.count, tc.sum)
		}
		if got := testutil.ToFloat64(m.ruleFailures.WithLabelValues(tc.rule)); got != tc.failures {
			t.Errorf("%s failures = %v, want %v", tc.rule, got, tc.failures)
		}
	}
}
