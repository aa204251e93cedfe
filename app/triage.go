package app

import (
	"context"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
)

// Triage does what a person asks to the finding ref names (its id or fingerprint),
// by by, now, with note (and to, for an assignment), and records it in the finding's
// history. It returns the finding as it left it and the history entry. A triage that
// makes no sense for the finding (acknowledging a resolved one, say) changes nothing
// and says why.
func (a *App) Triage(ctx context.Context, ref string, action findings.Action, by, note, to string) (store.Finding, store.FindingEvent, error) {
	t := findings.Triage{Action: action, By: by, At: a.now(), Note: note, To: to}
	return a.Store.TriageFinding(ctx, ref, t.Apply)
}
