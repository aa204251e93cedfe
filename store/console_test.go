package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestAuditEntries_NewestFirstFilteredAndPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for i, action := range []string{"auth.signin", "finding.acknowledge", "auth.signin", "token.create", "auth.signout"} {
			e := store.AuditEntry{At: t0.Add(time.Duration(i) * day), Subject: "oid-1", Name: "Dana Ortiz", Role: "admin",
				Via: "session", FromAddress: "192.0.2.7", Action: action, Target: "t", Detail: "d"}
			if err := st.RecordAudit(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RecordAudit(ctx, &store.AuditEntry{At: t0}); err == nil {
			t.Error("an entry without an action was recorded")
		}
		actionsOf := func(es []store.AuditEntry) string {
			var out []string
			for _, e := range es {
				out = append(out, e.Action)
			}
			return strings.Join(out, ",")
		}
		tests := []struct {
			name string
			f    store.AuditFilter
			want string
		}{
			{"all, newest first", store.AuditFilter{}, "auth.signout,token.create,auth.signin,finding.acknowledge,auth.signin"},
			{"one action", store.AuditFilter{Action: "auth.signin"}, "auth.signin,auth.signin"},
			{"days 1 to 3", store.AuditFilter{Since: t0.Add(day), Until: t0.Add(3 * day)}, "auth.signin,finding.acknowledge"},
			{"a page", store.AuditFilter{Rows: store.Rows{Limit: 2}}, "auth.signout,token.create"},
			{"the next page", store.AuditFilter{Rows: store.Rows{Limit: 2, Offset: 2}}, "auth.signin,finding.acknowledge"},
		}
		for _, tt := range tests {
			got, err := st.AuditEntries(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if actionsOf(got) != tt.want {
				t.Errorf("%s: %s, want %s", tt.name, actionsOf(got), tt.want)
			}
		}
		all, _ := st.AuditEntries(ctx, store.AuditFilter{})
		if e := all[0]; e.Name != "Dana Ortiz" || e.FromAddress != "192.0.2.7" || !e.At.Equal(t0.Add(4*day)) {
			t.Errorf("entry read back as %+v", e)
		}
		actions, err := st.AuditActions(ctx)
		if err != nil || strings.Join(actions, ",") != "auth.signin,auth.signout,finding.acknowledge,token.create" {
			t.Errorf("AuditActions = %v, %v", actions, err)
		}
	})
}

