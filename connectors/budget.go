package connectors

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/custos-msp/custos/config"
)

// AccountKey is the budget key of a vendor that counts every request of the account
// together (IT Glue, Datto RMM, Autotask, ScreenConnect).
const AccountKey = ""

// Budget is a vendor's request budget, shared by every request that spends it. Each
// key (the whole account, or one customer tenant where the vendor counts per tenant)
// has its own rate limiter and its own pause: a throttling answer to any request of a
// key holds back every request of that key until its Retry-After has passed, not only
// the request that got it. A budget may sit within another: Graph's reports allow 5
// requests per 10 s per tenant and 122 per 10 s across all tenants, so a request
// waits for its tenant's limiter and then for the one of all tenants.
type Budget struct {
	limit  rate.Limit
	burst  int
	parent *Budget

	mu   sync.Mutex
	keys map[string]*keyBudget
}

// keyBudget is one key's limiter and pause.
type keyBudget struct {
	limiter *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

// CatchUpBurst returns the burst for a budget of perSecond under a vendor's
// documented limit: 2 when such a budget stays within the limit in every window
// the vendor counts, and 1 otherwise or when no limit is documented.
//
// A budget of burst 1 lets a request that asks after its turn go at once, but the
// time it was late by is lost: the next turn is a whole turn after it. Requests
// that ask late (the caller was still reading the answer before) slow the pace for
// good, and the stretch measured starts with a request sent at once and ends with
// one its timer woke a little late, so a budget set at 0.9 of a vendor's ceiling
// measures 0.8998 to 0.9000 of it. One request of credit lets the pace catch up: a
// request less than a turn late costs nothing, and a run that starts from a quiet
// budget achieves at least perSecond. In any window it sends at most burst +
// perSecond × window requests, so the credit is given only where 2 + perSecond ×
// window ≤ Requests: at 0.9 of a ceiling, wherever the window holds 20 requests or
// more (every account limit), and not for Graph's 5 reports per 10 s per tenant.
func CatchUpBurst(perSecond float64, limit config.Limit) int {
	if limit.Requests <= 0 || limit.Window <= 0 {
		return 1
	}
	if 2+perSecond*limit.Window.Seconds() <= float64(limit.Requests) {
		return 2
	}
	return 1
}

// NewBudget returns a budget of perSecond requests a second for each key, with burst
// requests allowed at once after a quiet spell (at least 1; see CatchUpBurst).
func NewBudget(perSecond float64, burst int) *Budget {
	return &Budget{limit: rate.Limit(perSecond), burst: max(burst, 1), keys: map[string]*keyBudget{}}
}

// Within makes every request of b also spend parent's account key, and returns b.
func (b *Budget) Within(parent *Budget) *Budget {
	b.parent = parent
	return b
}

func (b *Budget) key(key string) *keyBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.keys[key]
	if !ok {
		k = &keyBudget{limiter: rate.NewLimiter(b.limit, b.burst)}
		b.keys[key] = k
	}
	return k
}

// Pause holds every request of key back for d from now; a pause already set that
// ends later stays.
func (b *Budget) Pause(key string, d time.Duration) {
	if d <= 0 {
		return
	}
	k := b.key(key)
	until := time.Now().Add(d)
	k.mu.Lock()
	if until.After(k.pausedUntil) {
		k.pausedUntil = until
	}
	k.mu.Unlock()
}

// PausedUntil returns when key's current pause ends; the zero time when none was set.
func (b *Budget) PausedUntil(key string) time.Time {
	k := b.key(key)
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pausedUntil
}

// Wait blocks until a request of key may be sent: key's pause is over and the
// limiters of key (and of the budget b sits within) give it a turn. It returns how
// long the request was held by a pause, which is part of the whole wait.
func (b *Budget) Wait(ctx context.Context, key string) (paused time.Duration, err error) {
	k := b.key(key)
	for {
		if d := time.Until(b.PausedUntil(key)); d > 0 {
			paused += d
			if err := Sleep(ctx, d); err != nil {
				return paused, err
			}
			continue
		}
		if err := k.limiter.Wait(ctx); err != nil {
			return paused, err
		}
		// A throttling answer may have come while this request waited for its
		// turn: the turn is spent, and the request waits for the pause.
		if time.Now().Before(b.PausedUntil(key)) {
			continue
		}
		break
	}
	if b.parent != nil {
		p, err := b.parent.Wait(ctx, AccountKey)
		return paused + p, err
	}
	return paused, nil
}

// Sleep waits d, or until ctx ends and then returns its error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BudgetTransport spends a Budget before every attempt of a request and pauses the
// request's key when the answer throttles: 429 (with or without Retry-After) or 503
// with Retry-After.
type BudgetTransport struct {
	Budget *Budget
	Next   http.RoundTripper
	// Key names the budget key a request spends; nil spends the key that the
	// request's context carries (WithBudgetKey), AccountKey by default.
	Key func(*http.Request) string
	// Fallback is the pause after a 429 without Retry-After: the client's shortest
	// wait before a retry.
	Fallback time.Duration
	// MaxPause caps the pause a Retry-After asks for.
	MaxPause time.Duration
	// OnWait, when set, is told about each wait: "retry_after" for the time held by
	// a pause, "rate_limit" for the rest.
	OnWait func(reason string, d time.Duration)
	// OnRequest, when set, is told about each attempt as it is sent.
	OnRequest func()
}

// RoundTrip implements http.RoundTripper.
func (t *BudgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := BudgetKey(req.Context())
	if t.Key != nil {
		key = t.Key(req)
	}
	start := time.Now()
	paused, err := t.Budget.Wait(req.Context(), key)
	if err != nil {
		return nil, err
	}
	if t.OnWait != nil {
		limited := time.Since(start) - paused
		if paused > 0 {
			t.OnWait("retry_after", paused)
		}
		if limited > time.Millisecond {
			t.OnWait("rate_limit", limited)
		}
	}
	if t.OnRequest != nil {
		t.OnRequest()
	}
	resp, err := t.Next.RoundTrip(req)
	if err == nil {
		if d, ok := t.throttled(resp); ok {
			t.Budget.Pause(key, d)
		}
	}
	return resp, err
}

// throttled says whether resp asks the client to slow down, and for how long.
func (t *BudgetTransport) throttled(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch {
	case !ok && resp.StatusCode == http.StatusTooManyRequests:
		d = t.Fallback
	case !ok:
		return 0, false
	}
	if t.MaxPause > 0 {
		d = min(d, t.MaxPause)
	}
	return d, true
}

type budgetKeyCtx struct{}

// WithBudgetKey returns ctx carrying key, the budget key that the requests sent
// with it spend (a customer tenant's id where the vendor counts per tenant).
func WithBudgetKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, budgetKeyCtx{}, key)
}

// BudgetKey returns the budget key ctx carries, AccountKey when none.
func BudgetKey(ctx context.Context) string {
	k, _ := ctx.Value(budgetKeyCtx{}).(string)
	return k
}

// AttemptTimeout returns a RoundTripper that bounds each attempt through next to d,
// reading the response body included. It sits under a BudgetTransport, so that a
// wait for the budget (a pause another request's Retry-After set may last minutes)
// is not counted against the attempt, as http.Client.Timeout would count it.
func AttemptTimeout(next http.RoundTripper, d time.Duration) http.RoundTripper {
	if d <= 0 {
		return next
	}
	return &timeoutTransport{next: next, timeout: d}
}

type timeoutTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's deadline when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close implements io.Closer.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
