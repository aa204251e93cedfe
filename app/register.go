package app

import (
	"context"
	"io"
	"time"

	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
)

// Authorise records a customer's authorisation at the app's clock and returns its id.
func (a *App) Authorise(ctx context.Context, e register.Entry) (uint, error) {
	added, err := register.Add(ctx, a.Store, e, a.now())
	if err != nil {
		return 0, err
	}
	return added.ID, nil
}

// Authorisations lists a customer's authorisations (every customer's when customer is
// empty): those active now, or with all every one.
func (a *App) Authorisations(ctx context.Context, customer string, all bool) ([]register.View, error) {
	return register.List(ctx, a.Store, register.Filter{Customer: customer, Active: !all, At: a.now()})
}

// RevokeAuthorisation ends an authorisation now, keeping who revoked it and why.
func (a *App) RevokeAuthorisation(ctx context.Context, id uint, by, reason string) error {
	return register.Revoke(ctx, a.Store, id, by, reason, a.now())
}

// ImportAuthorisations imports a CSV file of authorisations, all rows or none, reading
// its times in loc; name names the file in errors. It returns how many were new.
func (a *App) ImportAuthorisations(ctx context.Context, r io.Reader, name, by string, loc *time.Location) (int, error) {
	return register.ImportCSV(ctx, a.Store, r, name, by, loc, a.now())
}

// RecordBackup records a verified backup and returns its id.
func (a *App) RecordBackup(ctx context.Context, e register.BackupEntry) (uint, error) {
	b, err := register.AddBackup(ctx, a.Store, e, a.now())
	if err != nil {
		return 0, err
	}
	return b.ID, nil
}

// Backups lists a customer's verified backups (every customer's when customer is
// empty): those in force, or with all the withdrawn ones too.
func (a *App) Backups(ctx context.Context, customer string, all bool) ([]store.VerifiedBackupView, error) {
	return register.Backups(ctx, a.Store, customer, all)
}

// WithdrawBackup records that a verified backup turned out unusable.
func (a *App) WithdrawBackup(ctx context.Context, id uint, by, reason string) error {
	return register.WithdrawBackup(ctx, a.Store, id, by, reason, a.now())
}
