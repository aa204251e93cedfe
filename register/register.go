// Package register keeps the authorisations recorded in Custos itself: added by hand,
// imported from CSV, revoked with their history kept. Each one names its customer,
// technician and device by canonical id, so it needs no mapping to be matched.
package register

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

// Source is the source of every authorisation recorded in Custos. Stream says how it
// came in: StreamManual (Add) or StreamCSV (ImportCSV).
const (
	Source       = "register"
	StreamManual = "register"
	StreamCSV    = "csv"
)

// Any is what a technician types for an authorisation that covers any technician or
// any device; an empty name means the same.
const Any = "any"

// Field names, as the problems in an InvalidError name them. They are the CSV column
// names, plus recorded_by, by and reason.
const (
	FieldCustomer   = "customer"
	FieldTechnician = "technician"
	FieldDevice     = "device"
	FieldScope      = "scope"
	FieldValidFrom  = "valid_from"
	FieldValidTo    = "valid_to"
	FieldGrantedBy  = "granted_by"
	FieldEvidence   = "evidence"
	FieldRecordedBy = "recorded_by"
	FieldBy         = "by"
	FieldReason     = "reason"
)

// Entry is an authorisation as a technician types it from a ticket.
type Entry struct {
	// Customer, Technician and Device are names or ids; Technician and Device may be
	// Any (or empty) for an authorisation that covers any technician or device.
	Customer, Technician, Device string
	// Scope is one of record.Scopes.
	Scope string
	From  time.Time
	// To is nil for a standing permission.
	To *time.Time
	// GrantedBy is who at the customer gave the permission; Evidence where it is
	// written (a ticket number, an e-mail message id); RecordedBy who records it.
	GrantedBy, Evidence, RecordedBy string
}

// Problem is one thing wrong with an authorisation: the field (a Field constant) and
// what is wrong with it. Line is the CSV line, 0 for an entry not read from a file.
type Problem struct {
	Line    int
	Field   string
	Message string
}

// InvalidError lists every problem found in one entry or one CSV file. Nothing was
// written.
type InvalidError struct {
	// File names the CSV file; empty for an entry not read from a file.
	File string
	// Record names what was refused; empty is an authorisation.
	Record   string
	Problems []Problem
}

