// Package sync runs connector streams into the store: it pulls each scope from its
// checkpoint, commits records in batches together with the cursor that resumes after
// them, and writes a coverage row for every pull, so that a failed or interrupted pull
// resumes without gaps or duplicates and is never mistaken for "no data".
package sync

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	stdsync "sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Engine pulls streams into the store.
type Engine struct {
	Store *store.Store
	Log   zerolog.Logger
	// BatchSize is the number of records committed together with their cursor.
	BatchSize int
	// Concurrency bounds how many scopes of one stream are pulled at once.
	Concurrency int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Observer, when set, is told about every pull (metrics).
	Observer Observer
	// Progress, when set, is told how each run goes as it goes.
	Progress Progress
	// ScopeSpread delays each scope's pull by a fixed amount derived from its
	// connector, stream and scope, up to ScopeSpread, so that hundreds of tenants do
	// not all start at the same second. Zero starts every scope at once.
	ScopeSpread time.Duration
}

// Observer is told how each pull went.
type Observer interface {
	ObservePull(connector, stream, outcome string, records int, d time.Duration)
}

// Progress is told how a run goes while it runs: the scopes each stream will pull,
// each scope pulled and the records committed. progress.Tracker implements it.
type Progress interface {
	// Begin and End bracket the run of one connector's streams.
	Begin(connector string)
	End(connector string)
	ScopesListed(connector, stream string, n int)
	Committed(connector string, records int)
	// ScopeDone is told each pull's end: err is its failure without the key that
	// Result.Err names it by, nil when it succeeded.
	ScopeDone(connector, stream, scope, scopeName, outcome string, err error)
}

// noProgress is the Progress of an engine that has none.
type noProgress struct{}

func (noProgress) Begin(string)                                            {}
func (noProgress) End(string)                                              {}
func (noProgress) ScopesListed(string, string, int)                        {}
func (noProgress) Committed(string, int)                                   {}
func (noProgress) ScopeDone(string, string, string, string, string, error) {}

func (e *Engine) progress() Progress {
	if e.Progress == nil {
		return noProgress{}
	}
	return e.Progress
}

// Result is the outcome of one pull of one stream for one scope.
type Result struct {
	Key     store.StreamKey
	Outcome vocab.Outcome
	Records int
	Removed int
	Err     error
}

// RunAll pulls each connector in turn, as Run does. A connector that fails does not
// stop the next; the error joins every failure.
func (e *Engine) RunAll(ctx context.Context, conns []connectors.Connector) ([]Result, error) {
	var (
		results []Result
		errs    []error
	)
	for _, c := range conns {
		rs, err := e.Run(ctx, c)
		results = append(results, rs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}

// Run pulls every stream of the connector, one stream after the other (a later stream
// may depend on records of an earlier one) and the scopes of each stream concurrently.
// One scope's failure never stops the others: every failure is in the results, and
// the returned error joins them.
func (e *Engine) Run(ctx context.Context, c connectors.Connector) ([]Result, error) {
	var (
		results []Result
		errs    []error
	)
	e.progress().Begin(c.Name())
	defer e.progress().End(c.Name())
	for _, s := range c.Streams() {
		rs := e.RunStream(ctx, c.Name(), s)
		for _, r := range rs {
			// A scope without the licence a stream needs is a state recorded in its
			// coverage, not a failure of the run.
			if r.Err != nil && r.Outcome != vocab.OutcomeNotLicensed {
				errs = append(errs, r.Err)
			}
		}
		results = append(results, rs...)
	}
	return results, errors.Join(errs...)
}

// AllScopes is the scope of a stream's result when its scopes could not be listed.
const AllScopes = "*"

// RunStream pulls one stream for each of its scopes.
func (e *Engine) RunStream(ctx context.Context, connector string, s connectors.Stream) []Result {
	scopes, err := e.scopes(ctx, s)
	if err != nil {
		res := Result{Key: store.StreamKey{Connector: connector, Stream: s.Name(), Scope: AllScopes}}
		res.Err = fmt.Errorf("%s/%s: listing scopes: %w", connector, s.Name(), err)
		res.Outcome = connectors.Classify(err)
		e.recordCoverage(ctx, e.now(), &res, pullStats{})
		e.progress().ScopesListed(connector, s.Name(), 1)
		e.progress().ScopeDone(connector, s.Name(), AllScopes, "listing scopes", string(res.Outcome), fmt.Errorf("listing scopes: %w", err))
		return []Result{res}
	}
	e.progress().ScopesListed(connector, s.Name(), len(scopes))
	results := make([]Result, len(scopes))
	// A fresh snapshot pull of any scope sweeps the rows seen before the run began:
	// the pulls of a stream that began with the run are swept together.
	run := streamRun{started: e.now(), emits: emits(s)}
	run.checkpoints, run.checkpointsErr = e.Store.Checkpoints(ctx, connector, s.Name())
	c := newCommitter(ctx, e)
	var g errgroup.Group
	g.SetLimit(max(e.Concurrency, 1))
	for i, scope := range scopes {
		key := store.StreamKey{Connector: connector, Stream: s.Name(), Scope: scope.ID}
		g.Go(func() error {
			if !e.waitSpread(ctx, key) {
				cause := ctx.Err()
				results[i] = Result{Key: key, Outcome: vocab.OutcomeCancelled, Err: fmt.Errorf("%s: %w", key, cause)}
				e.progress().ScopeDone(connector, s.Name(), scope.ID, scope.Name, string(results[i].Outcome), cause)
				return nil
			}
			// The pull hands its pages and its end to the committer and returns: the
			// next scope starts while they are written, and the committer settles
			// results[i] once the end is committed.
			e.pull(ctx, c, &run, &pull{key: key, scopeName: scope.Name, emits: run.emits, result: &results[i]}, s, scope)
			return nil // a failing scope never stops the others
		})
	}
	_ = g.Wait()
	c.close()
	return results
}

// emits returns the kinds of record a stream says it hands over; none when it does
// not say.
func emits(s connectors.Stream) []record.Record {
	if em, ok := s.(connectors.Emitter); ok {
		return em.Emits()
	}
	return nil
}

// ScopeOffset is the fixed delay of a scope's pull within spread.
func ScopeOffset(key store.StreamKey, spread time.Duration) time.Duration {
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key.String()))
	return time.Duration(h.Sum64() % uint64(spread))
}

