package connectors

import (
	"context"
	"errors"

	"github.com/custos-msp/custos/vocab"
)

// outcomer is implemented by errors that know their outcome.
type outcomer interface {
	Outcome() vocab.Outcome
}

// ClassifiedError attaches an outcome to an error.
type ClassifiedError struct {
	Kind vocab.Outcome
	Err  error
}

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