func TestSessions_CreateReadTouchDeleteAndClaimALinkOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := store.ConsoleSession{ID: "h1", Subject: "oid-1", Name: "Dana Ortiz", Role: "operator", Via: "session", CSRF: "c1",
			CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour), LastSeenAt: t0}
		if err := st.CreateSession(ctx, &s); err != nil {
			t.Fatal(err)
		}
		got, err := st.Session(ctx, "h1", t0.Add(time.Hour))
		if err != nil || got.Name != "Dana Ortiz" || got.CSRF != "c1" || got.Role != "operator" {
			t.Errorf("Session = %+v, %v", got, err)
		}
		if _, err := st.Session(ctx, "h1", t0.Add(8*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an expired session was read: %v", err)
		}
		if _, err := st.Session(ctx, "h2", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown session was read: %v", err)
		}
		lastSeen := func() time.Time {
			got, err := st.Session(ctx, "h1", t0)
			if err != nil {
				t.Fatal(err)
			}
			return got.LastSeenAt
		}
		for _, tt := range []struct {
			at, want time.Time
		}{
			{t0.Add(30 * time.Second), t0},                       // within the minute: not written
			{t0.Add(61 * time.Second), t0.Add(61 * time.Second)}, // after it: written
		} {
			if err := st.TouchSession(ctx, "h1", tt.at, time.Minute); err != nil {
				t.Fatal(err)
			}
			if got := lastSeen(); !got.Equal(tt.want) {
				t.Errorf("touched at %s: last seen %s, want %s", tt.at, got, tt.want)
			}
		}

		link := store.ConsoleSession{ID: "l1", Subject: "local:dana", Name: "dana", Role: "admin", Via: "local", CSRF: "x",
			Link: true, CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute), LastSeenAt: t0}
		if err := st.CreateSession(ctx, &link); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Session(ctx, "l1", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a sign-in link was read as a session: %v", err)
		}
		claimed := store.ConsoleSession{ID: "h3", CSRF: "c3", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
		if err := st.ClaimSessionLink(ctx, "l1", t0.Add(time.Minute), &claimed); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Session(ctx, "h3", t0); err != nil || got.Subject != "local:dana" || got.Role != "admin" || got.Via != "local" {
			t.Errorf("claimed session = %+v, %v", got, err)
		}
		again := store.ConsoleSession{ID: "h4", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
		if err := st.ClaimSessionLink(ctx, "l1", t0.Add(time.Minute), &again); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a link was claimed twice: %v", err)
		}
		late := store.ConsoleSession{ID: "l2", Link: true, CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute), LastSeenAt: t0}
		if err := st.CreateSession(ctx, &late); err != nil {
			t.Fatal(err)
		}
		if err := st.ClaimSessionLink(ctx, "l2", t0.Add(6*time.Minute), &again); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an expired link was claimed: %v", err)
		}

		if ok, err := st.DeleteSession(ctx, "h1"); !ok || err != nil {
			t.Errorf("DeleteSession = %v, %v", ok, err)
		}
		if _, err := st.Session(ctx, "h1", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted session was read: %v", err)
		}
		live, err := st.Sessions(ctx, t0.Add(2*time.Minute))
		if err != nil || len(live) != 1 || live[0].ID != "h3" {
			t.Errorf("Sessions = %+v, %v; want h3 only (h1 signed out, l2 a link)", live, err)
		}
		// Left: h3 (expires t0+1h) and the expired link l2.
		n, err := st.DeleteExpiredSessions(ctx, t0.Add(10*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want the expired link only", n, err)
		}
		if _, err := st.Session(ctx, "h3", t0.Add(10*time.Minute)); err != nil {
			t.Errorf("a live session was deleted: %v", err)
		}
	})
}

func TestTokens_FindByHashRevokeAndTouch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tok := store.APIToken{Name: "ci", Role: "viewer", Hash: "hash-1", CreatedBy: "Dana Ortiz", CreatedAt: t0, ExpiresAt: t0.Add(90 * day)}
		if err := st.CreateToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		dup := store.APIToken{Name: "dup", Role: "viewer", Hash: "hash-1", CreatedAt: t0, ExpiresAt: t0.Add(day)}
		if err := st.CreateToken(ctx, &dup); err == nil {
			t.Error("two tokens with one hash were stored")
		}
		if got, err := st.TokenByHash(ctx, "hash-1", t0); err != nil || got.ID != tok.ID || got.CreatedBy != "Dana Ortiz" {
			t.Errorf("TokenByHash = %+v, %v", got, err)
		}
		if _, err := st.TokenByHash(ctx, "hash-1", t0.Add(90*day)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an expired token was found: %v", err)
		}
		for _, at := range []time.Time{t0, t0.Add(30 * time.Second)} {
			if err := st.TouchToken(ctx, tok.ID, at, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		list, err := st.Tokens(ctx)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(t0) {
			t.Errorf("Tokens = %+v, %v; want last used at t0 (the second use within the minute not written)", list, err)
		}
		if err := st.RevokeToken(ctx, tok.ID, t0.Add(day), "Dana Ortiz", ""); err == nil {
			t.Error("a token was revoked without a reason")
		}
		if err := st.RevokeToken(ctx, tok.ID, t0.Add(day), "Dana Ortiz", "leaked in a log"); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeToken(ctx, tok.ID, t0.Add(day), "Dana Ortiz", "again"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a token was revoked twice: %v", err)
		}
		if _, err := st.TokenByHash(ctx, "hash-1", t0.Add(2*day)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a revoked token was found: %v", err)
		}
		list, _ = st.Tokens(ctx)
		if list[0].RevokeReason != "leaked in a log" || list[0].RevokedAt == nil {
			t.Errorf("revoked token = %+v", list[0])
		}
	})
}

