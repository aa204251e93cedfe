package register_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var (
	ctx = context.Background()
	now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
)

// world is the canonical rows the tests' authorisations name.
type world struct {
	contoso, fabrikam store.Customer
	bob, alice        store.Technician
	pc42, fabPC       store.Device
}

func seed(t *testing.T, st *store.Store) world {
	t.Helper()
	w := world{
		contoso:  store.Customer{Name: "Contoso Ltd", Key: "contoso", Status: store.CustomerActive},
		fabrikam: store.Customer{Name: "Fabrikam Inc", Key: "fabrikam", Status: store.CustomerActive},
		bob:      store.Technician{Name: "Bob Jones", Key: "bob jones"},
		alice:    store.Technician{Name: "Alice Smith", Key: "alice smith"},
	}
	db := storetest.DB(ctx, st)
	for _, row := range []any{&w.contoso, &w.fabrikam, &w.bob, &w.alice} {
		if err := db.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.pc42 = store.Device{CustomerID: &w.contoso.ID, Name: "PC-042", HostKey: "pc042"}
	w.fabPC = store.Device{CustomerID: &w.fabrikam.ID, Name: "FAB-PC1", HostKey: "fabpc1"}
	for _, row := range []any{&w.pc42, &w.fabPC} {
		if err := db.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func at(hour int) time.Time { return time.Date(2026, 11, 21, hour, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// entry is a valid window for Bob on Contoso's PC-042, changed by edit.
func entry(edit func(*register.Entry)) register.Entry {
	e := register.Entry{
		Customer: "Contoso Ltd", Technician: "Bob Jones", Device: "PC-042", Scope: "remote",
		From: at(9), To: ptr(at(17)), GrantedBy: "Jane Doe", Evidence: "T20261121.0001", RecordedBy: "bob",
	}
	if edit != nil {
		edit(&e)
	}
	return e
}

func add(t *testing.T, st *store.Store, e register.Entry) store.Authorisation {
	t.Helper()
	a, err := register.Add(ctx, st, e, now)
	if err != nil {
		t.Fatalf("Add(%+v): %v", e, err)
	}
	return a
}

func count(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var n int64
	if err := storetest.DB(ctx, st).Model(&store.Authorisation{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func idOrNil(p *uint) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestAdd_ResolvesNamesAndStoresCanonicalIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := seed(t, st)
		tests := []struct {
			name                     string
			edit                     func(*register.Entry)
			customer, tech, device   *uint
			techRef, deviceRef, want string
		}{
			{"names", nil, &w.contoso.ID, &w.bob.ID, &w.pc42.ID, "Bob Jones", "PC-042", "remote"},
			{"other spellings", func(e *register.Entry) {
				e.Customer, e.Technician, e.Device, e.Scope = "CONTOSO limited", "jones, bob", "pc-042.contoso.local", "Admin"
			}, &w.contoso.ID, &w.bob.ID, &w.pc42.ID, "jones, bob", "pc-042.contoso.local", "admin"},
			{"ids", func(e *register.Entry) {
				e.Customer, e.Technician, e.Device = fmt.Sprint(w.contoso.ID), fmt.Sprint(w.alice.ID), fmt.Sprint(w.pc42.ID)
			}, &w.contoso.ID, &w.alice.ID, &w.pc42.ID, fmt.Sprint(w.alice.ID), fmt.Sprint(w.pc42.ID), "remote"},
			{"any technician and device", func(e *register.Entry) { e.Technician, e.Device = "Any", "any" },
				&w.contoso.ID, nil, nil, "", "", "remote"},
			{"empty technician and device mean any", func(e *register.Entry) { e.Technician, e.Device, e.To = "", "", nil },
				&w.contoso.ID, nil, nil, "", "", "remote"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := entry(tt.edit)
				a := add(t, st, e)
				var got store.Authorisation
				if err := storetest.DB(ctx, st).Take(&got, a.ID).Error; err != nil {
					t.Fatal(err)
				}
				if got.Source != register.Source || got.Stream != register.StreamManual ||
					!strings.HasPrefix(got.SourceID, "reg-") || len(got.SourceID) != len("reg-")+16 {
					t.Errorf("source %q stream %q id %q; want register, register, reg-<16 hex>", got.Source, got.Stream, got.SourceID)
				}
				if idOrNil(got.CustomerID) != idOrNil(tt.customer) || idOrNil(got.TechnicianID) != idOrNil(tt.tech) ||
					idOrNil(got.DeviceID) != idOrNil(tt.device) {
					t.Errorf("ids customer %s technician %s device %s; want %s %s %s",
						idOrNil(got.CustomerID), idOrNil(got.TechnicianID), idOrNil(got.DeviceID),
						idOrNil(tt.customer), idOrNil(tt.tech), idOrNil(tt.device))
				}
				if got.CustomerRef != e.Customer || got.TechnicianRef != tt.techRef || got.DeviceRef != tt.deviceRef {
					t.Errorf("refs %q %q %q; want what was typed: %q %q %q", got.CustomerRef, got.TechnicianRef, got.DeviceRef, e.Customer, tt.techRef, tt.deviceRef)
				}
				if got.AccessScope != tt.want || !got.ValidFrom.Equal(e.From) || (got.ValidTo == nil) != (e.To == nil) ||
					(e.To != nil && !got.ValidTo.Equal(*e.To)) {
					t.Errorf("scope %q from %v to %v; want %q %v %v", got.AccessScope, got.ValidFrom, got.ValidTo, tt.want, e.From, e.To)
				}
				if got.GrantedBy != "Jane Doe" || got.Evidence != "T20261121.0001" || got.RecordedBy != "bob" ||
					!got.RecordedAt.Equal(now) || !got.SeenAt.Equal(now) || got.RevokedAt != nil {
					t.Errorf("recorded %+v", got)
				}
			})
		}
	})
}

func TestAdd_RefusesEachInvalidField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := seed(t, st)
		tests := []struct {
			name   string
			edit   func(*register.Entry)
			fields []string
		}{
			{"no customer", func(e *register.Entry) { e.Customer = " " }, []string{register.FieldCustomer}},
			{"unknown customer", func(e *register.Entry) { e.Customer = "Contso" }, []string{register.FieldCustomer}},
			{"customer id that does not exist", func(e *register.Entry) { e.Customer = "999" }, []string{register.FieldCustomer}},
			{"any customer", func(e *register.Entry) { e.Customer = "any" }, []string{register.FieldCustomer}},
			{"unknown technician", func(e *register.Entry) { e.Technician = "Bobby Tables" }, []string{register.FieldTechnician}},
			{"unknown device", func(e *register.Entry) { e.Device = "PC-999" }, []string{register.FieldDevice}},
			{"another customer's device", func(e *register.Entry) { e.Device = w.fabPC.Name }, []string{register.FieldDevice}},
			{"no scope", func(e *register.Entry) { e.Scope = "" }, []string{register.FieldScope}},
			{"unknown scope", func(e *register.Entry) { e.Scope = "everything" }, []string{register.FieldScope}},
			{"no start", func(e *register.Entry) { e.From = time.Time{} }, []string{register.FieldValidFrom}},
			{"ends before it starts", func(e *register.Entry) { e.To = ptr(at(8)) }, []string{register.FieldValidTo}},
			{"ends as it starts", func(e *register.Entry) { e.To = ptr(at(9)) }, []string{register.FieldValidTo}},
			{"no grantor", func(e *register.Entry) { e.GrantedBy = "" }, []string{register.FieldGrantedBy}},
			{"no recorder", func(e *register.Entry) { e.RecordedBy = "" }, []string{register.FieldRecordedBy}},
			{"everything wrong at once", func(e *register.Entry) {
				*e = register.Entry{Customer: "Contso", Technician: "Nobody", Device: "Nothing", Scope: "all", From: at(9), To: ptr(at(9))}
			}, []string{
				register.FieldCustomer, register.FieldTechnician, register.FieldDevice, register.FieldScope,
				register.FieldValidTo, register.FieldGrantedBy, register.FieldRecordedBy,
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := register.Add(ctx, st, entry(tt.edit), now)
				var invalid *register.InvalidError
				if !errors.As(err, &invalid) {
					t.Fatalf("err = %v, want an *InvalidError", err)
				}
				var fields []string
				for _, p := range invalid.Problems {
					fields = append(fields, p.Field)
					if !strings.Contains(err.Error(), p.Field+": "+p.Message) {
						t.Errorf("error %q does not name %s", err, p.Field)
					}
				}
				if !slices.Equal(fields, tt.fields) {
					t.Errorf("problems %+v; want fields %v", invalid.Problems, tt.fields)
				}
				if n := count(t, st); n != 0 {
					t.Errorf("%d authorisations stored after a refusal", n)
				}
			})
		}
	})
}

func TestRevoke_KeepsTheRecordAndRefusesASecondRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		a := add(t, st, entry(nil))
		revokedAt := at(13)
		if err := register.Revoke(ctx, st, a.ID, "alice", "customer withdrew permission", revokedAt); err != nil {
			t.Fatal(err)
		}
		var got store.Authorisation
		if err := storetest.DB(ctx, st).Take(&got, a.ID).Error; err != nil {
			t.Fatalf("the revoked authorisation is gone: %v", err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) || got.RevokedBy != "alice" || got.RevokeReason != "customer withdrew permission" {
			t.Errorf("revocation recorded as %v %q %q", got.RevokedAt, got.RevokedBy, got.RevokeReason)
		}
		if got.GrantedBy != a.GrantedBy || !got.ValidFrom.Equal(a.ValidFrom) || !got.ValidTo.Equal(*a.ValidTo) || got.Evidence != a.Evidence {
			t.Errorf("revoking changed the history: %+v", got)
		}

		err := register.Revoke(ctx, st, a.ID, "bob", "again", at(14))
		if !errors.Is(err, register.ErrRevoked) {
			t.Fatalf("second revoke: %v, want ErrRevoked", err)
		}
		for _, want := range []string{"2026-11-21T13:00:00Z", "alice"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("second revoke error %q does not say %q", err, want)
			}
		}
		if err := storetest.DB(ctx, st).Take(&got, a.ID).Error; err != nil || got.RevokedBy != "alice" || !got.RevokedAt.Equal(revokedAt) {
			t.Errorf("the second revoke changed the first: %v %+v", err, got)
		}
	})
}

