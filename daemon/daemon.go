// Package daemon runs Custos as a service: it opens the configured store and
// connectors, sets the metrics from the store, schedules the jobs (those that missed
// a slot run at once), logs the progress of running syncs, reloads the configuration
// on request, and stops taking work on shutdown while the batch in flight commits
// with its cursor.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/metrics"
	"github.com/custos-msp/custos/preflight"
	"github.com/custos-msp/custos/progress"
	"github.com/custos-msp/custos/web"
)

// Options are what the caller adds to the configuration file.
type Options struct {
	ConfigPath string
	Version    string
	LogOutput  io.Writer
	// Holder names this replica in job leases; hostname and process id by default.
	Holder string
	// Metrics is created by Run when nil and kept across reloads.
	Metrics *metrics.Metrics
}

// Run starts Custos and returns when ctx ends, once the work in flight has stopped
// or daemon.shutdown_timeout has passed. Each signal on reload re-reads the
// configuration file: a file that fails to load is refused and the running
// configuration kept.
func Run(ctx context.Context, opts Options, reload <-chan struct{}) error {
	if opts.Holder == "" {
		host, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	cfg, err := app.LoadConfig(opts.ConfigPath, preflight.Check)
	if err != nil {
		return err
	}
	inst, err := start(ctx, cfg, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting (waiting for the schema lock, say): a clean stop
		}
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return inst.stop()
		case <-reload:
			next, err := app.LoadConfig(opts.ConfigPath, preflight.Check)
			if err != nil {
				inst.log.Error().Err(err).Msg("configuration refused; the running one is kept")
				continue
			}
			if err := inst.stop(); err != nil {
				inst.log.Warn().Err(err).Msg("stopping for reload")
			}
			replacement, err := start(ctx, next, opts)
			if err != nil {
				inst.log.Error().Err(err).Msg("new configuration failed to start; restarting with the previous one")
				if replacement, err = start(ctx, inst.cfg, opts); err != nil {
					return fmt.Errorf("daemon: restarting with the previous configuration: %w", err)
				}
			}
			inst = replacement
			inst.log.Info().Msg("configuration reloaded")
		}
	}
}

// metricsRefresh is how often a replica sets the metrics that mirror the store (open
// findings, last successes, coverage, failing receivers) from it, so that a replica
// that did not run a job still reports what it did.
const metricsRefresh = time.Minute

// progressLogEvery is how often a running sync logs its progress per connector.
const progressLogEvery = 15 * time.Second

// instance is Custos running with one configuration.
type instance struct {
	cfg   *config.Config
	log   zerolog.Logger
	app   *app.App
	sched *jobs.Scheduler
	web   *web.Server
	// console serves the console and the API when web.listen is set.
	console *Console
	lock    *os.File
	// stopRefresh stops the metrics refresh; refreshed is closed once it stopped.
	stopRefresh context.CancelFunc
	refreshed   chan struct{}
	// stopProgress stops logging the progress of the syncs.
	stopProgress func()
	// scheduled is set once the schedules are loaded; /readyz waits for it.
	scheduled atomic.Bool
}

// ready reports whether the schedules are loaded and the store answers.
func (i *instance) ready(ctx context.Context) error {
	if !i.scheduled.Load() {
		return errors.New("schedules not loaded yet")
	}
	return i.app.Store.Ping(ctx)
}

func start(ctx context.Context, cfg *config.Config, opts Options) (inst *instance, err error) {
	inst = &instance{cfg: cfg}
	if cfg.Store.Driver == "sqlite" {
		lock, err := lockSQLite(cfg.Resolve(cfg.Store.Path))
		if err != nil {
			return nil, err
		}
		inst.lock = lock
		// inst is nil once a failure is returned: release the lock taken here.
		defer func() {
			if inst == nil {
				_ = lock.Close()
			}
		}()
	}
	inst.app, err = app.Open(ctx, cfg, app.Options{Version: opts.Version, LogOutput: opts.LogOutput, Metrics: opts.Metrics})
	if err != nil {
		return nil, err
	}
	inst.log = inst.app.Log
	catalogue, err := inst.app.ScheduledJobs()
	if err != nil {
		_ = inst.app.Close()
		return nil, err
	}
	inst.sched = &jobs.Scheduler{
		Runner: inst.app.Runner(), Store: inst.app.Store, Holder: opts.Holder,
		LeaseTTL: cfg.Daemon.LeaseTTL.Std(), Spread: cfg.Schedules.Spread.Std(), Location: cfg.Schedules.TimeZone.Std(), Log: inst.log,
	}
	for _, j := range catalogue {
		inst.sched.Add(j)
	}
	// Before /metrics answers: its first scrape shows what the store holds.
	if err := inst.app.RefreshMetrics(ctx); err != nil {
		inst.log.Warn().Err(err).Msg("setting the metrics from the store")
	}
	inst.web = web.NewServer(cfg.Daemon.Listen, inst.app.Metrics, inst.ready, inst.log)
	if err := inst.web.Start(); err != nil {
		_ = inst.app.Close()
		return nil, fmt.Errorf("daemon.listen: %w", err)
	}
	if cfg.Web.Listen != "" {
		if inst.console, err = StartConsole(inst.app, ConsoleOptions{}); err != nil {
			_ = inst.web.Shutdown(ctx)
			_ = inst.app.Close()
			return nil, err
		}
	}
	inst.refreshMetrics(ctx)
	inst.stopProgress = progress.Follow(progress.Log{Logger: inst.log, Tracker: inst.app.Progress}, progressLogEvery)
	inst.sched.Start(ctx)
	inst.scheduled.Store(true)
	inst.log.Info().Str("replica", opts.Holder).Str("store", cfg.Store.Driver).Int("jobs", len(catalogue)).
		Str("listen", inst.web.Addr()).Msg("custos started")
	return inst, nil
}

// refreshMetrics sets the metrics from the store every metricsRefresh until stop.
func (i *instance) refreshMetrics(ctx context.Context) {
	ctx, i.stopRefresh = context.WithCancel(ctx)
	i.refreshed = make(chan struct{})
	go func() {
		defer close(i.refreshed)
		tick := time.NewTicker(metricsRefresh)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := i.app.RefreshMetrics(ctx); err != nil && ctx.Err() == nil {
					i.log.Warn().Err(err).Msg("setting the metrics from the store")
				}
			}
		}
	}()
}

// stop lets the runs in flight finish their batch and closes the store.
func (i *instance) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), i.cfg.Daemon.ShutdownTimeout.Std())
	defer cancel()
	i.stopRefresh()
	<-i.refreshed
	err := i.sched.Stop(ctx)
	i.stopProgress()
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("daemon: work still running after daemon.shutdown_timeout (%s)", i.cfg.Daemon.ShutdownTimeout)
	}
	if i.console != nil {
		err = errors.Join(err, i.console.Server.Shutdown(ctx))
	}
	err = errors.Join(err, i.web.Shutdown(ctx), i.app.Close())
	if i.lock != nil {
		err = errors.Join(err, i.lock.Close())
	}
	i.log.Info().Msg("custos stopped")
	return err
}

// lockSQLite takes an exclusive lock beside the SQLite file, so that a second daemon
// on the same file refuses to start instead of fighting the first for it.
func lockSQLite(dbPath string) (*os.File, error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("daemon: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("daemon: another custos daemon already runs on %s (it holds %s); SQLite runs one replica — use PostgreSQL (store.driver = \"postgres\") for several", dbPath, path)
		}
		return nil, fmt.Errorf("daemon: locking %s: %w", path, err)
	}
	return f, nil
}
