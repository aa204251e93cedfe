package reconcile_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestIncremental_EqualsFull is the property that makes incremental runs safe: on
// random sequences of changes (events added, authorisations added and revoked,
// verified backups added, events linked to other technicians, devices and
// customers, exclusions added and expiring, names changed, authorisation contacts
// added, a rule setting changed),
// a run of the changed customers leaves every finding (rule, fingerprint, status,
// customer) and every event's decision exactly as a full run at the same time then
// finds them. It also checks that most runs did check fewer than every customer.
func TestIncremental_EqualsFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for seed := range uint64(3) {
			w := newWorld(t, st, seed)
			partial := 0
			for step := range 25 {
				w.change(step)
				inc, err := w.eng.Run(ctx, w.now)
				if err != nil {
					t.Fatal(err)
				}
				if !inc.Scope.Full {
					partial++
				}
				got := w.snapshot()
				if _, err := w.eng.RunFull(ctx, w.now); err != nil {
					t.Fatal(err)
				}
				if want := w.snapshot(); !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d (%sincremental checked %s): incremental and full runs differ:\n%s",
						seed, step, w.did, inc.Scope, diff(got, want))
				}
			}
			t.Logf("seed %d: %d of 25 incremental runs checked fewer than every customer", seed, partial)
			if partial < 10 {
				t.Errorf("seed %d: only %d of 25 incremental runs checked fewer than every customer", seed, partial)
			}
		}
	})
}

// world is a store with customers, technicians and devices that a seeded random
// source changes step by step.
type world struct {
	t         *testing.T
	st        *store.Store
	r         *rand.Rand
	eng       *reconcile.Engine
	now       time.Time
	customers []uint
	techs     []uint
	devices   map[uint][]uint
	seed      uint64
	next      int
	did       string
}

