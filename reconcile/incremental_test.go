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
	"github.com/custos-msp/custos/sweep"
)

// TestIncremental_EqualsFull is the property that makes incremental runs safe: on
// random sequences of changes (events added, moved to other days, edited and
// deleted, long sessions across midnight, authorisations added, moved, revoked and
// removed, some spanning midnight and some beginning just after an access of the
// day before, verified backups added and withdrawn, events linked to other
// technicians, devices and customers, exclusions added and expiring, names
// changed, authorisation contacts added, a rule setting changed), most of them in
// the middle of ten days of history, a run of the changed customers leaves every
// finding (rule, fingerprint, status, customer, day, summary, evidence) and every
// event's decision exactly as a full run at the same time then finds them. It also
// checks that most runs did check fewer than every customer, and some of them
// only some days of a customer.
func TestIncremental_EqualsFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for seed := range uint64(3) {
			w := newWorld(t, st, seed)
			partial, ranged := 0, 0
			for step := range 25 {
				w.change(step)
				inc, err := w.eng.Run(ctx, w.now)
				if err != nil {
					t.Fatal(err)
				}
				if !inc.Scope.Full {
					partial++
				}
				if len(inc.Scope.Days) > 0 {
					ranged++
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
			t.Logf("seed %d: %d of 25 incremental runs checked fewer than every customer, %d some customers' days only", seed, partial, ranged)
			if partial < 10 || ranged < 5 {
				t.Errorf("seed %d: only %d of 25 incremental runs checked fewer than every customer, %d some days only", seed, partial, ranged)
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
	start     time.Time
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
	w.start = w.now
	for range 150 {
		w.addEvent()
	}
	for range 15 {
		w.addNearMidnight()
	}
	for range 120 {
		w.addAuthorisation()
	}
	for range 20 {
		w.addBackup()
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
		{"event moved", w.moveEvent}, {"event edited", w.editEvent}, {"event deleted", w.deleteEvent},
		{"long session added", w.addLongSession}, {"access added just before midnight", w.addNearMidnight},
		{"authorisation moved", w.moveAuthorisation}, {"authorisation removed", w.removeAuthorisation},
		{"authorisation spanning midnight added", w.addAcrossMidnight},
		{"authorisation just after an access added", w.addJustAfter}, {"authorisation just after an access added", w.addJustAfter},
		{"backup withdrawn", w.withdrawBackup},
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

// at is a random time in the history: from ten days before the world began up to now.
func (w *world) at() time.Time {
	span := w.now.Sub(w.start) + 10*24*time.Hour
	return w.now.Add(-time.Duration(w.r.Int64N(int64(span)))).Truncate(time.Minute)
}

// midnight is a random midnight of the history.
func (w *world) midnight() time.Time {
	return w.at().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

func (w *world) pulled(source string) store.Pulled {
	w.next++
	return store.Pulled{Source: source, SourceID: fmt.Sprintf("%d-%d", w.seed, w.next), Stream: "test", Scope: "test", SeenAt: w.now}
}

func (w *world) addEvent() { w.addEventAt(w.at(), time.Duration(w.r.IntN(120))*time.Minute) }

// addLongSession adds a session of two to eight hours that began in the evening.
func (w *world) addLongSession() {
	w.addEventAt(w.midnight().Add(-time.Duration(1+w.r.IntN(4*60))*time.Minute), time.Duration(2+w.r.IntN(7))*time.Hour)
}

// addNearMidnight adds an access that began in the ten minutes before a midnight,
// which an authorisation beginning just after the midnight covers with the grace
// before.
func (w *world) addNearMidnight() {
	w.addEventAt(w.midnight().Add(-time.Duration(1+w.r.IntN(10))*time.Minute), time.Duration(w.r.IntN(30))*time.Minute)
}

func (w *world) addEventAt(start time.Time, d time.Duration) {
	c := w.customer()
	end := start.Add(d)
	kinds := []string{record.KindRemoteSession, record.KindCommand, record.KindM365Admin, record.KindM365Mailbox}
	e := store.AccessEvent{Pulled: w.pulled("screenconnect"), Kind: kinds[w.r.IntN(len(kinds))], Action: "x", StartedAt: start, EndedAt: &end,
		CustomerID: &c, TechnicianID: w.maybe(w.techs), DeviceID: w.maybe(w.devices[c]), ActorRef: "someone", DeviceRef: "somewhere",
		Removal: w.r.IntN(5) == 0}
	w.must(storetest.DB(ctx, w.st).Create(&e).Error)
}

// anEvent returns a random event of the world's customers, or false when there is none.
func (w *world) anEvent(where ...any) (store.AccessEvent, bool) {
	var e store.AccessEvent
	q := storetest.DB(ctx, w.st).Where("customer_id IN ?", w.customers)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	var n int64
	w.must(q.Model(&store.AccessEvent{}).Count(&n).Error)
	if n == 0 {
		return e, false
	}
	w.must(q.Order("id").Offset(w.r.IntN(int(n))).Take(&e).Error)
	return e, true
}

// moveEvent moves a random event by up to three days either way.
func (w *world) moveEvent() {
	e, ok := w.anEvent()
	if !ok {
		return
	}
	by := time.Duration(w.r.IntN(6*24*60)-3*24*60) * time.Minute
	start := e.StartedAt.Add(by)
	end := start
	if e.EndedAt != nil {
		end = e.EndedAt.Add(by)
	}
	w.must(storetest.DB(ctx, w.st).Model(&e).Updates(map[string]any{"started_at": start, "ended_at": end}).Error)
}

// editEvent makes a random event a removal or not, or another kind.
func (w *world) editEvent() {
	e, ok := w.anEvent()
	if !ok {
		return
	}
	kinds := []string{record.KindRemoteSession, record.KindCommand, record.KindM365Admin}
	w.must(storetest.DB(ctx, w.st).Model(&e).Updates(map[string]any{"removal": !e.Removal, "kind": kinds[w.r.IntN(len(kinds))]}).Error)
}

func (w *world) deleteEvent() {
	if e, ok := w.anEvent(); ok {
		w.must(storetest.DB(ctx, w.st).Delete(&e).Error)
	}
}

func (w *world) addAuthorisation() {
	c := w.customer()
	var to *time.Time
	if w.r.IntN(8) > 0 {
		to = new(time.Time)
	}
	w.authorise(c, w.maybe(w.techs), w.maybe(w.devices[c]), w.at().Add(-time.Hour), to)
}

// authorise adds an authorisation of customer c from from, of a random scope, and
// for to a random span of up to eight hours (nil: standing).
func (w *world) authorise(c uint, tech, device *uint, from time.Time, to *time.Time) {
	a := store.Authorisation{Pulled: w.pulled("register"), CustomerID: &c, TechnicianID: tech, DeviceID: device,
		AccessScope: []string{record.ScopeRemote, record.ScopeAny, record.ScopeRemoval, record.ScopeAdmin, record.ScopeCommand}[w.r.IntN(5)],
		ValidFrom:   from, GrantedBy: "Jane Doe", RecordedAt: from.Add(time.Duration(w.r.IntN(6)-1) * time.Hour)}
	if to != nil {
		if to.IsZero() {
			*to = from.Add(time.Duration(1+w.r.IntN(8)) * time.Hour)
		}
		a.ValidTo = to
	}
	w.must(storetest.DB(ctx, w.st).Create(&a).Error)
}

// addAcrossMidnight adds an authorisation from the evening to the next morning.
func (w *world) addAcrossMidnight() {
	c := w.customer()
	m := w.midnight()
	to := m.Add(time.Duration(1+w.r.IntN(3*60)) * time.Minute)
	w.authorise(c, w.maybe(w.techs), w.maybe(w.devices[c]), m.Add(-time.Duration(1+w.r.IntN(3*60))*time.Minute), &to)
}

// addJustAfter adds an authorisation, for any scope, beginning five to ten minutes
// after an access began, so that the grace before covers it: often an access just
// before midnight, covered by an authorisation of the day after.
func (w *world) addJustAfter() {
	e, ok := w.anEvent("started_at >= ?", w.start.Add(-10*24*time.Hour))
	if w.r.IntN(3) > 0 {
		var near store.AccessEvent
		if near, ok = w.anEvent("id IN ?", w.nearMidnight()); ok {
			e = near
		}
	}
	if !ok {
		return
	}
	from := e.StartedAt.Add(time.Duration(5+w.r.IntN(6)) * time.Minute)
	to := from.Add(3 * time.Hour)
	a := store.Authorisation{Pulled: w.pulled("register"), CustomerID: e.CustomerID, TechnicianID: e.TechnicianID, DeviceID: e.DeviceID,
		AccessScope: record.ScopeAny, ValidFrom: from, ValidTo: &to, GrantedBy: "Jane Doe", RecordedAt: from.Add(-time.Hour)}
	if e.Removal {
		a.AccessScope = record.ScopeRemoval
	}
	w.must(storetest.DB(ctx, w.st).Create(&a).Error)
}

// nearMidnight lists the events that began in the ten minutes before a midnight.
func (w *world) nearMidnight() []uint {
	var evs []store.AccessEvent
	w.must(storetest.DB(ctx, w.st).Select("id", "started_at").Where("customer_id IN ?", w.customers).Find(&evs).Error)
	var ids []uint
	for _, e := range evs {
		if next := e.StartedAt.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour); next.Sub(e.StartedAt) <= 10*time.Minute {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// anAuthorisation returns a random authorisation of the world's customers matching
// where, or false when there is none.
func (w *world) anAuthorisation(where string) (store.Authorisation, bool) {
	var a store.Authorisation
	q := storetest.DB(ctx, w.st).Model(&store.Authorisation{}).Where("customer_id IN ?", w.customers).Where(where)
	var n int64
	w.must(q.Count(&n).Error)
	if n == 0 {
		return a, false
	}
	w.must(q.Order("id").Offset(w.r.IntN(int(n))).Take(&a).Error)
	return a, true
}

func (w *world) revoke() {
	a, ok := w.anAuthorisation("revoked_at IS NULL")
	if !ok {
		return
	}
	at := a.ValidFrom.Add(time.Duration(w.r.IntN(6*60)-60) * time.Minute)
	w.must(storetest.DB(ctx, w.st).Model(&a).Updates(store.Authorisation{RevokedAt: &at, RevokedBy: "Jane Doe", RevokeReason: "test"}).Error)
}

// moveAuthorisation moves a random authorisation's window by up to two days either
// way, or only its end.
func (w *world) moveAuthorisation() {
	a, ok := w.anAuthorisation("removed_at IS NULL")
	if !ok {
		return
	}
	by := time.Duration(w.r.IntN(4*24*60)-2*24*60) * time.Minute
	update := map[string]any{"valid_from": a.ValidFrom.Add(by)}
	if a.ValidTo != nil {
		update["valid_to"] = a.ValidTo.Add(by)
	}
	if w.r.IntN(3) == 0 {
		update = map[string]any{"valid_to": a.ValidFrom.Add(time.Duration(1+w.r.IntN(12*60)) * time.Minute)}
	}
	w.must(storetest.DB(ctx, w.st).Model(&a).Updates(update).Error)
}

// removeAuthorisation marks a random authorisation removed at the source.
func (w *world) removeAuthorisation() {
	if a, ok := w.anAuthorisation("removed_at IS NULL"); ok {
		w.must(storetest.DB(ctx, w.st).Model(&a).Update("removed_at", w.now).Error)
	}
}

// withdrawBackup withdraws a random verified backup.
func (w *world) withdrawBackup() {
	var bs []store.VerifiedBackup
	w.must(storetest.DB(ctx, w.st).Where("customer_id IN ? AND withdrawn_at IS NULL", w.customers).Order("id").Find(&bs).Error)
	if len(bs) == 0 {
		return
	}
	b := bs[w.r.IntN(len(bs))]
	w.must(storetest.DB(ctx, w.st).Model(&b).Updates(store.VerifiedBackup{WithdrawnAt: &w.now, WithdrawnBy: "Jane Doe", WithdrawReason: "test"}).Error)
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
	if err := storetest.DB(ctx, w.st).Select("id", "customer_id").Where("customer_id IN ?", w.customers).Order("id").Offset(w.r.IntN(150)).Take(&e).Error; err != nil {
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

// snapshot lists every finding (rule, fingerprint, status, customer, day, summary
// and evidence) and every event's decision, one line each, in a fixed order.
func (w *world) snapshot() []string {
	var out []string
	fs, err := w.st.Findings(ctx, store.FindingFilter{})
	w.must(err)
	for _, f := range fs {
		out = append(out, fmt.Sprintf("finding %s %s %s customer %s day %q: %s [%s]", f.Rule, f.Fingerprint, f.Status, idText(f.CustomerID), f.Day, f.Summary, f.Evidence))
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

// TestIncremental_LookaheadAcrossMidnight: an access nothing covers is explained by
// the authorisations that begin after it (sweep.Lookahead of them, of any
// technician), so a new authorisation reaches back to the accesses before the
// Lookahead-th authorisation that begins before its day, less the grace before:
// here that authorisation begins at 00:05 and the access, the evening before at
// 23:55, which is checked again and explained by the new authorisation as a full
// run explains it.
func TestIncremental_LookaheadAcrossMidnight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, 7)
		db := storetest.DB(ctx, st)
		c, dev, other := w.customers[0], w.devices[w.customers[0]], w.techs[1]
		midnight := w.start.Add(-5 * 24 * time.Hour).Truncate(24 * time.Hour)
		w.must(db.Where("customer_id = ?", c).Delete(&store.AccessEvent{}).Error)
		w.must(db.Where("customer_id = ?", c).Delete(&store.Authorisation{}).Error)
		end := midnight.Add(-2 * time.Minute)
		access := store.AccessEvent{Pulled: w.pulled("screenconnect"), Kind: record.KindRemoteSession, Action: "x",
			StartedAt: midnight.Add(-5 * time.Minute), EndedAt: &end, CustomerID: &c, TechnicianID: &w.techs[0], DeviceID: &dev[0]}
		w.must(db.Create(&access).Error)
		// The customer's only authorisations: Lookahead of Tech 1's for another device,
		// the first at 00:05, the last the same day.
		for i := range sweep.Lookahead {
			from := midnight.Add(5*time.Minute + time.Duration(i)*90*time.Minute)
			to := from.Add(time.Hour)
			w.must(db.Create(&store.Authorisation{Pulled: w.pulled("register"), CustomerID: &c, TechnicianID: &other, DeviceID: &dev[1],
				AccessScope: record.ScopeRemote, ValidFrom: from, ValidTo: &to, GrantedBy: "Jane Doe", RecordedAt: from}).Error)
		}
		if _, err := w.eng.RunFull(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		w.now = w.now.Add(time.Hour)
		later := midnight.Add(30 * time.Hour)
		to := later.Add(time.Hour)
		w.must(db.Create(&store.Authorisation{Pulled: w.pulled("register"), CustomerID: &c, TechnicianID: &w.techs[0], DeviceID: &dev[0],
			AccessScope: record.ScopeRemote, ValidFrom: later, ValidTo: &to, GrantedBy: "Jane Doe", RecordedAt: later}).Error)
		inc, err := w.eng.Run(ctx, w.now)
		if err != nil {
			t.Fatal(err)
		}
		if want := midnight.Add(-24 * time.Hour); inc.Scope.Full || !inc.Scope.Days[c].From.Equal(want) {
			t.Errorf("checked %s, want customer %d from %s", inc.Scope, c, want.Format(time.DateOnly))
		}
		got := w.snapshot()
		if _, err := w.eng.RunFull(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		if want := w.snapshot(); !slices.Equal(got, want) {
			t.Fatalf("incremental (%s) and full runs differ:\n%s", inc.Scope, diff(got, want))
		}
	})
}

// TestIncremental_BackupReach: a verified backup withdrawn changes the decisions of
// the removals after it that it covered (up to BackupMaxAge after it, also past a
// later backup that did not cover them) or that named it as the nearest (however
// long after it, until a later backup of every device).
func TestIncremental_BackupReach(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		// removal is when the removal began after the first backup; second, when a
		// second backup, verified six hours after it was taken, was taken (0: none).
		removal, second time.Duration
	}{
		{"covered by the first backup, the second (taken the day before) verified after the removal", 2*day + 13*time.Hour, 2*day + 11*time.Hour},
		{"named as the nearest backup, ten days on", 10 * day, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				w := newWorld(t, st, uint64(8+i))
				db := storetest.DB(ctx, st)
				c, dev := w.customers[0], w.devices[w.customers[0]][0]
				for _, m := range []any{&store.AccessEvent{}, &store.Authorisation{}, &store.VerifiedBackup{}} {
					w.must(db.Where("customer_id = ?", c).Delete(m).Error)
				}
				taken := w.start.Add(-12 * day)
				backup := func(at time.Time) store.VerifiedBackup {
					return store.VerifiedBackup{CustomerID: &c, What: "server", TakenAt: at, VerifiedAt: at.Add(6 * time.Hour),
						VerifiedBy: "Jane Doe", Evidence: "ticket", RecordedAt: at.Add(6 * time.Hour)}
				}
				first := backup(taken)
				w.must(db.Create(&first).Error)
				if tt.second != 0 {
					w.must(db.Create(new(backup(taken.Add(tt.second)))).Error)
				}
				start := taken.Add(tt.removal)
				end := start.Add(time.Minute)
				w.must(db.Create(&store.AccessEvent{Pulled: w.pulled("screenconnect"), Kind: record.KindRemoteSession, Action: "x", StartedAt: start,
					EndedAt: &end, CustomerID: &c, TechnicianID: &w.techs[0], DeviceID: &dev, Removal: true}).Error)
				if _, err := w.eng.RunFull(ctx, w.now); err != nil {
					t.Fatal(err)
				}
				w.now = w.now.Add(time.Hour)
				w.must(db.Model(&first).Updates(store.VerifiedBackup{WithdrawnAt: &w.now, WithdrawnBy: "Jane Doe", WithdrawReason: "test"}).Error)
				inc, err := w.eng.Run(ctx, w.now)
				if err != nil {
					t.Fatal(err)
				}
				got := w.snapshot()
				if _, err := w.eng.RunFull(ctx, w.now); err != nil {
					t.Fatal(err)
				}
				if want := w.snapshot(); !slices.Equal(got, want) {
					t.Fatalf("incremental (%s) and full runs differ:\n%s", inc.Scope, diff(got, want))
				}
			})
		})
	}
}

// TestScope_String names what a run checked, as a job run's record and the log show
// it: customers checked whole first, then those of each span of days.
func TestScope_String(t *testing.T) {
	oct30 := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		scope reconcile.Scope
		want  string
	}{
		{reconcile.Scope{}, "changed"},
		{reconcile.Scope{Full: true}, "all"},
		{reconcile.Scope{Customers: []uint{}}, "no customers"},
		{reconcile.Scope{Customers: []uint{3, 7}}, "customers 3,7"},
		{reconcile.Scope{Customers: []uint{3, 7}, Days: map[uint]store.DaySpan{
			3: {From: oct30, To: oct30.Add(48 * time.Hour)}, 7: {From: oct30, To: oct30.Add(48 * time.Hour)},
		}}, "customers 3,7 (days 2026-10-30..2026-10-31)"},
		{reconcile.Scope{Customers: []uint{1, 3, 7, 9}, Days: map[uint]store.DaySpan{
			3: {From: oct30, To: oct30.Add(24 * time.Hour)}, 7: {From: oct30.Add(-24 * time.Hour)}, 9: {From: oct30, To: oct30.Add(24 * time.Hour)},
		}}, "customers 1; 3,9 (days 2026-10-30..2026-10-30); 7 (days 2026-10-29..)"},
	}
	for _, tt := range tests {
		if got := tt.scope.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.scope, got, tt.want)
		}
	}
}
