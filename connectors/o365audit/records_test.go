package o365audit

import (
	"encoding/json"
	"testing"
)

func TestPartnerSignal(t *testing.T) {
	const partner, customer = "b7e1c3a2-5d4f-4e6a-9b8c-0d1e2f3a4b5c", "4f8a2c1e-7b3d-4a5e-8c9f-1a2b3c4d5e6f"
	p := Partner{TenantID: partner, Domains: []string{"mspdemo.onmicrosoft.com", "msp.example"}}
	tests := []struct {
		name, record, want string
	}{
		{"UserType 9", `{"Id":"1","OrganizationId":"` + customer + `","UserType":9,"UserId":"someone@elsewhere.example"}`, "user_type"},
		{"UserType by name", `{"Id":"1","OrganizationId":"` + customer + `","UserType":"PartnerTechnician","UserId":"x@y.example"}`, "user_type"},
		{"actor's organisation is the partner", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"ActorContextId":"` + partner + `","UserId":"alice@msp.example"}`, "actor_context_id"},
		{"actor's organisation in upper case", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"ActorContextId":"B7E1C3A2-5D4F-4E6A-9B8C-0D1E2F3A4B5C"}`, "actor_context_id"},
		{"Exchange token from the partner tenant", `{"Id":"1","OrganizationId":"` + customer + `","UserType":2,"TokenTenantId":"` + partner + `","UserId":"x"}`, "token_tenant_id"},
		{"mailbox access by an external tenant's user", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"ExternalUserTenantId":"` + partner + `","UserId":"x"}`, "external_user_tenant_id"},
		{"user_<hex> form", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"UserId":"user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@mspdemo.onmicrosoft.com"}`, "user_domain"},
		{"domain\\user form", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"UserId":"msp.example\\bob.jones"}`, "user_domain"},
		{"Exchange hosted organisation path", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"UserId":"EURPR04A003.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/mspdemo.onmicrosoft.com/bob.jones"}`, "user_domain"},
		// Near misses.
		{"customer's own admin", `{"Id":"1","OrganizationId":"` + customer + `","UserType":2,"ActorContextId":"` + customer + `","UserId":"admin@contoso.example"}`, ""},
		{"Exchange service host with ExternalAccess", `{"Id":"1","OrganizationId":"` + customer + `","UserType":3,"ExternalAccess":true,"UserId":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.Servicehost)"}`, ""},
		{"service account even with the partner token", `{"Id":"1","OrganizationId":"` + customer + `","UserType":4,"TokenTenantId":"` + partner + `","UserId":"NT AUTHORITY\\SYSTEM"}`, ""},
		{"a domain that only ends like the partner's", `{"Id":"1","OrganizationId":"` + customer + `","UserType":0,"UserId":"eve@notmsp.example"}`, ""},
		{"the partner's own tenant", `{"Id":"1","OrganizationId":"` + partner + `","UserType":0,"ActorContextId":"` + partner + `","UserId":"alice@msp.example"}`, ""},
		{"guest", `{"Id":"1","OrganizationId":"` + customer + `","UserType":10,"UserId":"guest@other.example"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r auditRecord
			if err := json.Unmarshal([]byte(tt.record), &r); err != nil {
				t.Fatal(err)
			}
			if got := p.partnerSignal(&r); got != tt.want {
				t.Errorf("partnerSignal = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRecordKinds(t *testing.T) {
	tests := []struct {
		record           string
		mailbox, removal bool
	}{
		{`{"RecordType":50,"Workload":"Exchange","Operation":"MailItemsAccessed"}`, true, false},
		{`{"RecordType":2,"Workload":"Exchange","Operation":"Send"}`, true, false},
		{`{"RecordType":2,"Workload":"Exchange","Operation":"HardDelete"}`, true, true},
		{`{"RecordType":15,"Workload":"Exchange","Operation":"MailboxLogin"}`, true, false},
		{`{"RecordType":1,"Workload":"Exchange","Operation":"Remove-Mailbox"}`, false, true},
		{`{"RecordType":1,"Workload":"Exchange","Operation":"Remove-MailboxPermission"}`, false, false},
		{`{"RecordType":1,"Workload":"Exchange","Operation":"Set-Mailbox"}`, false, false},
		{`{"RecordType":8,"Workload":"AzureActiveDirectory","Operation":"Delete user."}`, false, true},
		{`{"RecordType":8,"Workload":"AzureActiveDirectory","Operation":"Hard Delete user."}`, false, true},
		{`{"RecordType":8,"Workload":"AzureActiveDirectory","Operation":"Update user."}`, false, false},
		{`{"RecordType":6,"Workload":"SharePoint","Operation":"FileDeleted"}`, false, true},
		{`{"RecordType":6,"Workload":"SharePoint","Operation":"FileAccessed"}`, false, false},
	}
	for _, tt := range tests {
		var r auditRecord
		if err := json.Unmarshal([]byte(tt.record), &r); err != nil {
			t.Fatal(err)
		}
		if r.isMailbox() != tt.mailbox || r.isRemoval() != tt.removal {
			t.Errorf("%s: mailbox %v removal %v, want %v %v", tt.record, r.isMailbox(), r.isRemoval(), tt.mailbox, tt.removal)
		}
	}
}

func TestSourceIP(t *testing.T) {
	for in, want := range map[string]string{
		`{"ClientIP":"203.0.113.11:50412"}`:         "203.0.113.11",
		`{"ClientIP":"[2001:db8::1]:443"}`:          "2001:db8::1",
		`{"ClientIP":"2001:db8::1"}`:                "2001:db8::1",
		`{"ActorIpAddress":"198.51.100.7"}`:         "198.51.100.7",
		`{"ClientIP":"","ClientIPAddress":"[::1]"}`: "::1",
		`{}`: "",
	} {
		var r auditRecord
		if err := json.Unmarshal([]byte(in), &r); err != nil {
			t.Fatal(err)
		}
		if got := r.sourceIP(); got != want {
			t.Errorf("%s: sourceIP = %q, want %q", in, got, want)
		}
	}
}

func TestCreationTime(t *testing.T) {
	for _, v := range []string{"2026-11-20T08:15:02", "2026-11-20T08:15:02.1234567", "2026-11-20T08:15:02Z"} {
		r := auditRecord{ID: "x", CreationTime: v}
		got, err := r.creation()
		if err != nil || got.Format("2006-01-02T15:04:05") != "2026-11-20T08:15:02" || got.Location().String() != "UTC" {
			t.Errorf("%s: %v %v", v, got, err)
		}
	}
	if _, err := (&auditRecord{ID: "x", CreationTime: ""}).creation(); err == nil {
		t.Error("an empty CreationTime parsed")
	}
}
