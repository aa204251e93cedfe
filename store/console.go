package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The console's own records: the audit trail, browser sessions and API tokens. The
// rules about them (who may sign in, how a token is made and checked) live in
// package web/auth; the store only keeps the rows.

// RecordAudit adds an entry to the audit trail.
func (s *Store) RecordAudit(ctx context.Context, e *AuditEntry) error {
	if strings.TrimSpace(e.Action) == "" {
		return errors.New("store: an audit entry needs an action")
	}
	e.At = e.At.UTC()
	if err := s.db.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("store: recording audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter narrows a listing of the audit trail.
type AuditFilter struct {
	// Action, when set, keeps the entries of that action only.
	Action string
	// Since and Until, when set, keep the entries at or after Since and before Until.
	Since, Until time.Time
	// Rows says which of the entries kept, newest first, to return: at most
	// DefaultAuditPage (and never above MaxAuditPage) when Limit is not positive.
	Rows
}

// DefaultAuditPage is how many entries a listing of the audit trail returns when its
// filter sets no limit; MaxAuditPage is the most it returns.
const (
	DefaultAuditPage = 50
	MaxAuditPage     = 500
)

// AuditEntries lists the entries of the audit trail that f keeps, newest first
// (entries of the same time in the order they were recorded, last first).
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditPage
	}
	q := s.db.WithContext(ctx).Order("at DESC, id DESC").Limit(min(limit, MaxAuditPage)).Offset(max(f.Offset, 0))
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("at < ?", f.Until.UTC())
	}
	var out []AuditEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing the audit trail: %w", err)
	}
	return out, nil
}

// AuditActions lists the actions the audit trail holds, in order, for a filter to
// offer.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.db.WithContext(ctx).Model(&AuditEntry{}).Distinct("action").Order("action").Pluck("action", &out).Error; err != nil {
		return nil, fmt.Errorf("store: listing the audit trail's actions: %w", err)
	}
	return out, nil
}

// CreateSession stores a console session (or a one-time sign-in link).
func (s *Store) CreateSession(ctx context.Context, cs *ConsoleSession) error {
	cs.CreatedAt, cs.ExpiresAt, cs.LastSeenAt = cs.CreatedAt.UTC(), cs.ExpiresAt.UTC(), cs.LastSeenAt.UTC()
	if err := s.db.WithContext(ctx).Create(cs).Error; err != nil {
		return fmt.Errorf("store: creating a console session: %w", err)
	}
	return nil
}

// Session returns the session whose id is id, if it is a session (not a link) that
// has not expired at now; else an error wrapping ErrNotFound.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (ConsoleSession, error) {
	var cs ConsoleSession
	err := s.db.WithContext(ctx).Where("id = ? AND link = ? AND expires_at > ?", id, false, now.UTC()).Take(&cs).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return cs, fmt.Errorf("store: console session: %w (unknown, expired or signed out)", ErrNotFound)
	}
	if err != nil {
		return cs, fmt.Errorf("store: reading a console session: %w", err)
	}
	return cs, nil
}

// TouchSession records that session id was used at now, unless it was within the
// last every (so a busy session writes at most once every that long).
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time, every time.Duration) error {
	now = now.UTC()
	err := s.db.WithContext(ctx).Model(&ConsoleSession{}).Where("id = ? AND last_seen_at <= ?", id, now.Add(-every)).
		UpdateColumn("last_seen_at", now).Error
	if err != nil {
		return fmt.Errorf("store: recording the use of a console session: %w", err)
	}
	return nil
}

