package mapping_test

import (
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var partnerDomains = []string{"mspdemo.onmicrosoft.com", "msp.example"}

func TestPartnerNames(t *testing.T) {
	tests := []struct {
		ref  string
		want []string
	}{
		{"user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@mspdemo.onmicrosoft.com",
			[]string{"2f6c8e1a-9b3d-4c5e-8f7a-6b5c4d3e2f1a", "user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@msp.example"}},
		{"USER_2F6C8E1A9B3D4C5E8F7A6B5C4D3E2F1A@MSPDEMO.ONMICROSOFT.COM",
			[]string{"2f6c8e1a-9b3d-4c5e-8f7a-6b5c4d3e2f1a", "user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@msp.example"}},
		{`msp.example\bob.jones`, []string{"bob.jones@msp.example", "bob.jones", "bob.jones@mspdemo.onmicrosoft.com"}},
		{"EURPR04A003.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/mspdemo.onmicrosoft.com/bob.jones",
			[]string{"bob.jones@mspdemo.onmicrosoft.com", "bob.jones", "bob.jones@msp.example"}},
		{"alice.smith@mspdemo.onmicrosoft.com", []string{"alice.smith", "alice.smith@msp.example"}},
		// Near misses: not a partner domain, not an object id, not a partner form.
		{"alice.smith@contoso.example", nil},
		{`contoso\bob.jones`, []string{"bob.jones@contoso"}},
		{"user_2f6c8e1a@mspdemo.onmicrosoft.com", []string{"user_2f6c8e1a@msp.example"}},
		{"user_zz6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@other.example", nil},
		{`NT AUTHORITY\SYSTEM (Microsoft.Exchange.Servicehost)`, nil},
		{"Alice Smith", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := mapping.PartnerNames(tt.ref, partnerDomains); !slices.Equal(got, tt.want) {
			t.Errorf("PartnerNames(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

// TestResolve_PartnerFormsReachOneTechnician writes the forms under which a partner
// technician appears in a customer's audit log and checks that each lands on the
// right technician, and that look-alikes stay unresolved.
func TestResolve_PartnerFormsReachOneTechnician(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		opts := mapping.Options{
			CreateFrom:     []string{"itglue"},
			PartnerDomains: partnerDomains,
			Technicians: []config.Technician{
				{Name: "Alice Smith", Email: "alice.smith@msp.example"},
				{Name: "Bob Jones", Email: "bob.jones@msp.example", Aliases: []string{"2F6C8E1A-9B3D-4C5E-8F7A-6B5C4D3E2F1A"}},
			},
		}
		refs := map[string]string{
			"alice.smith@msp.example":                                       "Alice Smith",
			"alice.smith@mspdemo.onmicrosoft.com":                           "Alice Smith",
			"user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@mspdemo.onmicrosoft.com": "Bob Jones",
			`msp.example\bob.jones`:                                         "Bob Jones",
			"EURPR04A003.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/mspdemo.onmicrosoft.com/bob.jones": "Bob Jones",
			"user_0000000000000000000000000000000a@mspdemo.onmicrosoft.com":                                          "",
			"alice.smith@contoso.example": "",
			`contoso.example\bob.jones`:   "",
		}
		var events []record.Record
		for ref := range refs {
			events = append(events, &record.AccessEvent{Source: "o365audit", SourceID: "e-" + ref, Kind: record.KindM365Admin,
				Action: "Set-Mailbox", StartedAt: now.Add(-time.Hour), CustomerRef: "t-1", ActorRef: ref})
		}
		write(t, st, "exchange", events...)
		if _, err := mapping.Resolve(ctx, st, opts, now); err != nil {
			t.Fatal(err)
		}
		for ref, want := range refs {
			stored, err := st.PersonRef(ref)
			if err != nil {
				t.Fatal(err)
			}
			var ev store.AccessEvent
			if err := storetest.DB(ctx, st).Where("source = ? AND actor_ref = ?", "o365audit", stored).Take(&ev).Error; err != nil {
				t.Fatal(err)
			}
			got := ""
			if ev.TechnicianID != nil {
				var tech store.Technician
				if err := storetest.DB(ctx, st).First(&tech, *ev.TechnicianID).Error; err != nil {
					t.Fatal(err)
				}
				got = tech.Name
			}
			if got != want {
				t.Errorf("%q → technician %q, want %q", ref, got, want)
			}
		}
	})
}
