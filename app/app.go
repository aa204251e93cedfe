// Package app wires a configuration into a running Custos: logger, sealing keys,
// store, connectors, sync and reconcile. The CLI and the tests start it the same way.
package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/registry"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/logging"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/metrics"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/receivers"
	"github.com/custos-msp/custos/progress"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sync"
)

// Options are what the caller adds to the configuration.
type Options struct {
	// Version is reported in the User-Agent.
	Version string
	// LogOutput receives the log; os.Stderr in the CLI.
	LogOutput io.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Metrics records what Custos does; a new set when nil. The daemon passes the
	// same one across reloads, so counters do not start over.
	Metrics *metrics.Metrics
	// Progress is told how syncs go as they go (the connectors' requests and waits,
	// the engine's scopes and records); a new tracker when nil.
	Progress *progress.Tracker
}

// LoadConfig reads, decodes and validates the configuration file, the rules' tables
// included, runs checks on it, and returns a *config.Error that lists every problem.
func LoadConfig(path string, checks ...config.Check) (*config.Config, error) {
	return config.Load(path, append([]config.Check{reconcile.Check}, checks...)...)
}

// App is a configured Custos.
type App struct {
	Config *config.Config
	// Rules are the rules the configuration enables.
	Rules      *reconcile.RuleSet
	Log        zerolog.Logger
	Store      *store.Store
	Connectors []connectors.Connector
	Metrics    *metrics.Metrics
	// Progress follows the syncs as they run, for the front ends that show it.
	Progress *progress.Tracker
	runner   *jobs.Runner
	now      func() time.Time
	redactor *secret.Redactor
}

// Open builds everything the configuration describes and opens the store.
func Open(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	redactor := secret.NewRedactor()
	log, err := logging.New(cfg.Log, opts.LogOutput, redactor)
	if err != nil {
		return nil, fmt.Errorf("log: %w", err)
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// Both databases keep microseconds: a finer clock would compare unequal to itself
	// after a round trip.
	now := func() time.Time { return clock().UTC().Truncate(time.Microsecond) }
	storeOpts, err := storeOptions(cfg, redactor)
	if err != nil {
		return nil, err
	}
	if storeOpts.Sealer == nil {
		log.Warn().Msg("seal.key is not set: personal data (technicians' and customers' names, sign-in names, e-mail and IP addresses) is stored in clear; create a key with `custos seal new-key FILE`, set seal.key and run `custos seal rotate` to seal what is stored")
	}
	rules, problems := reconcile.Configure(cfg)
	if len(problems) > 0 {
		return nil, fmt.Errorf("config: rules: %v", problems)
	}
	m := opts.Metrics
	if m == nil {
		m = metrics.New()
	}
	tracker := opts.Progress
	if tracker == nil {
		tracker = progress.New(clock)
	}
	conns, err := registry.Build(cfg.Connectors, connectors.Deps{
		UserAgent: "Custos/" + opts.Version + " (+https://github.com/custos-msp/custos)",
		Logger:    log,
		Redactor:  redactor,
		OnWait: func(vendor, reason string, d time.Duration) {
			m.ObserveWait(vendor, reason, d)
			tracker.Waited(vendor, reason, d)
		},
		OnRequest: tracker.Request,
	})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, storeOpts)
	if err != nil {
		return nil, err
	}
	return &App{
		Config: cfg, Rules: rules, Log: log, Store: st, Connectors: conns, Metrics: m, Progress: tracker, now: now, redactor: redactor,
		runner: &jobs.Runner{Store: st, Log: log, Now: now, LeaseTTL: cfg.Daemon.LeaseTTL.Std(), Observe: m.ObserveJob},
	}, nil
}

// storeOptions reads the store's secrets: the PostgreSQL DSN and the sealing keys.
func storeOptions(cfg *config.Config, redactor *secret.Redactor) (store.Options, error) {
	opts := store.Options{Driver: cfg.Store.Driver, Path: cfg.Resolve(cfg.Store.Path), MaxOpenConns: cfg.Store.MaxOpenConns}
	if cfg.Store.Driver == "postgres" {
		dsn, err := cfg.Store.DSN.Load()
		if err != nil {
			return opts, fmt.Errorf("store.dsn: %w", err)
		}
		redactor.Add(dsn)
		opts.DSN = dsn.Reveal()
	}
	if !cfg.Seal.Key.IsZero() {
		keyring, err := seal.FromConfig(cfg.Seal)
		if err != nil {
			return opts, err
		}
		opts.Sealer = keyring
	}
	opts.DropRawPayloads = !cfg.Seal.KeepRawPayloads
	return opts, nil
}

