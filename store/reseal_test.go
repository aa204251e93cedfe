package store_test

import (
	"errors"
	"testing"

	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestReseal_MovesEveryValueToTheCurrentKey seals a raw payload and an alert body
// with an old key, rotates to a new one and reseals: the new key alone then opens
// both, a second reseal has nothing to do, and a value already under the new key is
// left as it was.
func TestReseal_MovesEveryValueToTheCurrentKey(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	oldRing, err := seal.NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := seal.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	newOnly, err := seal.NewKeyring(newKey)
	if err != nil {
		t.Fatal(err)
	}
	sealWith := func(r *seal.Keyring, clear, field string) string {
		v, err := r.Seal([]byte(clear), []byte(field))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			st := storetest.Open(t, driver, rotated)
			current := sealWith(rotated, "already new", "organizations.raw")
			create(t, st,
				&store.Organization{Name: "old", Pulled: store.Pulled{Source: "itglue", SourceID: "1", Stream: "s", Scope: "a", SeenAt: t0,
					Raw: sealWith(oldRing, `{"name":"old"}`, "organizations.raw")}},
				&store.Organization{Name: "new", Pulled: store.Pulled{Source: "itglue", SourceID: "2", Stream: "s", Scope: "a", SeenAt: t0, Raw: current}},
				&store.Delivery{Receiver: "teams", Kind: "alert", IdempotencyKey: "k1", Status: "pending", NextAttemptAt: t0, CreatedAt: t0,
					Body: sealWith(oldRing, "Bob Jones deleted user j.doe", "deliveries.body")},
			)
			// Console sessions are keyed by text, not by number; two of them make two batches.
			for _, id := range []string{"hash-a", "hash-b"} {
				create(t, st, &store.ConsoleSession{ID: id, ExpiresAt: t0})
				if err := storetest.DB(ctx, st).Exec("UPDATE console_sessions SET name = ? WHERE id = ?",
					sealWith(oldRing, "Dana Ortiz", "custos personal data"), id).Error; err != nil {
					t.Fatal(err)
				}
			}
			done, err := st.Reseal(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if done["organizations.raw"] != 1 || done["deliveries.body"] != 1 || done["console_sessions.name"] != 2 {
				t.Errorf("resealed %v, want one organization payload, one alert body and two sessions' names", done)
			}
			var names []string
			storetest.DB(ctx, st).Model(&store.ConsoleSession{}).Order("id").Pluck("name", &names)
			for _, n := range names {
				if clear, err := newOnly.Open(n, []byte("custos personal data")); err != nil || string(clear) != "Dana Ortiz" {
					t.Errorf("a session's name after reseal: %q, %v", clear, err)
				}
			}
			var orgs []store.Organization
			storetest.DB(ctx, st).Order("source_id").Find(&orgs)
			for _, o := range orgs {
				if _, err := newOnly.Open(o.Raw, []byte("organizations.raw")); err != nil {
					t.Errorf("organization %s: the new key alone cannot open it: %v", o.Name, err)
				}
			}
			if orgs[1].Raw != current {
				t.Error("a value already under the current key was sealed again")
			}
			var d store.Delivery
			storetest.DB(ctx, st).First(&d)
			if clear, err := newOnly.Open(d.Body, []byte("deliveries.body")); err != nil || string(clear) != "Bob Jones deleted user j.doe" {
				t.Errorf("alert body after reseal: %q, %v", clear, err)
			}
			if again, err := st.Reseal(ctx, 0); err != nil || again["organizations.raw"]+again["deliveries.body"]+again["console_sessions.name"] != 0 {
				t.Errorf("a second reseal did %v (%v), want nothing", again, err)
			}
		})
	}
}

func TestReseal_NeedsAKey(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	if _, err := st.Reseal(ctx, 0); !errors.Is(err, store.ErrNoResealer) {
		t.Errorf("Reseal without a key: %v, want ErrNoResealer", err)
	}
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
