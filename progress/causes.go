package progress

import "slices"

// Cause is one distinct reason a connector's scopes failed, with the scopes it
// affected.
type Cause struct {
	Outcome string
	// Message is the error, with each scope's id as "{scope}".
	Message string
	// Scopes names the scopes it affected, each once, in the order they failed.
	Scopes []string
}

// Causes groups s's failures by outcome and cause, in the order they first
// failed; name gives a failed scope's name as a person knows it.
func (s Status) Causes(name func(Failure) string) []Cause {
	var out []Cause
	for _, f := range s.Failures {
		i := slices.IndexFunc(out, func(c Cause) bool { return c.Outcome == f.Outcome && c.Message == f.Cause })
		if i < 0 {
			out = append(out, Cause{Outcome: f.Outcome, Message: f.Cause})
			i = len(out) - 1
		}
		if n := name(f); !slices.Contains(out[i].Scopes, n) {
			out[i].Scopes = append(out[i].Scopes, n)
		}
	}
	return out
}