// Close closes the store.
func (a *App) Close() error { return a.Store.Close() }

func (a *App) mappingOptions() mapping.Options {
	return mapping.Options{
		CreateFrom:       a.Config.Customers.CreateFrom,
		InactiveStatuses: a.Config.Customers.InactiveStatuses,
		Domains:          a.Config.Customers.Domains,
		Technicians:      a.Config.Technicians,
		PartnerDomains:   a.Config.Connectors.M365.PartnerDomains,
	}
}

// Map runs identity resolution now.
func (a *App) Map(ctx context.Context) (mapping.Result, error) {
	return mapping.Resolve(ctx, a.Store, a.mappingOptions(), a.now())
}

// Sync pulls every enabled connector (or only the named one) and records the run.
func (a *App) Sync(ctx context.Context, only string) ([]sync.Result, error) {
	conns := a.Connectors
	if only != "" {
		conns = nil
		for _, c := range a.Connectors {
			if c.Name() == only {
				conns = append(conns, c)
			}
		}
		if len(conns) == 0 {
			return nil, fmt.Errorf("sync: connector %q is not enabled in the configuration", only)
		}
	}
	job := a.syncJob(conns, 0)
	var results []sync.Result
	err := a.runner.Run(ctx, "sync", scopeName(only), func(ctx context.Context) (jobs.Counts, error) {
		rs, counts, err := job.Run(ctx)
		results = rs
		return counts, err
	})
	return results, err
}

// Reconcile evaluates every enabled rule and records the run, checking the access
// events of the customers whose records changed since the last run (the store's
// change journal says which).
func (a *App) Reconcile(ctx context.Context) (reconcile.Result, error) {
	return a.reconcile(ctx, reconcile.Scope{}, false)
}

// ReconcileFull is Reconcile checking every customer's access events.
func (a *App) ReconcileFull(ctx context.Context) (reconcile.Result, error) {
	return a.reconcile(ctx, reconcile.Scope{Full: true}, false)
}

// reconcile evaluates every enabled rule, checking the access events of scope's
// customers, and records the run under the scope it checked; with listChanges the
// result lists every change (reconcile.Engine.ListChanges).
func (a *App) reconcile(ctx context.Context, scope reconcile.Scope, listChanges bool) (reconcile.Result, error) {
	job := a.reconcileJob()
	job.Engine.ListChanges = listChanges
	var res reconcile.Result
	err := a.runner.Run(ctx, "reconcile", scope.String(), func(ctx context.Context) (jobs.Counts, error) {
		r, counts, err := job.RunScope(ctx, scope)
		res = r
		return counts, err
	})
	return res, err
}

// Replay evaluates every enabled rule over the stored records, checking the access
// events of the last d again, and says what recording the result would change, and
// from when it checked. It changes nothing: not the findings, not the decisions, not
// the mapping.
func (a *App) Replay(ctx context.Context, d time.Duration) (reconcile.Replay, time.Time, error) {
	now := a.now()
	from := now.Add(-d)
	r, err := a.reconcileJob().Engine.Replay(ctx, now, from)
	return r, from, err
}

// Now is the app's clock: what every command records and judges against.
func (a *App) Now() time.Time { return a.now() }

// syncJob pulls the connectors; spread staggers the start of their scopes.
func (a *App) syncJob(conns []connectors.Connector, spread time.Duration) *jobs.SyncJob {
	engine := &sync.Engine{
		Store: a.Store, Log: a.Log, BatchSize: a.Config.Sync.BatchSize,
		Concurrency: a.Config.Sync.Concurrency, Now: a.now, Observer: a.Metrics,
		Progress: a.Progress, ScopeSpread: spread,
	}
	return &jobs.SyncJob{
		Pull:  func(ctx context.Context) ([]sync.Result, error) { return engine.RunAll(ctx, conns) },
		Store: a.Store, Mapping: a.mappingOptions(), Now: a.now,
	}
}

func (a *App) reconcileJob() *jobs.ReconcileJob {
	return &jobs.ReconcileJob{
		Store: a.Store, Mapping: a.mappingOptions(), Now: a.now, ObserveRule: a.Metrics.ObserveRule,
		Engine: &reconcile.Engine{Store: a.Store, Rules: a.Rules.Rules, Access: a.Rules.Access, Log: a.Log},
	}
}

