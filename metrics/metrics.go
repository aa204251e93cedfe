// Package metrics holds Custos's Prometheus metrics on a registry of its own: what the
// pulls brought and cost, how long vendors throttled us, how the jobs and the rules
// ran, and how many findings are open. The rest of Custos records through its typed methods and never
// touches a collector directly.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics records Custos's metrics. Its methods are safe for concurrent use. A nil
// *Metrics records nothing, so a caller built without metrics (a CLI command, a test)
// need not check.
type Metrics struct {
	registry *prometheus.Registry

	recordsPulled *prometheus.CounterVec
	pulls         *prometheus.CounterVec
	pullDuration  *prometheus.HistogramVec
	httpWait      *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
	jobLastOK     *prometheus.GaugeVec
	findingsOpen  *prometheus.GaugeVec
	ruleDuration  *prometheus.HistogramVec
	ruleFailures  *prometheus.CounterVec

	findingsMu  sync.Mutex
	findingKeys map[FindingKey]struct{} // the series of findingsOpen now set
}

// FindingKey identifies one series of custos_findings_open.
type FindingKey struct {
	Rule, Severity string
}

// New returns metrics registered on a new registry, together with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		recordsPulled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_records_pulled_total",
			Help: "Records a connector stream emitted into the store.",
		}, []string{"connector", "stream"}),
		pulls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_pulls_total",
			Help: "Pulls of a connector stream for one scope, by outcome (ok, throttled, access_denied, failed, ...).",
		}, []string{"connector", "stream", "outcome"}),
		pullDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "custos_pull_duration_seconds",
			Help: "How long one pull of a connector stream for one scope took.",
			// From a quick delta to a tenant's first full read of the audit log.
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"connector", "stream"}),
		httpWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_http_wait_seconds_total",
			Help: "Time spent waiting on a vendor's API throttling: rate_limit (our own limiter) or retry_after (the vendor's Retry-After).",
		}, []string{"vendor", "reason"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custos_job_duration_seconds",
			Help:    "How long a job run took, by outcome.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
		}, []string{"job", "outcome"}),
		jobLastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "custos_job_last_success_timestamp_seconds",
			Help: "Unix time at which a job last finished successfully for a scope.",
		}, []string{"job", "scope"}),
		findingsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "custos_findings_open",
			Help: "Findings currently open, by rule and severity.",
		}, []string{"rule", "severity"}),
		ruleDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custos_rule_evaluation_duration_seconds",
			Help:    "How long one evaluation of a reconcile rule took.",
			Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300},
		}, []string{"rule"}),
		ruleFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_rule_evaluation_failures_total",
			Help: "Evaluations of a reconcile rule that failed; its findings were left as they were.",
		}, []string{"rule"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.recordsPulled, m.pulls, m.pullDuration, m.httpWait,
		m.jobDuration, m.jobLastOK, m.findingsOpen, m.ruleDuration, m.ruleFailures,
	)
	return m
}

// Registry returns the registry the metrics are registered on, for the /metrics handler.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ObservePull records one pull of a connector stream for one scope: the records it
// brought, its outcome and how long it took.
func (m *Metrics) ObservePull(connector, stream, outcome string, records int, d time.Duration) {
	if m == nil {
		return
	}
	// Add even zero, so that a stream's series exists from its first pull.
	m.recordsPulled.WithLabelValues(connector, stream).Add(float64(max(records, 0)))
	m.pulls.WithLabelValues(connector, stream, outcome).Inc()
	m.pullDuration.WithLabelValues(connector, stream).Observe(d.Seconds())
}

// ObserveWait records a wait imposed by a vendor's API throttling; reason is
// "rate_limit" or "retry_after", as connectors.Client.OnWait reports it.
func (m *Metrics) ObserveWait(vendor, reason string, d time.Duration) {
	if m == nil || d <= 0 {
		return
	}
	m.httpWait.WithLabelValues(vendor, reason).Add(d.Seconds())
}

// ObserveJob records one job run. The last-success time of the job and scope is set
// only when outcome is "ok".
func (m *Metrics) ObserveJob(job, scope, outcome string, started, finished time.Time) {
	if m == nil {
		return
	}
	m.jobDuration.WithLabelValues(job, outcome).Observe(max(finished.Sub(started), 0).Seconds())
	if outcome == "ok" {
		m.jobLastOK.WithLabelValues(job, scope).Set(float64(finished.UnixNano()) / 1e9)
	}
}

// ObserveRule records one evaluation of a reconcile rule: how long it took and
// whether it failed.
func (m *Metrics) ObserveRule(rule string, d time.Duration, failed bool) {
	if m == nil {
		return
	}
	m.ruleDuration.WithLabelValues(rule).Observe(max(d, 0).Seconds())
	// The series exists, at zero, from the rule's first evaluation.
	failures := m.ruleFailures.WithLabelValues(rule)
	if failed {
		failures.Inc()
	}
}

// SetOpenFindings replaces the open-finding counts: the series of a rule and severity
// absent from counts disappear.
func (m *Metrics) SetOpenFindings(counts map[FindingKey]int) {
	if m == nil {
		return
	}
	// Set the new values first and then delete the series that are gone, rather than
	// Reset and set: a scrape in between never sees the vector empty.
	m.findingsMu.Lock()
	defer m.findingsMu.Unlock()
	for k, n := range counts {
		m.findingsOpen.WithLabelValues(k.Rule, k.Severity).Set(float64(n))
	}
	for k := range m.findingKeys {
		if _, ok := counts[k]; !ok {
			m.findingsOpen.DeleteLabelValues(k.Rule, k.Severity)
		}
	}
	m.findingKeys = make(map[FindingKey]struct{}, len(counts))
	for k := range counts {
		m.findingKeys[k] = struct{}{}
	}
}
