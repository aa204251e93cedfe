package register

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
)

// Field names of a verified backup's problems.
const (
	FieldWhat       = "what"
	FieldTakenAt    = "taken_at"
	FieldVerifiedAt = "verified_at"
	FieldVerifiedBy = "verified_by"
)

// BackupEntry is a verified backup as a technician types it: a backup taken before a
// removal and checked to restore.
type BackupEntry struct {
	// Customer and Device are names or ids; Device may be Any (or empty) for a backup
	// of the customer's data not tied to one device.
	Customer, Device string
	// What names what was backed up, e.g. "mailbox of j.doe".
	What                string
	TakenAt, VerifiedAt time.Time
	// VerifiedBy is who checked it; Evidence where that is written (a backup job id,
	// a ticket); RecordedBy who records it.
	VerifiedBy, Evidence, RecordedBy string
}

// ErrWithdrawn is wrapped by the error of WithdrawBackup when the backup was already
// withdrawn.
var ErrWithdrawn = errors.New("already withdrawn")

// AddBackup validates e and records it as a verified backup. An invalid entry is
// refused with an *InvalidError that names every invalid field.
func AddBackup(ctx context.Context, st *store.Store, e BackupEntry, now time.Time) (store.VerifiedBackup, error) {
	r := newResolver(st)
	var problems []Problem
	problem := func(field, format string, args ...any) {
		problems = append(problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	b := store.VerifiedBackup{
		What: strings.TrimSpace(e.What), VerifiedBy: strings.TrimSpace(e.VerifiedBy), Evidence: strings.TrimSpace(e.Evidence),
		RecordedBy: strings.TrimSpace(e.RecordedBy), RecordedAt: dbTime(now),
	}
	customer, device := strings.TrimSpace(e.Customer), strings.TrimSpace(e.Device)
	if customer == "" {
		problem(FieldCustomer, "required")
	} else if id, msg, err := r.resolve(ctx, store.LinkCustomer, customer); err != nil {
		return b, err
	} else if msg != "" {
		problem(FieldCustomer, "%s", msg)
	} else {
		b.CustomerID = &id
	}
	if device != "" && !strings.EqualFold(device, Any) {
		if id, msg, err := r.resolve(ctx, store.LinkDevice, device); err != nil {
			return b, err
		} else if msg != "" {
			problem(FieldDevice, "%s", msg)
		} else {
			b.DeviceID = &id
		}
	}
	if msg, err := r.deviceOfCustomer(ctx, b.DeviceID, b.CustomerID, device); err != nil {
		return b, err
	} else if msg != "" {
		problem(FieldDevice, "%s", msg)
	}
	for _, f := range []struct{ field, value, why string }{
		{FieldWhat, b.What, "what was backed up"},
		{FieldVerifiedBy, b.VerifiedBy, "who checked that it restores"},
		{FieldEvidence, b.Evidence, "where the verification is written: a backup job id, a ticket"},
		{FieldRecordedBy, b.RecordedBy, "who records it"},
	} {
		if f.value == "" {
			problem(f.field, "required (%s)", f.why)
		}
	}
	switch {
	case e.TakenAt.IsZero():
		problem(FieldTakenAt, "required")
	case e.TakenAt.After(now):
		problem(FieldTakenAt, "%s is in the future", e.TakenAt.Format(time.RFC3339))
	}
	switch {
	case e.VerifiedAt.IsZero():
		problem(FieldVerifiedAt, "required")
	case e.VerifiedAt.Before(e.TakenAt):
		problem(FieldVerifiedAt, "%s is before taken_at %s", e.VerifiedAt.Format(time.RFC3339), e.TakenAt.Format(time.RFC3339))
	case e.VerifiedAt.After(now):
		problem(FieldVerifiedAt, "%s is in the future", e.VerifiedAt.Format(time.RFC3339))
	}
	if len(problems) > 0 {
		return b, &InvalidError{Record: "verified backup", Problems: problems}
	}
	b.TakenAt, b.VerifiedAt = dbTime(e.TakenAt), dbTime(e.VerifiedAt)
	if err := st.RecordVerifiedBackup(ctx, &b); err != nil {
		return b, fmt.Errorf("register: %w", err)
	}
	return b, nil
}

// WithdrawBackup records that verified backup id turned out not to be usable: the row
// and its history are kept, and from the next reconcile it covers no removal.
func WithdrawBackup(ctx context.Context, st *store.Store, id uint, by, reason string, now time.Time) error {
	var problems []Problem
	if strings.TrimSpace(by) == "" {
		problems = append(problems, Problem{Field: FieldBy, Message: "required (who withdraws it)"})
	}
	if strings.TrimSpace(reason) == "" {
		problems = append(problems, Problem{Field: FieldReason, Message: "required (why it does not count)"})
	}
	if len(problems) > 0 {
		return &InvalidError{Record: "withdrawal of a verified backup", Problems: problems}
	}
	b, err := st.VerifiedBackup(ctx, id)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if b.WithdrawnAt != nil {
		return fmt.Errorf("register: verified backup %d: %w at %s by %s", id, ErrWithdrawn, b.WithdrawnAt.UTC().Format(time.RFC3339), b.WithdrawnBy)
	}
	if err := st.WithdrawVerifiedBackup(ctx, id, dbTime(now), strings.TrimSpace(by), strings.TrimSpace(reason)); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	return nil
}

// Backups lists the verified backups, of one customer when customer is not empty,
// withdrawn ones only when all is set, newest first.
func Backups(ctx context.Context, st *store.Store, customer string, all bool) ([]store.VerifiedBackupView, error) {
	var customerID *uint
	if customer != "" {
		id, msg, err := newResolver(st).resolve(ctx, store.LinkCustomer, customer)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return nil, &InvalidError{Record: "filter", Problems: []Problem{{Field: FieldCustomer, Message: msg}}}
		}
		customerID = &id
	}
	out, err := st.VerifiedBackups(ctx, customerID, all)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return out, nil
}