// waitSpread waits for the scope's offset; false when ctx ended first.
func (e *Engine) waitSpread(ctx context.Context, key store.StreamKey) bool {
	d := ScopeOffset(key, e.ScopeSpread)
	if d == 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// scopes lists a stream's scopes, turning a panic into an error.
func (e *Engine) scopes(ctx context.Context, s connectors.Stream) (scopes []connectors.Scope, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			e.Log.Error().Str("stream", s.Name()).Bytes("stack", debug.Stack()).Msg("stream panicked listing scopes")
		}
	}()
	return s.Scopes(ctx)
}

func (e *Engine) now() time.Time {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	// Both databases keep microseconds; compare and store nothing finer.
	return now().UTC().Truncate(time.Microsecond)
}

// streamRun is what the pulls of one run of a stream share.
type streamRun struct {
	// started is when the run began, which fresh snapshot pulls keep as their start.
	started time.Time
	// emits are the kinds of record the stream says it hands over.
	emits []record.Record
	// checkpoints are where each scope resumes, read once for the run.
	checkpoints    map[string]store.Checkpoint
	checkpointsErr error
}

// pull runs one stream for one scope from its checkpoint: it hands the pages and
// then the pull's end to the committer, which writes them and the pull's coverage.
func (e *Engine) pull(ctx context.Context, c *committer, run *streamRun, p *pull, s connectors.Stream, scope connectors.Scope) {
	p.started = e.now()
	p.log = e.Log.With().Str("connector", p.key.Connector).Str("stream", p.key.Stream).Str("scope", p.key.Scope).Logger()
	if run.checkpointsErr != nil {
		c.add(item{pull: p, end: &pullEnd{err: run.checkpointsErr}})
		return
	}
	cp := run.checkpoints[p.key.Scope]
	// A snapshot pull keeps the time it began with its cursor; a resumed pull keeps
	// the start of the pull it resumes, so the final sweep counts what the
	// interrupted part saw.
	if s.Mode() == connectors.Snapshot {
		ps := run.started
		if cp.Cursor != "" && cp.PullStartedAt != nil {
			ps = cp.PullStartedAt.UTC()
		}
		p.pullStart = &ps
	}
	sink := &batchSink{engine: e, committer: c, pull: p}
	next, err := runPull(ctx, s, scope, connectors.Cursor(cp.Cursor), sink, p.log)
	c.add(item{pull: p, end: &pullEnd{next: next, err: err}})
}

// runPull calls the stream's Pull, turning a panic into an error, and then hands
// over what the sink still holds: pages the stream handed over are whole pages with
// their cursors, so they are kept even when the pull failed later, and the next pull
// resumes after them.
func runPull(ctx context.Context, s connectors.Stream, scope connectors.Scope, from connectors.Cursor, sink *batchSink, log zerolog.Logger) (next connectors.Cursor, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error().Bytes("stack", debug.Stack()).Msgf("stream panicked: %v", p)
			err = fmt.Errorf("panic: %v", p)
		}
		sink.handOff()
	}()
	return s.Pull(ctx, scope, from, sink)
}

// outcome classifies how a pull ended; any failure after the run was stopped counts
// as cancelled, whatever error the stopping caused.
func outcome(ctx context.Context, err error) vocab.Outcome {
	if err != nil && ctx.Err() != nil {
		return vocab.OutcomeCancelled
	}
	return connectors.Classify(err)
}

// pullStats is what a pull's coverage row records besides its result.
type pullStats struct {
	pages, warnings int
	// window spans the windows the stream reported covered and the engine committed.
	window span
}

