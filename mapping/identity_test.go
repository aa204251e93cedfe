package mapping_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestResolve_SameMachineAcrossThreeTools writes one machine as IT Glue, Datto RMM and
// ScreenConnect each know it, under slightly different names, with an access event
// from each remote tool, and checks that everything lands on one customer, one
// device and the right technicians.
func TestResolve_SameMachineAcrossThreeTools(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		opts := mapping.Options{
			CreateFrom: []string{"itglue"},
			Domains:    map[string][]string{"Contoso Ltd": {"contoso.local"}},
			Technicians: []config.Technician{
				{Name: "Alice Smith", Email: "alice@msp.example"},
				{Name: "Bob Jones", Aliases: []string{"B. Jones (helpdesk)"}},
			},
		}
		started := now.Add(-2 * time.Hour)
		write(t, st, "organizations", org("itglue", "2519664", "Contoso Ltd", "Active"))
		write(t, st, "configurations", &record.Configuration{
			Source: "itglue", SourceID: "31200547", CustomerRef: "2519664", Name: "CON-PC-001", Hostname: "CON-PC-001", Serial: "5CG1234XYZ",
		})
		write(t, st, "sites", org("dattormm", "4101", "Contoso, Ltd.", ""))
		write(t, st, "users", &record.UserAccount{Source: "dattormm", SourceID: "asmith", Name: "Alice Smith", Email: "alice@msp.example"})
		write(t, st, "devices", &record.Endpoint{
			Source: "dattormm", SourceID: "880123", CustomerRef: "4101", Hostname: "con-pc-001", Serial: "5cg1234xyz",
		})
		// ScreenConnect's company value is typed by hand and matches no name; its
		// machine's domain ties it to Contoso. The guest reports no serial.
		write(t, st, "sessions",
			org("screenconnect", "Contso", "Contso", ""),
			&record.Endpoint{Source: "screenconnect", SourceID: "7d1c0d8e", CustomerRef: "Contso", Hostname: "CON-PC-001.contoso.local", Domain: "contoso.local"},
			&record.Agent{Source: "screenconnect", SourceID: "7d1c0d8e", Type: record.AgentSupport, CustomerRef: "Contso", DeviceRef: "7d1c0d8e", InstalledAt: started},
		)
		write(t, st, "activity",
			&record.AccessEvent{Source: "dattormm", SourceID: "a-1", Kind: record.KindRemoteSession, Action: "remote/jrto", StartedAt: started,
				CustomerRef: "4101", ActorRef: "asmith", DeviceRef: "880123", DeviceName: "con-pc-001"},
			&record.AccessEvent{Source: "screenconnect", SourceID: "c-1", Kind: record.KindRemoteSession, Action: "Connected", StartedAt: started,
				CustomerRef: "Contso", ActorRef: "Smith, Alice", DeviceRef: "7d1c0d8e"},
			&record.AccessEvent{Source: "screenconnect", SourceID: "c-2", Kind: record.KindCommand, Action: "QueuedCommand", StartedAt: started,
				CustomerRef: "Contso", ActorRef: "B. Jones (helpdesk)", DeviceRef: "7d1c0d8e"},
			&record.AccessEvent{Source: "screenconnect", SourceID: "c-3", Kind: record.KindCommand, Action: "QueuedTool", StartedAt: started,
				CustomerRef: "Contso", ActorRef: "helpdesk-temp", DeviceRef: "7d1c0d8e"},
		)

		res, err := mapping.Resolve(ctx, st, opts, now)
		if err != nil {
			t.Fatal(err)
		}
		contoso, _ := customerOf(t, st, "itglue", "2519664")
		if c, m := customerOf(t, st, "screenconnect", "Contso"); c.ID != contoso.ID || m != mapping.MethodDomain {
			t.Errorf("ScreenConnect company → customer %d by %q, want %d by domain", c.ID, m, contoso.ID)
		}

		var devices []store.Device
		storetest.DB(ctx, st).Find(&devices)
		if len(devices) != 1 {
			t.Fatalf("devices = %+v, want the one machine", devices)
		}
		device := devices[0]
		if device.CustomerID == nil || *device.CustomerID != contoso.ID || device.Serial != "5CG1234XYZ" {
			t.Errorf("device = %+v, want Contoso's with serial 5CG1234XYZ", device)
		}
		for _, table := range []string{"configurations", "endpoints", "agents", "access_events"} {
			var n int64
			storetest.DB(ctx, st).Table(table).Where("device_id IS DISTINCT FROM ? OR customer_id IS DISTINCT FROM ?", device.ID, contoso.ID).Count(&n)
			if n != 0 {
				t.Errorf("%s: %d rows not on device %d of customer %d", table, n, device.ID, contoso.ID)
			}
		}
		if res.DevicesLinked != 3 {
			t.Errorf("devices linked = %d, want 3 (IT Glue, Datto RMM, ScreenConnect)", res.DevicesLinked)
		}

		var techs []store.Technician
		storetest.DB(ctx, st).Order("id").Find(&techs)
		if len(techs) != 2 {
			t.Fatalf("technicians = %+v, want Alice and Bob only (the Datto user is Alice)", techs)
		}
		want := map[string]uint{"a-1": techs[0].ID, "c-1": techs[0].ID, "c-2": techs[1].ID, "c-3": 0}
		for id, tech := range want {
			var e store.AccessEvent
			if err := storetest.DB(ctx, st).Where("source_id = ?", id).Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			got := uint(0)
			if e.TechnicianID != nil {
				got = *e.TechnicianID
			}
			if got != tech {
				t.Errorf("event %s (%s) → technician %d, want %d", id, e.ActorRef, got, tech)
			}
		}

		unresolved, err := st.Unresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantU := store.Unresolved{Kind: store.LinkTechnician, Source: "screenconnect", Ref: "helpdesk-temp", Name: "helpdesk-temp",
			Records: 1, First: started, Last: started}
		if len(unresolved) != 1 || !unresolved[0].First.Equal(started) || !unresolved[0].Last.Equal(started) {
			t.Fatalf("unresolved = %+v, want only %+v", unresolved, wantU)
		}
		unresolved[0].First, unresolved[0].Last = started, started
		if unresolved[0] != wantU {
			t.Errorf("unresolved = %+v, want %+v", unresolved[0], wantU)
		}
	})
}

func TestNormaliseSerialAndHost(t *testing.T) {
	serials := []struct{ in, want string }{
		{"5CG1234XYZ", "5CG1234XYZ"},
		{" 5cg-1234 xyz ", "5CG1234XYZ"},
		{"To be filled by O.E.M.", ""},
		{"System Serial Number", ""},
		{"0000000000", ""},
		{"", ""},
	}
	for _, tt := range serials {
		if got := mapping.NormaliseSerial(tt.in); got != tt.want {
			t.Errorf("NormaliseSerial(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	hosts := []struct{ in, want string }{
		{"CON-PC-001.contoso.local", "conpc001"},
		{"con_pc_001", "conpc001"},
		{" CON-PC-001 ", "conpc001"},
		{"", ""},
	}
	for _, tt := range hosts {
		if got := mapping.NormaliseHost(tt.in); got != tt.want {
			t.Errorf("NormaliseHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalisePerson(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice Smith", "alice smith"},
		{"Smith, Alice", "alice smith"},
		{"  ALICE   smith ", "alice smith"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := mapping.NormalisePerson(tt.in); got != tt.want {
			t.Errorf("NormalisePerson(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
