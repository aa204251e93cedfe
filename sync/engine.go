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
	"reflect"
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
	var g errgroup.Group
	g.SetLimit(max(e.Concurrency, 1))
	for i, scope := range scopes {
		key := store.StreamKey{Connector: connector, Stream: s.Name(), Scope: scope.ID}
		g.Go(func() error {
			var cause error
			if !e.waitSpread(ctx, key) {
				cause = ctx.Err()
				results[i] = Result{Key: key, Outcome: vocab.OutcomeCancelled, Err: fmt.Errorf("%s: %w", key, cause)}
			} else {
				results[i], cause = e.pull(ctx, key, s, scope)
			}
			e.progress().ScopeDone(connector, s.Name(), scope.ID, scope.Name, string(results[i].Outcome), cause)
			return nil // a failing scope never stops the others
		})
	}
	_ = g.Wait()
	return results
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

// pull runs one stream for one scope from its checkpoint and records its coverage.
// cause is the pull's failure, which res.Err wraps with the key.
func (e *Engine) pull(ctx context.Context, key store.StreamKey, s connectors.Stream, scope connectors.Scope) (res Result, cause error) {
	res.Key = key
	started := e.now()
	log := e.Log.With().Str("connector", key.Connector).Str("stream", key.Stream).Str("scope", key.Scope).Logger()
	var stats pullStats
	defer func() { e.recordCoverage(ctx, started, &res, stats) }()

	cp, err := e.Store.Checkpoint(ctx, key)
	if err != nil {
		res.Err, res.Outcome = err, outcome(ctx, err)
		return res, err
	}
	// A snapshot pull keeps the time it began with its cursor; a resumed pull keeps
	// the start of the pull it resumes, so the final sweep counts what the
	// interrupted part saw.
	var pullStart *time.Time
	if s.Mode() == connectors.Snapshot {
		ps := started
		if cp.Cursor != "" && cp.PullStartedAt != nil {
			ps = cp.PullStartedAt.UTC()
		}
		pullStart = &ps
	}
	sink := newBatchSink(e, key, log, pullStart)
	next, err := runPull(ctx, s, scope, connectors.Cursor(cp.Cursor), sink, log)
	stats = pullStats{pages: sink.pages, warnings: sink.warnings, window: sink.window}
	res.Records = sink.committed
	if err == nil {
		if pullStart != nil {
			res.Removed, err = e.Store.CompleteSnapshot(context.WithoutCancel(ctx), key, *pullStart, string(next))
			if errors.Is(err, store.ErrSnapshotHeldBack) {
				// Complete, and checkpointed: only the sweep for removed rows was held back.
				log.Warn().Err(err).Msg("snapshot complete; no row marked removed, since a quarantined record may be any of them")
				stats.warnings++
				err = nil
			}
		} else {
			err = e.Store.SaveCursor(context.WithoutCancel(ctx), key, string(next))
		}
	}
	res.Outcome = outcome(ctx, err)
	if err != nil {
		res.Err = fmt.Errorf("%s: %w", key, err)
		log.Warn().Err(err).Str("outcome", string(res.Outcome)).Int("records", res.Records).Msg("pull failed")
		return res, err
	}
	log.Info().Int("records", res.Records).Int("removed", res.Removed).Msg("pull complete")
	return res, nil
}

// runPull calls the stream's Pull, turning a panic into an error, and then commits
// what the sink still holds: pages the stream handed over are whole pages with their
// cursors, so they are kept even when the pull failed later, and the next pull
// resumes after them.
func runPull(ctx context.Context, s connectors.Stream, scope connectors.Scope, from connectors.Cursor, sink *batchSink, log zerolog.Logger) (next connectors.Cursor, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error().Bytes("stack", debug.Stack()).Msgf("stream panicked: %v", p)
			err = fmt.Errorf("panic: %v", p)
		}
		if cerr := sink.close(); cerr != nil && err == nil {
			err = cerr
		}
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

