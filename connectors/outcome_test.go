package connectors

import (
	"errors"
	"fmt"
	"testing"

	"github.com/custos-msp/custos/vocab"
)

// TestFixOf_FirstFixInTheChain: the fix of the outermost error that has one, past
// classified errors without one; "" when none has one.
func TestFixOf_FirstFixInTheChain(t *testing.T) {
	base := errors.New("HTTP 403")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no error", nil, ""},
		{"plain error", fmt.Errorf("probe: %w", base), ""},
		{"classified with a fix", fmt.Errorf("probe: %w", &ClassifiedError{Kind: vocab.OutcomeNotLicensed, Err: base, Remedy: "buy P1"}), "buy P1"},
		{"fix under a classified error without one", &ClassifiedError{Kind: vocab.OutcomeFailed, Err: fmt.Errorf("page 1: %w",
			&ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: base, Remedy: "grant X"})}, "grant X"},
		{"outer fix wins", &ClassifiedError{Err: &ClassifiedError{Err: base, Remedy: "inner"}, Remedy: "outer"}, "outer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FixOf(tc.err); got != tc.want {
				t.Errorf("FixOf = %q, want %q", got, tc.want)
			}
		})
	}
}