// ScheduledJobs is the daemon's job catalogue: a sync per enabled connector (which
// triggers reconcile when it brought records), reconcile, retention, report and
// notify, on the configured schedules.
func (a *App) ScheduledJobs() ([]jobs.Job, error) {
	sched := a.Config.Schedules
	var out []jobs.Job
	for _, c := range a.Connectors {
		job := a.syncJob([]connectors.Connector{c}, sched.Spread.Std())
		out = append(out, jobs.Job{
			Name: "sync:" + c.Name(), Schedule: a.Config.SyncSchedule(c.Name()).Cron(), Then: "reconcile",
			Run: func(ctx context.Context) (jobs.Counts, error) {
				_, counts, err := job.Run(ctx)
				a.warnMetric(a.updateCoverageGauge(ctx), "coverage")
				return counts, err
			},
		})
	}
	reconcileJob := a.reconcileJob()
	out = append(out, jobs.Job{
		Name: "reconcile", Schedule: sched.Reconcile.Cron(),
		Run: func(ctx context.Context) (jobs.Counts, error) {
			_, counts, err := reconcileJob.Run(ctx)
			a.warnMetric(a.updateFindingGauge(ctx), "open findings")
			return counts, err
		},
	})
	retention := a.retentionJob()
	out = append(out, jobs.Job{
		Name: "retention", Schedule: sched.Retention.Cron(),
		Run: func(ctx context.Context) (jobs.Counts, error) {
			_, counts, err := retention.Run(ctx)
			return counts, err
		},
	})
	reportJob := a.ReportJob()
	if name := a.Config.Report.Receiver; name != "" {
		p, err := a.Notifier()
		if err != nil {
			return nil, err
		}
		reportJob.Mailer = &jobs.NotifyMailer{Pipeline: p, Receiver: name}
	}
	// A report job that never ran waits for its slot: at a first start there is no
	// watched month to report on.
	out = append(out, jobs.Job{Name: "report", Schedule: sched.Report.Cron(), Run: reportJob.Run, FirstAtSlot: true})
	notifier, err := a.Notifier()
	if err != nil {
		return nil, err
	}
	out = append(out, jobs.Job{
		Name: "notify", Schedule: sched.Notify.Cron(),
		Run: func(ctx context.Context) (jobs.Counts, error) {
			r, err := notifier.Run(ctx)
			if err == nil {
				a.Metrics.SetReceivers(receiverStates(notifier, r.Failing))
			}
			return notifyCounts(r), err
		},
	})
	return out, nil
}

// ReportJob renders, archives and e-mails the monthly customer reports.
func (a *App) ReportJob() *jobs.ReportJob {
	return &jobs.ReportJob{Store: a.Store, Config: a.Config, Rules: a.Rules, Now: a.now, Log: a.Log}
}

// Notifier builds the alert pipeline of the [notify] section; its bodies are sealed
// with seal.key.
func (a *App) Notifier() (*notify.Pipeline, error) {
	var sealer store.Sealer
	if !a.Config.Seal.Key.IsZero() {
		keyring, err := seal.FromConfig(a.Config.Seal)
		if err != nil {
			return nil, err
		}
		sealer = keyring
	}
	deps := notify.Deps{Client: &http.Client{Timeout: a.Config.Notify.Timeout.Std()}, Redactor: a.redactor}
	return notify.FromConfig(a.Config.Notify, a.Store, sealer, receivers.Builders(), deps, a.Log, a.now)
}

// Notify runs the alert pipeline once and records the run.
func (a *App) Notify(ctx context.Context) (notify.Result, error) {
	p, err := a.Notifier()
	if err != nil {
		return notify.Result{}, err
	}
	var res notify.Result
	err = a.runner.Run(ctx, "notify", "all", func(ctx context.Context) (jobs.Counts, error) {
		r, err := p.Run(ctx)
		res = r
		return notifyCounts(r), err
	})
	return res, err
}

func notifyCounts(r notify.Result) jobs.Counts {
	waiting := 0
	for _, w := range r.Waiting {
		waiting += w.Findings
	}
	return jobs.Counts{"enqueued": r.Enqueued, "held": r.Held, "sent": r.Sent, "retrying": r.Retrying, "failed": r.Failed,
		"waiting": waiting, "receivers_failing": len(r.Failing)}
}

// Runner returns the run recorder, for the scheduler.
func (a *App) Runner() *jobs.Runner { return a.runner }

func scopeName(only string) string {
	if only == "" {
		return "all"
	}
	return only
}
