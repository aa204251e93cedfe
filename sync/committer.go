package sync

import (
	"context"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

// pull is one scope's pull of a stream, as the committer sees it.
type pull struct {
	key       store.StreamKey
	scopeName string
	log       zerolog.Logger
	started   time.Time
	// pullStart is when the snapshot pull began (kept with every cursor); nil for an
	// incremental stream.
	pullStart *time.Time
	// emits are the kinds of record the stream hands over; none when it does not say.
	emits []record.Record
	// result is where the committer puts the pull's result once its end is written.
	result *Result

	mu       stdsync.Mutex
	pages    int
	warnings int
	// failed is the pull's first failed commit: nothing of it is committed after.
	failed error

	// Written by the committer alone.
	committed int
	window    span
}

// count adds pages handed over and warnings.
func (p *pull) count(pages, warnings int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pages += pages
	p.warnings += warnings
}

// failure returns the pull's first failed commit, nil when none failed.
func (p *pull) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

func (p *pull) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
}

func (p *pull) stats() pullStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return pullStats{pages: p.pages, warnings: p.warnings, window: p.window}
}

// item is what a pull hands the committer: a page with its cursor and the windows
// reported before it, windows alone, or the pull's end.
type item struct {
	pull    *pull
	page    *store.Page
	covered span
	end     *pullEnd
}

// pullEnd is how a pull's Pull returned: the cursor the next pull starts from, or
// its failure.
type pullEnd struct {
	next connectors.Cursor
	err  error
}

func (it item) records() int {
	if it.page == nil {
		return 0
	}
	return len(it.page.Records)
}

// committer writes what the pulls of one stream hand over, the items of several
// pulls in one transaction of about the engine's BatchSize records: a run over
// hundreds of small customers commits hundreds of records at a time, not a
// transaction per customer. Each pull's items commit in the order it handed them
// over, its cursor with its own records, so that a crash resumes every scope after
// its last committed page. A transaction that fails is retried pull by pull, so
// that one pull's failure fails no other; a pull whose commit failed commits
// nothing more. At most about one batch waits while another is written.
type committer struct {
	ctx    context.Context // the run's, for classifying how pulls ended
	engine *Engine
	done   chan struct{}

	mu      stdsync.Mutex
	changed *stdsync.Cond
	queue   []item
	queued  int // records in queue
	closed  bool
}

func newCommitter(ctx context.Context, e *Engine) *committer {
	c := &committer{ctx: ctx, engine: e, done: make(chan struct{})}
	c.changed = stdsync.NewCond(&c.mu)
	go c.run()
	return c
}

// add queues an item, waiting while a batch is already queued.
func (c *committer) add(it item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.queued > 0 && c.queued+it.records() > c.engine.batchSize() {
		c.changed.Wait()
	}
	c.queue = append(c.queue, it)
	c.queued += it.records()
	c.changed.Broadcast()
}

// close waits until everything added is written.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.changed.Broadcast()
	c.mu.Unlock()
	<-c.done
}

// take returns the next batch of queued items, about BatchSize records and at least
// one item, waiting for one; false once closed and empty.
func (c *committer) take() ([]item, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.queue) == 0 && !c.closed {
		c.changed.Wait()
	}
	if len(c.queue) == 0 {
		return nil, false
	}
	n, records := 0, 0
	for n < len(c.queue) && (n == 0 || records+c.queue[n].records() <= c.engine.batchSize()) {
		records += c.queue[n].records()
		n++
	}
	items := c.queue[:n:n]
	c.queue = c.queue[n:]
	c.queued -= records
	c.changed.Broadcast()
	return items, true
}

func (c *committer) run() {
	defer close(c.done)
	for {
		items, ok := c.take()
		if !ok {
			return
		}
		c.write(items)
	}
}

// write commits items in one transaction. When that fails, each pull's items are
// committed alone and, when that fails too, one by one: the pull fails at the item
// that does not commit, and its pages before it are kept.
func (c *committer) write(items []item) {
	if c.commit(items) == nil {
		return
	}
	groups := byPull(items)
	for _, g := range groups {
		if len(groups) > 1 && c.commit(g) == nil {
			continue
		}
		for i, it := range g {
			if err := c.commit([]item{it}); err != nil {
				c.failed(g[i:], err)
				break
			}
		}
	}
}

// failed settles the items of one pull whose commit failed with err: the pull
// commits nothing more, and its end, when among the items, records the failure.
func (c *committer) failed(items []item, err error) {
	p := items[0].pull
	p.fail(err)
	for _, it := range items {
		if it.end == nil {
			continue
		}
		if err := c.commit([]item{it}); err != nil {
			c.engine.Log.Error().Err(err).Str("key", p.key.String()).Msg("recording coverage")
			c.settle(c.ending(it, 0, span{}), store.Completed{})
		}
	}
}

