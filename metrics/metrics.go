// Package metrics holds Custos's Prometheus metrics on a registry of its own: what the
// pulls brought and cost, how long vendors throttled us, how the jobs and the rules
// ran, how many findings are open, when each stream's scope was last read and which
// receivers are failing. The rest of Custos records through its typed methods and never
// touches a collector directly.
package metrics

import (
	"strings"
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
	findingsOpen  *replaced
	coverageOK    *replaced
	receiverFails *replaced
	ruleDuration  *prometheus.HistogramVec
	ruleFailures  *prometheus.CounterVec
}

// FindingKey identifies one series of custos_findings_open.
type FindingKey struct {
	Rule, Severity string
}

// ScopeKey identifies one series of custos_coverage_last_success_timestamp_seconds:
// one stream of a connector for one scope (a customer tenant, a site, the account).
type ScopeKey struct {
	Connector, Stream, Scope string
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
		findingsOpen: newReplaced(prometheus.GaugeOpts{
			Name: "custos_findings_open",
			Help: "Findings currently open, by rule and severity.",
		}, "rule", "severity"),
		coverageOK: newReplaced(prometheus.GaugeOpts{
			Name: "custos_coverage_last_success_timestamp_seconds",
			Help: "Unix time at which the latest successful pull of a connector stream for one scope finished; 0 when none of its pulls succeeded.",
		}, "connector", "stream", "scope"),
		receiverFails: newReplaced(prometheus.GaugeOpts{
			Name: "custos_notify_receiver_failing",
			Help: "1 when the latest delivery attempt to a configured notify receiver failed, else 0.",
		}, "receiver"),
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
		m.jobDuration, m.jobLastOK, m.findingsOpen.vec, m.coverageOK.vec, m.receiverFails.vec, m.ruleDuration, m.ruleFailures,
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
		m.SetJobLastSuccess(job, scope, finished)
	}
}

// SetJobLastSuccess records that the job last finished successfully for the scope at
// at: after a run, or from the run history at start.
func (m *Metrics) SetJobLastSuccess(job, scope string, at time.Time) {
	if m == nil {
		return
	}
	m.jobLastOK.WithLabelValues(job, scope).Set(unixSeconds(at))
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
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
	samples := make([]sample, 0, len(counts))
	for k, n := range counts {
		samples = append(samples, sample{[]string{k.Rule, k.Severity}, float64(n)})
	}
	m.findingsOpen.replace(samples)
}

// SetCoverage replaces when each stream's scope was last read successfully; a zero
// time (never) is 0. The series of a scope absent from lastOK disappear.
func (m *Metrics) SetCoverage(lastOK map[ScopeKey]time.Time) {
	if m == nil {
		return
	}
	samples := make([]sample, 0, len(lastOK))
	for k, t := range lastOK {
		samples = append(samples, sample{[]string{k.Connector, k.Stream, k.Scope}, unixSeconds(t)})
	}
	m.coverageOK.replace(samples)
}

// SetReceivers replaces the configured receivers, each with whether it is failing;
// the series of a receiver absent from failing disappear.
func (m *Metrics) SetReceivers(failing map[string]bool) {
	if m == nil {
		return
	}
	samples := make([]sample, 0, len(failing))
	for name, f := range failing {
		v := 0.0
		if f {
			v = 1
		}
		samples = append(samples, sample{[]string{name}, v})
	}
	m.receiverFails.replace(samples)
}

// replaced is a gauge vector whose series are replaced all at once, so that a series
// no longer in the store disappears from the metrics.
type replaced struct {
	vec  *prometheus.GaugeVec
	mu   sync.Mutex
	keys map[string][]string // the label values of the series now set, by their join
}

// sample is one series' label values, in the vector's label order, and its value.
type sample struct {
	labels []string
	value  float64
}

func newReplaced(opts prometheus.GaugeOpts, labels ...string) *replaced {
	return &replaced{vec: prometheus.NewGaugeVec(opts, labels)}
}

// replace sets the series of samples and deletes the others.
func (r *replaced) replace(samples []sample) {
	// Set the new values first and then delete the series that are gone, rather than
	// Reset and set: a scrape in between never sees the vector empty.
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make(map[string][]string, len(samples))
	for _, s := range samples {
		r.vec.WithLabelValues(s.labels...).Set(s.value)
		keys[strings.Join(s.labels, "\x00")] = s.labels
	}
	for k, labels := range r.keys {
		if _, ok := keys[k]; !ok {
			r.vec.DeleteLabelValues(labels...)
		}
	}
	r.keys = keys
}