func (e *Engine) recordCoverage(ctx context.Context, started time.Time, res *Result, stats pullStats) {
	key := res.Key
	if e.Observer != nil {
		e.Observer.ObservePull(key.Connector, key.Stream, string(res.Outcome), res.Records, e.now().Sub(started))
	}
	cov := &store.Coverage{
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
	if err := e.Store.RecordCoverage(context.WithoutCancel(ctx), cov); err != nil {
		e.Log.Error().Err(err).Str("key", key.String()).Msg("recording coverage")
	}
}

// batchSink buffers pages until a batch is full, then hands the records with the
// cursor of the last buffered page to a writer goroutine that commits them in one
// transaction. The stream decodes the next page while the writer commits the last
// batch; batches commit in order, and at most one waits while another is written.
// A window the stream reports covered travels with the batch of the pages buffered
// then (or alone, when none is) and counts once every page handed over before the
// report is committed.
type batchSink struct {
	engine *Engine
	key    store.StreamKey
	log    zerolog.Logger
	// pullStarted is committed with every cursor of a snapshot pull.
	pullStarted *time.Time

	mu       stdsync.Mutex
	buffered []record.Record
	index    map[bufferedKey]int // position of each buffered record
	cursor   connectors.Cursor
	pending  bool
	covered  span // reported since the last hand-off
	pages    int
	warnings int

	batches   chan batch
	done      chan struct{}
	committed int   // written by the writer; read after done is closed
	window    span  // written by the writer; read after done is closed
	writeErr  error // the writer's first error, under mu
}

// bufferedKey identifies a buffered record: its type and its (source, source id).
type bufferedKey struct {
	typ reflect.Type
	key record.Key
}

// batch is what the writer commits: a page of records with its cursor (none when
// only a window was reported since the last batch), and the window that counts once
// it is committed.
type batch struct {
	page    *store.Page
	covered span
}

func newBatchSink(e *Engine, key store.StreamKey, log zerolog.Logger, pullStarted *time.Time) *batchSink {
	b := &batchSink{
		engine: e, key: key, log: log, pullStarted: pullStarted,
		batches: make(chan batch, 1), done: make(chan struct{}),
	}
	go b.write()
	return b
}

// write commits batches in order until the channel closes. After a failure it
// commits nothing more, so no later cursor can skip the failed batch.
func (b *batchSink) write() {
	defer close(b.done)
	for bt := range b.batches {
		if b.err() != nil {
			continue
		}
		if p := bt.page; p != nil {
			// A batch the sink accepted commits even when the run is being stopped: it
			// lands with its cursor, and the stream sees the cancellation next.
			if err := b.engine.Store.CommitPage(context.Background(), *p); err != nil {
				b.mu.Lock()
				b.writeErr = err
				b.mu.Unlock()
				continue
			}
			b.committed += len(p.Records)
			b.engine.progress().Committed(b.key.Connector, len(p.Records))
		}
		b.window.add(bt.covered)
	}
}

func (b *batchSink) err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writeErr
}

// Page implements connectors.Sink.
func (b *batchSink) Page(_ context.Context, records []record.Record, next connectors.Cursor) error {
	if err := b.err(); err != nil {
		return err
	}
	b.quarantined(records)
	b.mu.Lock()
	for _, r := range records {
		// A record handed over again before its batch commits (a vendor page that
		// repeats an earlier one) replaces the buffered one: one upsert may not
		// touch a row twice (PostgreSQL refuses it).
		k := bufferedKey{reflect.TypeOf(r), r.RecordKey()}
		if i, ok := b.index[k]; ok {
			b.buffered[i] = r
			continue
		}
		if b.index == nil {
			b.index = map[bufferedKey]int{}
		}
		b.index[k] = len(b.buffered)
		b.buffered = append(b.buffered, r)
	}
	b.cursor = next
	b.pending = true
	b.pages++
	full := len(b.buffered) >= max(b.engine.BatchSize, 1)
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
			b.mu.Lock()
			b.warnings++
			b.mu.Unlock()
			b.log.Warn().Str("kind", q.Kind).Str("source_id", q.SourceID).Str("page", q.Page).Str("error", q.Err).
				Msg("record quarantined: it does not decode")
		}
	}
}

// Warn implements connectors.Sink.
func (b *batchSink) Warn(err error) {
	b.mu.Lock()
	b.warnings++
	b.mu.Unlock()
	b.log.Warn().Err(err).Msg("record skipped")
}

// Covered implements connectors.Sink. A window whose pages all went to the writer
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
// since the last hand-off, to the writer.
func (b *batchSink) handOff() {
	b.mu.Lock()
	bt := batch{covered: b.covered}
	if b.pending {
		bt.page = &store.Page{
			Key: b.key, Records: b.buffered, Cursor: string(b.cursor),
			PullStartedAt: b.pullStarted, SeenAt: b.engine.now(),
		}
	}
	b.buffered, b.index, b.pending, b.covered = nil, nil, false, span{}
	b.mu.Unlock()
	if bt.page != nil || !bt.covered.from.IsZero() {
		b.batches <- bt
	}
}

// close commits what is still buffered, waits for the writer and returns its first
// error. It must be called once, after the stream's Pull returned.
func (b *batchSink) close() error {
	b.handOff()
	close(b.batches)
	<-b.done
	return b.err()
}