// DeleteSession deletes session id (signing it out); it reports whether there was one.
func (s *Store) DeleteSession(ctx context.Context, id string) (bool, error) {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&ConsoleSession{})
	if res.Error != nil {
		return false, fmt.Errorf("store: deleting a console session: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClaimSessionLink swaps the one-time sign-in link linkID, if it exists and has
// not expired at now, for the session cs, which takes the link's subject, name, role
// and way of signing in. The link goes in the same transaction, so it signs in once
// however many replicas are asked; a link that is used, expired or unknown is an
// error wrapping ErrNotFound.
func (s *Store) ClaimSessionLink(ctx context.Context, linkID string, now time.Time, cs *ConsoleSession) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var link ConsoleSession
		err := tx.Where("id = ? AND link = ? AND expires_at > ?", linkID, true, now.UTC()).Take(&link).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("store: sign-in link: %w (unknown, used or expired)", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: reading a sign-in link: %w", err)
		}
		res := tx.Where("id = ? AND link = ?", linkID, true).Delete(&ConsoleSession{})
		if res.Error != nil {
			return fmt.Errorf("store: using a sign-in link: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("store: sign-in link: %w (used meanwhile)", ErrNotFound)
		}
		cs.Subject, cs.Name, cs.Role, cs.Via, cs.Link = link.Subject, link.Name, link.Role, link.Via, false
		cs.CreatedAt, cs.ExpiresAt, cs.LastSeenAt = cs.CreatedAt.UTC(), cs.ExpiresAt.UTC(), cs.LastSeenAt.UTC()
		if err := tx.Create(cs).Error; err != nil {
			return fmt.Errorf("store: creating the session of a sign-in link: %w", err)
		}
		return nil
	})
}

// DeleteExpiredSessions deletes the sessions and sign-in links expired at now and
// returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&ConsoleSession{})
	if res.Error != nil {
		return 0, fmt.Errorf("store: deleting expired console sessions: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// CreateToken stores an API token (its hash, never the token).
func (s *Store) CreateToken(ctx context.Context, t *APIToken) error {
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if err := s.db.WithContext(ctx).Create(t).Error; err != nil {
		return fmt.Errorf("store: creating API token %q: %w", t.Name, err)
	}
	return nil
}

// TokenByHash returns the token whose SHA-256 is hash, if it is neither revoked nor
// expired at now; else an error wrapping ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string, now time.Time) (APIToken, error) {
	var t APIToken
	err := s.db.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL AND expires_at > ?", hash, now.UTC()).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, fmt.Errorf("store: API token: %w (unknown, revoked or expired)", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: reading an API token: %w", err)
	}
	return t, nil
}

// TouchToken records that token id was used at now, unless it was within the last
// every.
func (s *Store) TouchToken(ctx context.Context, id uint, now time.Time, every time.Duration) error {
	now = now.UTC()
	err := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", id, now.Add(-every)).
		UpdateColumn("last_used_at", now).Error
	if err != nil {
		return fmt.Errorf("store: recording the use of API token %d: %w", id, err)
	}
	return nil
}

// Tokens lists every API token kept, newest first.
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	var out []APIToken
	if err := s.db.WithContext(ctx).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing API tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes token id at at, by by, because of reason. A token already
// revoked, or none of that id, is an error wrapping ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id uint, at time.Time, by, reason string) error {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return fmt.Errorf("store: revoking API token %d: say who revokes it and why", id)
	}
	at = at.UTC()
	revoked := APIToken{RevokedAt: &at, RevokedBy: by, RevokeReason: reason}
	res := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", id).
		Select("revoked_at", "revoked_by", "revoke_reason").Updates(&revoked)
	if res.Error != nil {
		return fmt.Errorf("store: revoking API token %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: API token %d: %w (or already revoked)", id, ErrNotFound)
	}
	return nil
}

// Sessions lists the console sessions live at now (not the sign-in links), newest
// first, for an admin to see who is signed in and end a session.
func (s *Store) Sessions(ctx context.Context, now time.Time) ([]ConsoleSession, error) {
	var out []ConsoleSession
	err := s.db.WithContext(ctx).Where("link = ? AND expires_at > ?", false, now.UTC()).Order("created_at DESC, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing console sessions: %w", err)
	}
	return out, nil
}