func TestRevoke_Refuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		a := add(t, st, entry(nil))
		tests := []struct {
			name       string
			id         uint
			by, reason string
			field      string
			is         error
		}{
			{"no reason", a.ID, "alice", " ", register.FieldReason, nil},
			{"no revoker", a.ID, "", "withdrawn", register.FieldBy, nil},
			{"unknown id", a.ID + 100, "alice", "withdrawn", "", gorm.ErrRecordNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := register.Revoke(ctx, st, tt.id, tt.by, tt.reason, now)
				var invalid *register.InvalidError
				switch {
				case tt.is != nil && !errors.Is(err, tt.is):
					t.Errorf("err = %v, want %v", err, tt.is)
				case tt.field != "" && (!errors.As(err, &invalid) || invalid.Problems[0].Field != tt.field):
					t.Errorf("err = %v, want a problem with %s", err, tt.field)
				}
			})
		}
		var got store.Authorisation
		if err := storetest.DB(ctx, st).Take(&got, a.ID).Error; err != nil || got.RevokedAt != nil {
			t.Errorf("a refused revoke revoked: %v %+v", err, got)
		}
	})
}

func TestList_ActiveOrAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := seed(t, st)
		ids := map[string]uint{}
		for name, e := range map[string]register.Entry{
			"window":   entry(nil),
			"expired":  entry(func(e *register.Entry) { e.From, e.To = at(8), ptr(at(10)) }),
			"upcoming": entry(func(e *register.Entry) { e.From, e.To = at(13), ptr(at(15)) }),
			"standing": entry(func(e *register.Entry) { e.Technician, e.Device, e.To = "any", "any", nil }),
			"revoked":  entry(func(e *register.Entry) { e.From = at(10) }),
			"fabrikam": entry(func(e *register.Entry) { e.Customer, e.Device = "Fabrikam", "FAB-PC1" }),
		} {
			ids[name] = add(t, st, e).ID
		}
		if err := register.Revoke(ctx, st, ids["revoked"], "alice", "withdrawn", at(11)); err != nil {
			t.Fatal(err)
		}
		name := func(id uint) string {
			for n, i := range ids {
				if i == id {
					return n
				}
			}
			return fmt.Sprint(id)
		}
		tests := []struct {
			filter register.Filter
			want   []string
		}{
			{register.Filter{}, []string{"expired", "fabrikam", "window", "revoked", "upcoming", "standing"}},
			{register.Filter{Active: true, At: now}, []string{"fabrikam", "window", "standing"}},
			{register.Filter{Customer: "contoso", Active: true, At: now}, []string{"window", "standing"}},
			{register.Filter{Customer: fmt.Sprint(w.fabrikam.ID)}, []string{"fabrikam"}},
			// Before its revocation, the revoked one was active.
			{register.Filter{Customer: "Contoso Ltd", Active: true, At: at(10)}, []string{"window", "revoked", "standing"}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%+v", tt.filter), func(t *testing.T) {
				views, err := register.List(ctx, st, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, v := range views {
					got = append(got, name(v.ID))
				}
				// List orders by start then id; entries added from a map have random ids.
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.want))
				if !slices.Equal(got, want) {
					t.Errorf("listed %v, want %v", got, want)
				}
			})
		}

		views, err := register.List(ctx, st, register.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]string{}
		for _, v := range views {
			statuses[name(v.ID)] = v.Status(now)
			switch name(v.ID) {
			case "window":
				if v.CustomerName != "Contoso Ltd" || v.TechnicianName != "Bob Jones" || v.DeviceName != "PC-042" {
					t.Errorf("window names %q %q %q", v.CustomerName, v.TechnicianName, v.DeviceName)
				}
			case "standing":
				if v.TechnicianName != "" || v.DeviceName != "" || v.TechnicianID != nil {
					t.Errorf("standing (any) names %q %q", v.TechnicianName, v.DeviceName)
				}
			}
		}
		want := map[string]string{
			"window": register.StatusActive, "expired": register.StatusExpired, "upcoming": register.StatusUpcoming,
			"standing": register.StatusActive, "revoked": register.StatusRevoked, "fabrikam": register.StatusActive,
		}
		for n, s := range want {
			if statuses[n] != s {
				t.Errorf("status of %s = %q, want %q", n, statuses[n], s)
			}
		}

		var invalid *register.InvalidError
		if _, err := register.List(ctx, st, register.Filter{Customer: "Contso"}); !errors.As(err, &invalid) {
			t.Errorf("listing an unknown customer: %v, want an *InvalidError", err)
		}
	})
}
