package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/custos-msp/custos/store"
)

// Error is a request the console refuses, with what to tell the person or the API
// client: an HTTP status, a code for programs, the field that is wrong (if one is),
// and a message naming it.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// badField refuses a request because of one field's value.
func badField(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Field: field,
		Message: field + ": " + fmt.Sprintf(format, args...)}
}

// notFound says that what the request names does not exist.
func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf(format, args...)}
}

// conflict refuses a change that makes no sense in the state it finds.
func conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf(format, args...)}
}

// asError turns any error into what to answer: an *Error as it is, the store's
// not-found as 404, anything else as a 500 that says no more than that (the log has
// the detail).
func asError(err error) (*Error, bool) {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}, true
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal",
		Message: "Custos could not answer this request; the server's log says why."}, false
}