func newWorld(t *testing.T, st *store.Store, seed uint64) *world {
	t.Helper()
	cfg := config.Default()
	set := configured(t, &cfg)
	w := &world{t: t, st: st, seed: seed, r: rand.New(rand.NewPCG(seed, 19)), now: now.Add(time.Duration(seed) * 90 * 24 * time.Hour), devices: map[uint][]uint{},
		eng: &reconcile.Engine{Store: st, Rules: set.Rules, Log: zerolog.Nop(), Access: set.Access, FullEvery: 365 * 24 * time.Hour}}
	db := storetest.DB(ctx, st)
	for i := range 4 {
		tech := store.Technician{Name: fmt.Sprintf("Tech %d-%d", seed, i), Key: fmt.Sprintf("tech %d-%d", seed, i)}
		w.must(db.Create(&tech).Error)
		w.techs = append(w.techs, tech.ID)
	}
	for i := range 5 {
		c := store.Customer{Name: fmt.Sprintf("Customer %d-%d", seed, i), Key: fmt.Sprintf("customer %d-%d", seed, i), Status: store.CustomerActive}
		w.must(db.Create(&c).Error)
		w.customers = append(w.customers, c.ID)
		for j := range 3 {
			d := store.Device{CustomerID: &c.ID, Name: fmt.Sprintf("C%d-%d-PC%d", seed, i, j), HostKey: fmt.Sprintf("c%d%dpc%d", seed, i, j)}
			w.must(db.Create(&d).Error)
			w.devices[c.ID] = append(w.devices[c.ID], d.ID)
		}
	}
	for range 30 {
		w.addEvent()
	}
	for range 10 {
		w.addAuthorisation()
	}
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// change moves the clock on by up to six hours and makes one to three random changes.
func (w *world) change(step int) {
	w.now = w.now.Add(time.Duration(1+w.r.IntN(6*60)) * time.Minute)
	w.did = ""
	changes := []struct {
		name string
		do   func()
	}{
		{"events added", w.addEvent}, {"events added", w.addEvent}, {"authorisation added", w.addAuthorisation},
		{"authorisation revoked", w.revoke}, {"backup added", w.addBackup}, {"event relinked", w.relink},
		{"exclusion added", w.addExclusion}, {"technician renamed", w.rename}, {"contact added", w.addContact},
		{"rule setting changed", w.setting},
	}
	for range 1 + w.r.IntN(3) {
		c := changes[w.r.IntN(len(changes))]
		if c.name == "rule setting changed" && step%5 != 4 {
			continue
		}
		c.do()
		w.did += c.name + "; "
	}
}

func (w *world) customer() uint { return w.customers[w.r.IntN(len(w.customers))] }

// maybe returns one of ids, or nil one time in four.
func (w *world) maybe(ids []uint) *uint {
	if w.r.IntN(4) == 0 {
		return nil
	}
	return &ids[w.r.IntN(len(ids))]
}

// at is a random time in the two days before now.
func (w *world) at() time.Time {
	return w.now.Add(-time.Duration(w.r.IntN(48*60)) * time.Minute).Truncate(time.Minute)
}

func (w *world) pulled(source string) store.Pulled {
	w.next++
	return store.Pulled{Source: source, SourceID: fmt.Sprintf("%d-%d", w.seed, w.next), Stream: "test", Scope: "test", SeenAt: w.now}
}

func (w *world) addEvent() {
	c := w.customer()
	start := w.at()
	end := start.Add(time.Duration(w.r.IntN(120)) * time.Minute)
	kinds := []string{record.KindRemoteSession, record.KindCommand, record.KindM365Admin, record.KindM365Mailbox}
	e := store.AccessEvent{Pulled: w.pulled("screenconnect"), Kind: kinds[w.r.IntN(len(kinds))], Action: "x", StartedAt: start, EndedAt: &end,
		CustomerID: &c, TechnicianID: w.maybe(w.techs), DeviceID: w.maybe(w.devices[c]), ActorRef: "someone", DeviceRef: "somewhere",
		Removal: w.r.IntN(5) == 0}
	w.must(storetest.DB(ctx, w.st).Create(&e).Error)
}

func (w *world) addAuthorisation() {
	c := w.customer()
	from := w.at().Add(-time.Hour)
	a := store.Authorisation{Pulled: w.pulled("register"), CustomerID: &c, TechnicianID: w.maybe(w.techs), DeviceID: w.maybe(w.devices[c]),
		AccessScope: []string{record.ScopeRemote, record.ScopeAny, record.ScopeRemoval, record.ScopeAdmin, record.ScopeCommand}[w.r.IntN(5)],
		ValidFrom:   from, GrantedBy: "Jane Doe", RecordedAt: from.Add(time.Duration(w.r.IntN(6)-1) * time.Hour)}
	if w.r.IntN(5) > 0 {
		to := from.Add(time.Duration(1+w.r.IntN(8)) * time.Hour)
		a.ValidTo = &to
	}
	w.must(storetest.DB(ctx, w.st).Create(&a).Error)
}

func (w *world) revoke() {
	var a store.Authorisation
	if err := storetest.DB(ctx, w.st).Where("revoked_at IS NULL").Order("id DESC").Offset(w.r.IntN(5)).Take(&a).Error; err != nil {
		return
	}
	at := w.at()
	w.must(storetest.DB(ctx, w.st).Model(&a).Updates(store.Authorisation{RevokedAt: &at, RevokedBy: "Jane Doe", RevokeReason: "test"}).Error)
}

func (w *world) addBackup() {
	c := w.customer()
	taken := w.at().Add(-time.Duration(w.r.IntN(72)) * time.Hour)
	b := store.VerifiedBackup{CustomerID: &c, DeviceID: w.maybe(w.devices[c]), What: "mailbox", TakenAt: taken,
		VerifiedAt: taken.Add(time.Duration(w.r.IntN(4)) * time.Hour), VerifiedBy: "Jane Doe", Evidence: "ticket",
		RecordedAt: taken.Add(time.Duration(w.r.IntN(6)) * time.Hour)}
	w.must(storetest.DB(ctx, w.st).Create(&b).Error)
}

// relink ties a random event to another technician, device or customer, as mapping
// does when a link changes.
func (w *world) relink() {
	var e store.AccessEvent
	if err := storetest.DB(ctx, w.st).Select("id", "customer_id").Where("customer_id IN ?", w.customers).Order("id").Offset(w.r.IntN(30)).Take(&e).Error; err != nil {
		return
	}
	db := storetest.DB(ctx, w.st).Model(&store.AccessEvent{}).Where("id = ?", e.ID)
	switch w.r.IntN(3) {
	case 0:
		w.must(db.Update("technician_id", w.maybe(w.techs)).Error)
	case 1:
		w.must(db.Update("device_id", w.maybe(w.devices[*e.CustomerID])).Error)
	default:
		w.must(db.Updates(map[string]any{"customer_id": w.customer(), "device_id": nil}).Error)
	}
}

func (w *world) addExclusion() {
	rules := []string{"", reconcile.RuleAccessUnauthorised, reconcile.RuleCommandUnauthorised, reconcile.RuleRemovalWithoutBackup}
	x := store.Exclusion{Rule: rules[w.r.IntN(len(rules))], TechnicianID: w.maybe(w.techs), Reason: "test", Owner: "jane",
		ExpiresAt: w.now.Add(time.Duration(1+w.r.IntN(12*60)) * time.Minute), CreatedAt: w.now}
	if w.r.IntN(4) > 0 {
		c := w.customer()
		x.CustomerID = &c
	}
	w.must(storetest.DB(ctx, w.st).Create(&x).Error)
}

// addContact makes Jane Doe, who grants every authorisation, an authorisation
// contact of a random customer (GRANTOR-NOT-AUTHORISED).
func (w *world) addContact() {
	c := w.customer()
	ct := store.Contact{Pulled: w.pulled("autotask"), Name: "Jane Doe", Authorised: true, Active: true, CustomerID: &c}
	w.must(storetest.DB(ctx, w.st).Create(&ct).Error)
}

func (w *world) rename() {
	id := w.techs[w.r.IntN(len(w.techs))]
	w.must(storetest.DB(ctx, w.st).Model(&store.Technician{}).Where("id = ?", id).Update("name", fmt.Sprintf("Tech renamed %d", w.r.IntN(1000))).Error)
}

// setting changes the grace after an authorisation's end, as an operator editing
// the configuration does.
func (w *world) setting() {
	a := *w.eng.Access
	a.Grace.After = time.Duration(w.r.IntN(4)) * 15 * time.Minute
	w.eng.Access = &a
}

// snapshot lists every finding (rule, fingerprint, status, customer) and every
// event's decision, one line each, in a fixed order.
func (w *world) snapshot() []string {
	var out []string
	fs, err := w.st.Findings(ctx, store.FindingFilter{})
	w.must(err)
	for _, f := range fs {
		out = append(out, fmt.Sprintf("finding %s %s %s customer %s", f.Rule, f.Fingerprint, f.Status, idText(f.CustomerID)))
	}
	var evs []store.AccessEvent
	w.must(storetest.DB(ctx, w.st).Select("id", "covered_by", "backup_id", "decision", "authorised_late_by", "late_backup_id").Find(&evs).Error)
	for _, e := range evs {
		out = append(out, fmt.Sprintf("event %d covered by %s backup %s late %s late backup %s: %s",
			e.ID, idText(e.CoveredBy), idText(e.BackupID), idText(e.AuthorisedLateBy), idText(e.LateBackupID), e.Decision))
	}
	slices.Sort(out)
	return out
}

func idText(id *uint) string {
	if id == nil {
		return "-"
	}
	return strconv.FormatUint(uint64(*id), 10)
}

// diff lists the lines only one of got and want has.
func diff(got, want []string) string {
	var out string
	for _, g := range got {
		if !slices.Contains(want, g) {
			out += "  incremental only: " + g + "\n"
		}
	}
	for _, x := range want {
		if !slices.Contains(got, x) {
			out += "  full only:        " + x + "\n"
		}
	}
	return out
}
