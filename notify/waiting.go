package notify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/custos-msp/custos/store"
)

// Waiting is alerts that no configured receiver takes, and why. They stay in the
// outbox, due, until the configuration sends them somewhere: nothing is dropped.
type Waiting struct {
	// Reason says why no receiver takes them.
	Reason string
	// Findings counts the findings waiting; Rules counts them by rule.
	Findings int
	Rules    map[string]int
}

// String says it in a line: "3 alerts waiting: no receiver is configured
// (notify.receivers) for CONFIG-BACKUP-MISSING (2), AUDIT-GAP (1)".
func (w Waiting) String() string {
	rules := slices.SortedFunc(maps.Keys(w.Rules), func(a, b string) int {
		if w.Rules[a] != w.Rules[b] {
			return w.Rules[b] - w.Rules[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprintf("%s (%d)", r, w.Rules[r])
	}
	return fmt.Sprintf("%d alert%s waiting: %s for %s", w.Findings, plural(w.Findings), w.Reason, strings.Join(parts, ", "))
}

// waitingAlerts gathers the waiting findings by reason, each finding once.
type waitingAlerts struct {
	order []string
	seen  map[string]map[uint]bool
	by    map[string]*Waiting
}

func (w *waitingAlerts) add(reason string, f store.FindingView) {
	if w.by == nil {
		w.seen, w.by = map[string]map[uint]bool{}, map[string]*Waiting{}
	}
	if w.by[reason] == nil {
		w.order = append(w.order, reason)
		w.seen[reason] = map[uint]bool{}
		w.by[reason] = &Waiting{Reason: reason, Rules: map[string]int{}}
	}
	if w.seen[reason][f.ID] {
		return
	}
	w.seen[reason][f.ID] = true
	w.by[reason].Findings++
	w.by[reason].Rules[f.Rule]++
}

// list returns what was gathered, by reason in the order first seen.
func (w *waitingAlerts) list() []Waiting {
	out := make([]Waiting, 0, len(w.order))
	for _, r := range w.order {
		out = append(out, *w.by[r])
	}
	return out
}
