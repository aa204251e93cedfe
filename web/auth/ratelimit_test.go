package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter_BoundedMemoryForgetsRefilledAddressesFirst(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(time.Second, 2, 3)
	// "busy" has used its burst; "idle" used one attempt long ago and has refilled.
	l.allow("idle", t0)
	l.allow("busy", t0.Add(time.Minute))
	l.allow("busy", t0.Add(time.Minute))
	l.allow("third", t0.Add(time.Minute))
	if !l.allow("fourth", t0.Add(time.Minute)) {
		t.Fatal("a new address was refused")
	}
	if len(l.keys) > 3 {
		t.Errorf("%d addresses tracked, want at most 3", len(l.keys))
	}
	if _, ok := l.keys["idle"]; ok {
		t.Error("the refilled address was kept over the others")
	}
	if l.allow("busy", t0.Add(time.Minute)) {
		t.Error("the busy address was forgotten and got a new burst")
	}
	for i := range 100 {
		l.allow(fmt.Sprint(i), t0.Add(time.Minute))
	}
	if len(l.keys) > 3 {
		t.Errorf("%d addresses tracked after a flood, want at most 3", len(l.keys))
	}
}
