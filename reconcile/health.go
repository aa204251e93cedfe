package reconcile

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Health is how one rule's evaluation in a run went, as Prometheus keeps a rule's
// health: when it was evaluated, how long it took, how many findings it made, and
// why it failed. A failed rule's findings are left as they were.
type Health struct {
	Rule string
	// At is the time the rule was evaluated at (the run's now).
	At       time.Time
	Duration time.Duration
	Findings int
	// Err is why the rule failed: a panic in its evaluation, or an error reading what
	// it evaluates; nil when it ran to the end.
	Err error
}

// Healths are the rules' health in one run, in the order they ran.
type Healths []Health

// Failed returns the health of the rules that failed.
func (hs Healths) Failed() Healths {
	var out Healths
	for _, h := range hs {
		if h.Err != nil {
			out = append(out, h)
		}
	}
	return out
}

// String lists the rules with their errors: "RULE-A: why; RULE-B: why".
func (hs Healths) String() string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.Rule
		if h.Err != nil {
			parts[i] += ": " + h.Err.Error()
		}
	}
	return strings.Join(parts, "; ")
}

// evaluateRule runs one rule and times it, turning a panic into its health's error
// (the stack goes to the log) so that one broken rule never stops the others.
func evaluateRule(r Rule, in *Input, now time.Time, log zerolog.Logger) (fs []Finding, h Health) {
	h = Health{Rule: r.ID(), At: now}
	start := time.Now()
	defer func() {
		h.Duration = time.Since(start)
		if p := recover(); p != nil {
			fs, h.Err = nil, fmt.Errorf("panicked: %v", p)
			log.Error().Str("rule", h.Rule).Str("stack", string(debug.Stack())).Msgf("rule %s panicked: %v; its findings are left as they were", h.Rule, p)
		}
		h.Findings = len(fs)
	}()
	return r.Evaluate(in, now), h
}