// byPull splits items by pull, keeping each pull's order.
func byPull(items []item) [][]item {
	var groups [][]item
	at := map[*pull]int{}
	for _, it := range items {
		i, ok := at[it.pull]
		if !ok {
			i = len(groups)
			at[it.pull] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], it)
	}
	return groups
}

// commit writes items in one transaction and, when it succeeded, settles them. The
// items of a pull that failed before are left out; the end of such a pull, or of
// one whose Pull failed, writes only its coverage.
func (c *committer) commit(items []item) error {
	var (
		b       store.Batch
		endings []ending
		// records and windows of this batch, by pull, for the coverage of an end in it
		records = map[*pull]int{}
		windows = map[*pull]span{}
	)
	for _, it := range items {
		p := it.pull
		if p.failure() != nil && it.end == nil {
			continue
		}
		if it.page != nil {
			b.Pages = append(b.Pages, *it.page)
			records[p] += len(it.page.Records)
		}
		w := windows[p]
		w.add(it.covered)
		windows[p] = w
		if it.end == nil {
			continue
		}
		e := c.ending(it, records[p], windows[p])
		if e.res.Err != nil {
			b.Coverage = append(b.Coverage, e.coverage)
		} else {
			e.completion = len(b.Completions)
			b.Completions = append(b.Completions, store.Completion{
				Key: p.key, Next: string(it.end.next), PullStartedAt: p.pullStart, Records: p.emits, Coverage: &e.coverage,
			})
		}
		endings = append(endings, e)
	}
	var done []store.Completed
	if len(b.Pages) > 0 || len(b.Completions) > 0 || len(b.Coverage) > 0 {
		var err error
		if done, err = c.engine.Store.CommitBatch(context.WithoutCancel(c.ctx), b); err != nil {
			return err
		}
	}
	for p, w := range windows {
		p.mu.Lock()
		p.window.add(w)
		p.mu.Unlock()
	}
	for _, it := range items {
		if it.page != nil && it.pull.failure() == nil {
			it.pull.committed += len(it.page.Records)
			c.engine.progress().Committed(it.pull.key.Connector, len(it.page.Records))
		}
	}
	for _, e := range endings {
		var d store.Completed
		if e.completion >= 0 {
			d = done[e.completion]
		}
		c.settle(e, d)
	}
	return nil
}

// ending is a pull's end as a batch writes it: its result and coverage row, and the
// index of its completion in the batch (-1: none, the pull failed).
type ending struct {
	pull *pull
	res  Result
	// cause is the pull's failure, which res.Err wraps with the key.
	cause      error
	coverage   store.Coverage
	completion int
}

// ending builds the end of it's pull, with records and window committed in the same
// batch before it.
func (c *committer) ending(it item, records int, window span) ending {
	p := it.pull
	e := ending{pull: p, res: Result{Key: p.key, Records: p.committed + records}, completion: -1}
	stats := p.stats()
	stats.window.add(window)
	e.cause = it.end.err
	if e.cause == nil {
		e.cause = p.failure()
	}
	e.res.Outcome = outcome(c.ctx, e.cause)
	if e.cause != nil {
		e.res.Err = fmt.Errorf("%s: %w", p.key, e.cause)
	}
	e.coverage = c.engine.coverage(p.started, &e.res, stats)
	return e
}

// settle gives a written end its result, and tells the Observer, the Progress and
// the log.
func (c *committer) settle(e ending, done store.Completed) {
	p, res := e.pull, e.res
	res.Removed = done.Removed
	if o := c.engine.Observer; o != nil {
		o.ObservePull(p.key.Connector, p.key.Stream, string(res.Outcome), res.Records, e.coverage.FinishedAt.Sub(p.started))
	}
	*p.result = res
	if res.Err != nil {
		p.log.Warn().Err(e.cause).Str("outcome", string(res.Outcome)).Int("records", res.Records).Msg("pull failed")
	} else {
		if done.HeldBack != nil {
			p.log.Warn().Err(done.HeldBack).Msg("snapshot complete; no row marked removed, since a quarantined record may be any of them")
		}
		p.log.Info().Int("records", res.Records).Int("removed", res.Removed).Msg("pull complete")
	}
	c.engine.progress().ScopeDone(p.key.Connector, p.key.Stream, p.key.Scope, p.scopeName, string(res.Outcome), e.cause)
}
