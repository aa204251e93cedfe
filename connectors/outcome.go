package connectors

import (
	"context"
	"errors"

	"github.com/custos-msp/custos/vocab"
)

// ErrUnreachable marks a request that got no answer from the vendor: the name did
// not resolve, the connection was refused or timed out, or TLS failed.
var ErrUnreachable = errors.New("no answer from the server")

// outcomer is implemented by errors that know their outcome.
type outcomer interface {
	Outcome() vocab.Outcome
}

// ClassifiedError attaches an outcome to an error, and what an operator does about it.
type ClassifiedError struct {
	Kind vocab.Outcome
	Err  error
	// Remedy, when set, is the one-line fix, e.g. "turn on unified audit logging".
	Remedy string
}

// Fix returns the error's one-line fix, "" when it has none.
func (e *ClassifiedError) Fix() string { return e.Remedy }

// Error implements error.
func (e *ClassifiedError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ClassifiedError) Unwrap() error { return e.Err }

// Outcome returns the error's outcome.
func (e *ClassifiedError) Outcome() vocab.Outcome { return e.Kind }

// Misconfigured marks err as a problem with the vendor account's setup that an
// operator must fix (for example, no configuration type matches the configured names).
func Misconfigured(err error) error {
	return &ClassifiedError{Kind: vocab.OutcomeMisconfigured, Err: err}
}

// Classify returns the outcome of a pull that ended with err.
func Classify(err error) vocab.Outcome {
	if err == nil {
		return vocab.OutcomeOK
	}
	var o outcomer
	if errors.As(err, &o) {
		return o.Outcome()
	}
	if errors.Is(err, context.Canceled) {
		return vocab.OutcomeCancelled
	}
	return vocab.OutcomeFailed
}

// fixer is implemented by errors that say how an operator fixes them.
type fixer interface {
	error
	Fix() string
}

// FixOf returns the first one-line fix that an error in err's chain gives, or "".
func FixOf(err error) string {
	var f fixer
	for err != nil && errors.As(err, &f) {
		if fix := f.Fix(); fix != "" {
			return fix
		}
		err = errors.Unwrap(f)
	}
	return ""
}
