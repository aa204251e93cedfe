package app

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
)

// AuthorisationRow is an authorisation as `custos authorise list --json` and the
// console show it. TechnicianID and DeviceID are null for any technician and any
// device.
type AuthorisationRow struct {
	ID           uint       `json:"id"`
	Source       string     `json:"source"`
	Customer     string     `json:"customer"`
	CustomerID   *uint      `json:"customer_id"`
	Technician   string     `json:"technician"`
	TechnicianID *uint      `json:"technician_id"`
	Device       string     `json:"device"`
	DeviceID     *uint      `json:"device_id"`
	Scope        string     `json:"scope"`
	ValidFrom    time.Time  `json:"valid_from"`
	ValidTo      *time.Time `json:"valid_to"`
	GrantedBy    string     `json:"granted_by"`
	Evidence     string     `json:"evidence"`
	RecordedBy   string     `json:"recorded_by"`
	RecordedAt   time.Time  `json:"recorded_at"`
	Status       string     `json:"status"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// NewAuthorisationRows shows authorisations as they stand at now.
func NewAuthorisationRows(views []register.View, now time.Time) []AuthorisationRow {
	out := make([]AuthorisationRow, len(views))
	for i, v := range views {
		out[i] = AuthorisationRow{
			ID: v.ID, Source: v.Source,
			Customer: cmp.Or(v.CustomerName, v.CustomerRef), CustomerID: v.CustomerID,
			Technician: AuthorisedName(v.TechnicianName, v.TechnicianRef), TechnicianID: v.TechnicianID,
			Device: AuthorisedName(v.DeviceName, v.DeviceRef), DeviceID: v.DeviceID,
			Scope: v.AccessScope, ValidFrom: v.ValidFrom.UTC(), ValidTo: utc(v.ValidTo),
			GrantedBy: v.GrantedBy, Evidence: v.Evidence, RecordedBy: v.RecordedBy, RecordedAt: v.RecordedAt.UTC(),
			Status: v.Status(now), RevokedAt: utc(v.RevokedAt), RevokedBy: v.RevokedBy, RevokeReason: v.RevokeReason,
		}
	}
	return out
}

// AuthorisedName is how a technician or device of an authorisation is shown: its
// canonical name, else the reference it was recorded with, else "any".
func AuthorisedName(name, ref string) string { return cmp.Or(name, ref, register.Any) }

// AuthorisationRows lists a page of the authorisations (one customer's when customer
// is not nil), newest start first: those active now, or with all every one; and how
// many there are.
func (a *App) AuthorisationRows(ctx context.Context, customer *uint, all bool, rows store.Rows) ([]AuthorisationRow, int64, error) {
	now := a.now()
	q := store.AuthorisationQuery{CustomerID: customer}
	if !all {
		q.ActiveAt = &now
	}
	views, total, err := a.Store.AuthorisationsPage(ctx, q, rows)
	if err != nil {
		return nil, 0, err
	}
	vs := make([]register.View, len(views))
	for i, v := range views {
		vs[i] = register.View{AuthorisationView: v}
	}
	return NewAuthorisationRows(vs, now), total, nil
}

// ExclusionRow is an exclusion as `custos exclude list --json` and the console show
// it; a customer, technician or device of "any" matches every one.
type ExclusionRow struct {
	ID         uint      `json:"id"`
	Status     string    `json:"status"`
	Customer   string    `json:"customer"`
	Rule       string    `json:"rule"`
	Technician string    `json:"technician"`
	Device     string    `json:"device"`
	ExpiresAt  time.Time `json:"expires_at"`
	Owner      string    `json:"owner"`
	Reason     string    `json:"reason"`
}

// NewExclusionRows shows exclusions as they stand at now, with the names of what they
// are for.
func NewExclusionRows(xs []store.Exclusion, n store.Names, now time.Time) []ExclusionRow {
	name := func(m map[uint]string, id *uint) string {
		if id == nil {
			return "any"
		}
		return cmp.Or(m[*id], strconv.FormatUint(uint64(*id), 10))
	}
	out := make([]ExclusionRow, len(xs))
	for i, x := range xs {
		status := "active"
		switch {
		case x.RemovedAt != nil:
			status = "ended by " + x.RemovedBy
		case !x.ExpiresAt.After(now):
			status = "expired"
		}
		out[i] = ExclusionRow{
			ID: x.ID, Status: status, Customer: name(n.Customers, x.CustomerID), Rule: cmp.Or(x.Rule, "any"),
			Technician: name(n.Technicians, x.TechnicianID), Device: name(n.Devices, x.DeviceID),
			ExpiresAt: x.ExpiresAt.UTC(), Owner: x.Owner, Reason: x.Reason,
		}
	}
	return out
}

// ExclusionRows lists a page of the exclusions in force now (with all, ended and
// expired ones too), newest first, and how many there are.
func (a *App) ExclusionRows(ctx context.Context, all bool, rows store.Rows) ([]ExclusionRow, int64, error) {
	now := a.now()
	xs, total, err := a.Store.ExclusionsPage(ctx, now, all, rows)
	if err != nil {
		return nil, 0, err
	}
	names, err := a.Store.ReadNames(ctx)
	if err != nil {
		return nil, 0, err
	}
	return NewExclusionRows(xs, names, now), total, nil
}

// ParseExpiry reads when an exclusion ends: a duration from now (30d, 2w) or a date
// or time in loc (register.ParseEnd); it returns the expiry as of a time now.
func ParseExpiry(s string, loc *time.Location) (func(now time.Time) time.Time, error) {
	if d, err := duration.Parse(s); err == nil {
		if d <= 0 {
			return nil, fmt.Errorf("%q: must be in the future", s)
		}
		return func(now time.Time) time.Time { return now.Add(d.Std()) }, nil
	}
	end, err := register.ParseEnd(s, loc)
	return func(time.Time) time.Time { return end }, err
}