func TestPrune_AuditTrailTokensAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		keep := 30 * day
		create(t, st,
			&store.AuditEntry{At: past(keep), Action: "old"},
			&store.AuditEntry{At: within(keep), Action: "recent"},
			&store.APIToken{Name: "old revoked", Hash: "a", CreatedAt: past(2 * keep), ExpiresAt: t0.Add(day), RevokedAt: ptr(past(keep))},
			&store.APIToken{Name: "old expired", Hash: "b", CreatedAt: past(2 * keep), ExpiresAt: past(keep)},
			&store.APIToken{Name: "recently revoked", Hash: "c", CreatedAt: past(2 * keep), ExpiresAt: t0.Add(day), RevokedAt: ptr(within(keep))},
			&store.APIToken{Name: "recently expired", Hash: "d", CreatedAt: past(2 * keep), ExpiresAt: within(keep)},
			&store.APIToken{Name: "live", Hash: "e", CreatedAt: past(2 * keep), ExpiresAt: t0.Add(day)},
			&store.ConsoleSession{ID: "expired", ExpiresAt: t0.Add(-time.Second)},
			&store.ConsoleSession{ID: "live", ExpiresAt: t0.Add(time.Second)},
		)
		res, err := st.Prune(ctx, store.RetentionPolicy{AuditTrail: keep}, t0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.AuditEntriesDeleted != 1 || res.TokensDeleted != 2 || res.SessionsDeleted != 1 {
			t.Errorf("deleted %d entries, %d tokens, %d sessions; want 1, 2, 1", res.AuditEntriesDeleted, res.TokensDeleted, res.SessionsDeleted)
		}
		db := storetest.DB(ctx, st)
		var actions, tokens, sessions []string
		db.Model(&store.AuditEntry{}).Order("action").Pluck("action", &actions)
		db.Model(&store.APIToken{}).Order("name").Pluck("name", &tokens)
		db.Model(&store.ConsoleSession{}).Order("id").Pluck("id", &sessions)
		if got := strings.Join(actions, ",") + "|" + strings.Join(tokens, ",") + "|" + strings.Join(sessions, ","); got != "recent|live,recently expired,recently revoked|live" {
			t.Errorf("left %s", got)
		}
	})
}

func TestSubject_FindsTheirAuditEntriesAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, name := range []string{"dana.ortiz@msp.example", "lee.chen@msp.example"} {
			if err := st.RecordAudit(ctx, &store.AuditEntry{At: t0, Subject: "oid of " + name, Name: name, Action: "auth.signin"}); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateSession(ctx, &store.ConsoleSession{ID: name, Subject: "oid of " + name, Name: name, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		subj, err := st.FindSubject(ctx, "dana.ortiz@msp.example")
		if err != nil {
			t.Fatal(err)
		}
		sections, err := st.SubjectRecords(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]int{}
		for _, s := range sections {
			found[s.Table] = len(s.Rows)
		}
		if found["audit_entries"] != 1 || found["console_sessions"] != 1 {
			t.Errorf("subject access found %v; want one audit entry and one session", found)
		}
		erased, err := st.EraseSubject(ctx, subj, "dpo@msp.example", "left, asked to be forgotten", t0)
		if err != nil {
			t.Fatal(err)
		}
		var sessions, names []string
		db := storetest.DB(ctx, st)
		db.Model(&store.ConsoleSession{}).Order("id").Pluck("id", &sessions)
		entries, _ := st.AuditEntries(ctx, store.AuditFilter{})
		for _, e := range entries {
			names = append(names, e.Name)
		}
		if strings.Join(sessions, ",") != "lee.chen@msp.example" || erased.Changed["console_sessions"] != 1 ||
			strings.Join(names, ",") != "lee.chen@msp.example,"+erased.Erasure.Pseudonym {
			t.Errorf("after erasure: sessions %v, audit names %v (%v); want Dana signed out and named by pseudonym", sessions, names, erased.Changed)
		}
	})
}
