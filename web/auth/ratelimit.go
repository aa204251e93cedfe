package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in attempts (starting a sign-in, coming back from Entra, following a local
// link) are limited per client address: a burst of SignInBurst, then one every
// SignInEvery. The limiters live in the replica's memory, so behind a load balancer
// each replica allows as much.
const (
	SignInBurst = 10
	SignInEvery = 6 * time.Second
	// maxLimited bounds how many client addresses are tracked at once.
	maxLimited = 10000
)

// limiter limits events per key in bounded memory.
type limiter struct {
	every time.Duration
	burst int
	max   int

	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newLimiter(every time.Duration, burst, max int) *limiter {
	return &limiter{every: every, burst: burst, max: max, keys: map[string]*rate.Limiter{}}
}

// allow reports whether key may act at now, and counts it if so.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= l.max {
			l.forget(now)
		}
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.keys[key] = lim
	}
	return lim.AllowN(now, 1)
}

// forget drops the keys whose limiters have refilled (they are as good as new); if
// none has, it drops any one, so memory stays bounded whatever the traffic. l.mu is
// held.
func (l *limiter) forget(now time.Time) {
	for k, lim := range l.keys {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.keys, k)
		}
	}
	for k := range l.keys {
		if len(l.keys) < l.max {
			return
		}
		delete(l.keys, k)
	}
}
