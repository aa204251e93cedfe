package sync_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/connectors/dattormm"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	itgluefx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
)

// devicesStream returns the real Datto RMM devices stream pointed at the fake server.
func devicesStream(t *testing.T, srv *fx.Server) connectors.Stream {
	t.Helper()
	cfg := config.Default().Connectors.DattoRMM
	cfg.Enabled = true
	cfg.BaseURL = srv.URL()
	cfg.PageSize = 4
	cfg.HTTP = connectortest.FastHTTP(2 * time.Second)
	c := dattormm.New(cfg, secret.New(fx.DemoAPIKey), secret.New(fx.DemoAPISecret),
		connectors.Deps{UserAgent: "Custos/test", Logger: zerolog.Nop(), Redactor: secret.NewRedactor()})
	for _, s := range c.Streams() {
		if s.Name() == "devices" {
			return s
		}
	}
	t.Fatal("no devices stream")
	return nil
}

// storedDevices returns the ids of the endpoints stored, and of those marked removed.
func storedDevices(t *testing.T, st *store.Store) (all, removed []string) {
	t.Helper()
	var rows []store.Endpoint
	if err := storetest.DB(ctx, st).Order("source_id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		all = append(all, r.SourceID)
		if r.RemovedAt != nil {
			removed = append(removed, r.SourceID)
		}
	}
	return all, removed
}

func TestQuarantine_BadDattoDeviceMarksNoStoredDeviceRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ds, err := fx.LoadDemo(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		srv := fx.NewServer(ds, fx.DemoAPIKey, fx.DemoAPISecret)
		defer srv.Close()
		stream := devicesStream(t, srv)
		e := engine(st, 3)
		clock := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		e.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
		pull := func(step string) sync.Result {
			t.Helper()
			res := e.RunStream(ctx, dattormm.Name, stream)
			if len(res) != 1 || res[0].Err != nil {
				t.Fatalf("%s: results %+v", step, res)
			}
			return res[0]
		}
		pull("first pull")
		all, _ := storedDevices(t, st)
		if len(all) != len(ds.Devices) {
			t.Fatalf("%d devices stored, want %d", len(all), len(ds.Devices))
		}
		quarantined := func() []store.QuarantinedRecord {
			t.Helper()
			rows, err := st.ListQuarantined(ctx, store.QuarantineFilter{Source: dattormm.Name})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}

		// A device whose hostname is a number: its id is still readable.
		bad, badID := ds.Devices[1], fmt.Sprint(ds.Devices[1]["id"])
		host := bad["hostname"]
		bad["hostname"] = 42
		if res := pull("wrong-typed hostname"); res.Removed != 0 {
			t.Errorf("a wrongly typed device marked %d stored devices removed", res.Removed)
		}
		if _, removed := storedDevices(t, st); len(removed) != 0 {
			t.Errorf("removed after a wrongly typed device: %v", removed)
		}
		q := quarantined()
		if len(q) != 1 || q[0].SourceID != badID || q[0].Stream != "devices" || q[0].Kind != "endpoint" ||
			q[0].Error == "" || q[0].Page != "GET /api/v2/account/devices?max=4&page=0" {
			t.Fatalf("quarantined = %+v, want device %s of GET /api/v2/account/devices?max=4&page=0", q, badID)
		}

		// A device without a readable id: any stored device may be it, so none is
		// marked removed, not even one the vendor no longer lists.
		bad["hostname"] = host
		noID, noIDWas := ds.Devices[2], ds.Devices[2]["id"]
		noID["id"] = "not-a-number"
		gone := fmt.Sprint(ds.Devices[len(ds.Devices)-1]["id"])
		ds.Devices = ds.Devices[:len(ds.Devices)-1]
		if res := pull("device without an id"); res.Removed != 0 {
			t.Errorf("a device without an id let the snapshot mark %d devices removed", res.Removed)
		}
		if _, removed := storedDevices(t, st); len(removed) != 0 {
			t.Errorf("removed while a device without an id was quarantined: %v", removed)
		}
		if q := quarantined(); len(q) != 1 || q[0].SourceID != "" {
			t.Errorf("quarantined = %+v, want only the device without an id (the other decoded)", q)
		}

		// Every device decodes again: the quarantine empties and the device the vendor
		// no longer lists is marked removed.
		noID["id"] = noIDWas
		if res := pull("all decode"); res.Removed != 1 {
			t.Errorf("%d devices marked removed, want 1", res.Removed)
		}
		if q := quarantined(); len(q) != 0 {
			t.Errorf("quarantined after every device decoded: %+v", q)
		}
		if _, removed := storedDevices(t, st); !slices.Equal(removed, []string{gone}) {
			t.Errorf("removed = %v, want only %s, which the vendor no longer lists", removed, gone)
		}
	})
}

func TestQuarantine_WronglyTypedITGlueFieldFailsNoOrganization(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ds := itgluefx.Generate(2, 12, 1, now)
		bad := ds.Configurations[4]
		created := bad.Attributes["created-at"]
		bad.Attributes["created-at"] = 20261121 // a number where a timestamp string belongs
		srv := itgluefx.NewServer(ds, fakeKey)  // renders the dataset as it is now
		defer srv.Close()
		conn := itglueConnector(srv, 3, zerolog.Nop())

		for run := 1; run <= 2; run++ {
			if _, err := engine(st, 5).Run(ctx, conn); err != nil {
				t.Fatalf("sync %d with one wrongly typed configuration: %v", run, err)
			}
		}
		var n int64
		storetest.DB(ctx, st).Model(&store.Configuration{}).Where("removed_at IS NULL").Count(&n)
		if n != int64(len(ds.Configurations)-1) {
			t.Errorf("%d configurations stored, want every one but the bad one, %d", n, len(ds.Configurations)-1)
		}
		q, err := st.ListQuarantined(ctx, store.QuarantineFilter{Source: "itglue"})
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 1 || q[0].SourceID != bad.ID || q[0].Kind != "configuration" ||
			!strings.Contains(q[0].Error, "created-at") || !strings.Contains(q[0].Page, "GET /configurations page") {
			t.Fatalf("quarantined = %+v, want configuration %s naming created-at and its page", q, bad.ID)
		}

		bad.Attributes["created-at"] = created
		fixed := itgluefx.NewServer(ds, fakeKey)
		defer fixed.Close()
		if _, err := engine(st, 5).Run(ctx, itglueConnector(fixed, 3, zerolog.Nop())); err != nil {
			t.Fatal(err)
		}
		if q, _ := st.ListQuarantined(ctx, store.QuarantineFilter{}); len(q) != 0 {
			t.Errorf("quarantined after the configuration decoded: %+v", q)
		}
	})
}