// span is a stretch of time; the zero span is none.
type span struct{ from, to time.Time }

// add widens s to take in [from, to].
func (s *span) add(o span) {
	if o.from.IsZero() || o.to.Before(o.from) {
		return
	}
	if s.from.IsZero() || o.from.Before(s.from) {
		s.from = o.from
	}
	if o.to.After(s.to) {
		s.to = o.to
	}
}

// recordCoverage records the coverage of a pull that never started (its stream's
// scopes could not be listed).
func (e *Engine) recordCoverage(ctx context.Context, started time.Time, res *Result, stats pullStats) {
	cov := e.coverage(started, res, stats)
	if e.Observer != nil {
		e.Observer.ObservePull(res.Key.Connector, res.Key.Stream, string(res.Outcome), res.Records, cov.FinishedAt.Sub(started))
	}
	if err := e.Store.RecordCoverage(context.WithoutCancel(ctx), &cov); err != nil {
		e.Log.Error().Err(err).Str("key", res.Key.String()).Msg("recording coverage")
	}
}

// coverage is the coverage row of a pull that began at started and ended with res
// now.
func (e *Engine) coverage(started time.Time, res *Result, stats pullStats) store.Coverage {
	key := res.Key
	cov := store.Coverage{
		Connector: key.Connector, Stream: key.Stream, Scope: key.Scope,
		StartedAt: started, FinishedAt: e.now(), Outcome: res.Outcome,
		Records: res.Records, Pages: stats.pages, Removed: res.Removed, Warnings: stats.warnings,
	}
	if w := stats.window; !w.from.IsZero() {
		// Both databases keep microseconds.
		from, to := w.from.UTC().Truncate(time.Microsecond), w.to.UTC().Truncate(time.Microsecond)
		cov.WindowStart, cov.WindowEnd = &from, &to
	}
	if res.Err != nil {
		cov.Error = res.Err.Error()
	}
	return cov
}

// batchSink buffers a pull's pages until a batch is full, then hands the records
// with the cursor of the last buffered page to the committer. The stream decodes the
// next page while the committer writes. A window the stream reports covered travels
// with the batch of the pages buffered then (or alone, when none is) and counts once
// every page handed over before the report is committed.
type batchSink struct {
	engine    *Engine
	committer *committer
	pull      *pull

	mu       stdsync.Mutex
	buffered []record.Record
	cursor   connectors.Cursor
	pending  bool
	covered  span // reported since the last hand-off
}

// Page implements connectors.Sink.
func (b *batchSink) Page(_ context.Context, records []record.Record, next connectors.Cursor) error {
	if err := b.pull.failure(); err != nil {
		return err
	}
	b.quarantined(records)
	b.mu.Lock()
	// A record handed over again before its batch commits (a vendor page that
	// repeats an earlier one) is written once, the later one winning (the store's).
	b.buffered = append(b.buffered, records...)
	b.cursor = next
	b.pending = true
	b.pull.count(1, 0)
	full := len(b.buffered) >= b.engine.batchSize()
	b.mu.Unlock()
	if full {
		b.handOff()
	}
	return nil
}

// quarantined logs each quarantined record of a page, which counts as a warning of
// the pull: it is stored as a row, not skipped.
func (b *batchSink) quarantined(records []record.Record) {
	for _, r := range records {
		if q, ok := r.(*record.Quarantined); ok {
			b.pull.count(0, 1)
			b.pull.log.Warn().Str("kind", q.Kind).Str("source_id", q.SourceID).Str("page", q.Page).Str("error", q.Err).
				Msg("record quarantined: it does not decode")
		}
	}
}

// Warn implements connectors.Sink.
func (b *batchSink) Warn(err error) {
	b.pull.count(0, 1)
	b.pull.log.Warn().Err(err).Msg("record skipped")
}

// Covered implements connectors.Sink. A window whose pages all went to the committer
// follows them at once, so that it does not wait for, and fail with, a later batch.
func (b *batchSink) Covered(from, to time.Time) {
	b.mu.Lock()
	b.covered.add(span{from, to})
	alone := !b.pending
	b.mu.Unlock()
	if alone {
		b.handOff()
	}
}

// handOff passes the buffered records and their cursor, and the windows reported
// since the last hand-off, to the committer.
func (b *batchSink) handOff() {
	b.mu.Lock()
	it := item{pull: b.pull, covered: b.covered}
	if b.pending {
		it.page = &store.Page{
			Key: b.pull.key, Records: b.buffered, Cursor: string(b.cursor),
			PullStartedAt: b.pull.pullStart, SeenAt: b.engine.now(),
		}
	}
	b.buffered, b.pending, b.covered = nil, false, span{}
	b.mu.Unlock()
	if it.page != nil || !it.covered.from.IsZero() {
		b.committer.add(it)
	}
}

func (e *Engine) batchSize() int { return max(e.BatchSize, 1) }