func (e *InvalidError) Error() string {
	if e.File == "" {
		parts := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			parts[i] = p.Field + ": " + p.Message
		}
		return "register: invalid " + cmp.Or(e.Record, "authorisation") + ": " + strings.Join(parts, "; ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "register: %s: %d problem(s), nothing imported:", e.File, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n%s:%d: ", e.File, p.Line)
		if p.Field != "" {
			fmt.Fprintf(&b, "column %s: ", p.Field)
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// ErrRevoked is wrapped by the error of Revoke when the authorisation was already revoked.
var ErrRevoked = errors.New("already revoked")

// Add validates e and records it as a new authorisation. An invalid entry is refused
// with an *InvalidError that names every invalid field.
func Add(ctx context.Context, st *store.Store, e Entry, now time.Time) (store.Authorisation, error) {
	a, problems, err := newResolver(st).authorisation(ctx, e, now)
	if err != nil {
		return store.Authorisation{}, err
	}
	if len(problems) > 0 {
		return store.Authorisation{}, &InvalidError{Problems: problems}
	}
	id, err := randomID()
	if err != nil {
		return store.Authorisation{}, err
	}
	a.Stream, a.SourceID = StreamManual, "reg-"+id
	if err := st.RecordAuthorisation(ctx, &a); err != nil {
		return store.Authorisation{}, fmt.Errorf("register: %w", err)
	}
	return a, nil
}

// dbTime is t as both databases keep it: UTC, to the microsecond.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func randomID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("register: making an id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// resolver turns names into canonical ids through one mapping.Finder, so that a file
// naming one customer a thousand times reads the customers once.
type resolver struct {
	st     *store.Store
	finder *mapping.Finder
}

func newResolver(st *store.Store) *resolver {
	return &resolver{st: st, finder: mapping.NewFinder(st)}
}

// authorisation validates e and returns the row to store (without its stream and
// source id) and every problem found. The error is for a failing database only.
func (r *resolver) authorisation(ctx context.Context, e Entry, now time.Time) (store.Authorisation, []Problem, error) {
	var problems []Problem
	problem := func(field, format string, args ...any) {
		problems = append(problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	a := store.Authorisation{
		CustomerRef: strings.TrimSpace(e.Customer),
		AccessScope: strings.ToLower(strings.TrimSpace(e.Scope)),
		GrantedBy:   strings.TrimSpace(e.GrantedBy),
		Evidence:    strings.TrimSpace(e.Evidence),
		RecordedBy:  strings.TrimSpace(e.RecordedBy),
		RecordedAt:  dbTime(now),
	}
	a.Source, a.Scope, a.SeenAt = Source, Source, dbTime(now)

	if a.CustomerRef == "" {
		problem(FieldCustomer, "required")
	}
	for _, f := range []struct {
		field, kind, name string
		ref               *string
		id                **uint
	}{
		{FieldCustomer, store.LinkCustomer, a.CustomerRef, &a.CustomerRef, &a.CustomerID},
		{FieldTechnician, store.LinkTechnician, e.Technician, &a.TechnicianRef, &a.TechnicianID},
		{FieldDevice, store.LinkDevice, e.Device, &a.DeviceRef, &a.DeviceID},
	} {
		name := strings.TrimSpace(f.name)
		if name == "" || (f.kind != store.LinkCustomer && strings.EqualFold(name, Any)) {
			continue
		}
		id, msg, err := r.resolve(ctx, f.kind, name)
		if err != nil {
			return a, nil, err
		}
		if msg != "" {
			problem(f.field, "%s", msg)
			continue
		}
		*f.ref, *f.id = name, &id
	}
	if msg, err := r.deviceOfCustomer(ctx, a.DeviceID, a.CustomerID, a.DeviceRef); err != nil {
		return a, nil, err
	} else if msg != "" {
		problem(FieldDevice, "%s", msg)
	}

	switch {
	case a.AccessScope == "":
		problem(FieldScope, "required (one of %s)", strings.Join(record.Scopes, ", "))
	case !slices.Contains(record.Scopes, a.AccessScope):
		problem(FieldScope, "%q is not a scope (want one of %s)", e.Scope, strings.Join(record.Scopes, ", "))
	}
	if e.From.IsZero() {
		problem(FieldValidFrom, "required")
	} else {
		a.ValidFrom = dbTime(e.From)
	}
	if e.To != nil {
		to := dbTime(*e.To)
		a.ValidTo = &to
		if !e.From.IsZero() && !to.After(a.ValidFrom) {
			problem(FieldValidTo, "%s is not after valid_from %s", to.Format(time.RFC3339), a.ValidFrom.Format(time.RFC3339))
		}
	}
	if a.GrantedBy == "" {
		problem(FieldGrantedBy, "required (who at the customer gave it)")
	}
	if a.RecordedBy == "" {
		problem(FieldRecordedBy, "required (who records it)")
	}
	return a, problems, nil
}

// resolve returns the id of the customer, technician or device that name designates,
// or why there is none: no row is called so (with the nearest names), several are, or
// no row has the id. The error is for a failing database only.
func (r *resolver) resolve(ctx context.Context, kind, name string) (uint, string, error) {
	m, err := r.finder.Find(ctx, kind, name)
	var notFound *mapping.NotFoundError
	var ambiguous *mapping.AmbiguousError
	switch {
	case errors.As(err, &notFound):
		return 0, notFound.Error(), nil
	case errors.As(err, &ambiguous):
		return 0, ambiguous.Error(), nil
	case err != nil:
		return 0, "", fmt.Errorf("register: %w", err)
	}
	return m.ID, "", nil
}

// deviceOfCustomer says why the device cannot be authorised for the customer: it is
// known to belong to another customer. Either id may be nil (any, or unresolved).
func (r *resolver) deviceOfCustomer(ctx context.Context, deviceID, customerID *uint, ref string) (string, error) {
	if deviceID == nil || customerID == nil {
		return "", nil
	}
	d, err := r.st.Device(ctx, *deviceID)
	if err != nil {
		return "", fmt.Errorf("register: %w", err)
	}
	if d.CustomerID == nil || *d.CustomerID == *customerID {
		return "", nil
	}
	return fmt.Sprintf("device %q belongs to another customer (id %d)", ref, *d.CustomerID), nil
}

// Statuses of an authorisation at a moment, as View.Status reports them.
const (
	StatusActive   = "active"
	StatusUpcoming = "upcoming"
	StatusExpired  = "expired"
	StatusRevoked  = "revoked"
)

// View is an authorisation with the names of its customer, technician and device
// (empty when it covers any, or when the canonical row is gone).
type View struct {
	store.AuthorisationView
}

// Status says what the authorisation is at the moment at: revoked (at or after its
// revocation), upcoming (before ValidFrom), expired (at or after ValidTo) or active.
func (v View) Status(at time.Time) string {
	switch {
	case v.RevokedAt != nil && !at.Before(*v.RevokedAt):
		return StatusRevoked
	case at.Before(v.ValidFrom):
		return StatusUpcoming
	case v.ValidTo != nil && !at.Before(*v.ValidTo):
		return StatusExpired
	}
	return StatusActive
}

// Filter says which authorisations List returns.
type Filter struct {
	// Customer is a customer's name or id; empty for every customer.
	Customer string
	// Active keeps only the authorisations whose Status at At is active.
	Active bool
	At     time.Time
}

// List returns the authorisations that f selects, from every source, ordered by
// start and id.
func List(ctx context.Context, st *store.Store, f Filter) ([]View, error) {
	var customerID *uint
	if f.Customer != "" {
		id, msg, err := newResolver(st).resolve(ctx, store.LinkCustomer, f.Customer)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return nil, &InvalidError{Record: "filter", Problems: []Problem{{Field: FieldCustomer, Message: msg}}}
		}
		customerID = &id
	}
	views, err := st.Authorisations(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	out := make([]View, len(views))
	for i, v := range views {
		out[i] = View{v}
	}
	if f.Active {
		out = slices.DeleteFunc(out, func(v View) bool { return v.Status(f.At) != StatusActive })
	}
	return out, nil
}

// Revoke records that the authorisation id was revoked at now, by whom and why. The
// authorisation stays, and still covers what happened before now. Revoking it again
// is an error that wraps ErrRevoked and says when and by whom it was revoked.
func Revoke(ctx context.Context, st *store.Store, id uint, by, reason string, now time.Time) error {
	by, reason = strings.TrimSpace(by), strings.TrimSpace(reason)
	var problems []Problem
	if by == "" {
		problems = append(problems, Problem{Field: FieldBy, Message: "required (who revokes it)"})
	}
	if reason == "" {
		problems = append(problems, Problem{Field: FieldReason, Message: "required (why it is revoked)"})
	}
	if len(problems) > 0 {
		return &InvalidError{Problems: problems}
	}
	switch revoked, err := st.RevokeAuthorisation(ctx, id, dbTime(now), by, reason); {
	case err != nil:
		return fmt.Errorf("register: %w", err)
	case revoked:
		return nil
	}
	a, err := st.Authorisation(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("register: no authorisation has id %d: %w", id, err)
	case err != nil:
		return fmt.Errorf("register: revoking authorisation %d: %w", id, err)
	}
	return fmt.Errorf("register: authorisation %d was revoked at %s by %s (%s): %w",
		id, a.RevokedAt.UTC().Format(time.RFC3339), a.RevokedBy, a.RevokeReason, ErrRevoked)
}
