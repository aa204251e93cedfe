// Package synth makes synthetic MSP data of a chosen size — customers with their
// devices, a team of technicians, remote sessions, commands and Microsoft 365 admin
// access, and the authorisations that cover some of them — as the pages a sync
// commits, so that a benchmark or `custos bench` measures the same ingest, mapping
// and reconcile an MSP's own data goes through.
package synth

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

// Source is the source name every synthetic record carries.
const Source = "synthetic"

// Shape of the data: every customer has DevicesPerCustomer devices and a team of
// TeamSize of the Technicians technicians.
const (
	DevicesPerCustomer = 40
	Technicians        = 50
	TeamSize           = 10
	pageSize           = 1000
)

// Start and Span are when the first pages' events and authorisations fall: the 30
// days from 1 October 2026.
var (
	Start = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	Span  = 30 * 24 * time.Hour
)

// Size is how much data to make: events and authorisations are totals, spread evenly
// over the customers.
type Size struct {
	Customers, Events, Authorisations int
}

// Check says what is wrong with a size, naming the flag a person gave.
func (s Size) Check() error {
	switch {
	case s.Customers < 1:
		return fmt.Errorf("synth: customers is %d; it must be at least 1", s.Customers)
	case s.Events < 0:
		return fmt.Errorf("synth: events is %d; it must not be negative", s.Events)
	case s.Authorisations < 0:
		return fmt.Errorf("synth: authorisations is %d; it must not be negative", s.Authorisations)
	}
	return nil
}

// Data makes the pages of one synthetic MSP; the same seed makes the same data.
type Data struct {
	size  Size
	r     *rand.Rand
	teams [][]int
	next  int
}

// New returns the data of size, drawn from seed.
func New(size Size, seed uint64) *Data {
	d := &Data{size: size, r: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	for range size.Customers {
		first := d.r.IntN(Technicians - TeamSize + 1)
		team := make([]int, TeamSize)
		for i := range team {
			team[i] = first + i
		}
		d.teams = append(d.teams, team)
	}
	return d
}

// MappingOptions are the mapping settings the data needs: its organizations create
// customers, and its technicians are configured by name and e-mail.
func MappingOptions() mapping.Options {
	techs := make([]config.Technician, Technicians)
	for i := range techs {
		techs[i] = config.Technician{Name: technicianName(i), Email: technicianEmail(i)}
	}
	return mapping.Options{CreateFrom: []string{Source}, Technicians: techs}
}

// Pages yields the whole first pull: every customer's organization and devices, then
// the events and authorisations over Span from Start.
func (d *Data) Pages(seenAt time.Time) iter.Seq[store.Page] {
	return func(yield func(store.Page) bool) {
		var orgs, endpoints []record.Record
		for c := range d.size.Customers {
			orgs = append(orgs, &record.Organization{Source: Source, SourceID: siteID(c), Name: fmt.Sprintf("Customer %03d", c),
				Type: "Customer", Status: "Active"})
			for i := range DevicesPerCustomer {
				endpoints = append(endpoints, &record.Endpoint{Source: Source, SourceID: deviceID(c, i), CustomerRef: siteID(c),
					Hostname: fmt.Sprintf("C%03d-PC-%02d", c, i), OS: "Windows 11"})
			}
		}
		if !pages("organizations", orgs, seenAt, yield) || !pages("endpoints", endpoints, seenAt, yield) {
			return
		}
		d.timed(d.size.Events, d.size.Authorisations, Start, Span, seenAt, yield)
	}
}

// Change yields a day's new data after the first pull: a hundredth more events and a
// thousandth more authorisations, on random customers, all in the last day of Span,
// as a day's syncs bring.
func (d *Data) Change(seenAt time.Time) iter.Seq[store.Page] {
	return func(yield func(store.Page) bool) {
		day := Start.Add(Span - 24*time.Hour)
		d.timed(max(1, d.size.Events/100), max(1, d.size.Authorisations/1000), day, 24*time.Hour, seenAt, yield)
	}
}

// timed yields pages of grants, then of events, spread over random customers, each
// starting at a random time in [from, from+span); each page is made as it is yielded,
// so that a million events are never held at once.
func (d *Data) timed(events, grants int, from time.Time, span time.Duration, seenAt time.Time, yield func(store.Page) bool) {
	if paged("authorisations", grants, seenAt, yield, func() record.Record { return d.grant(d.r.IntN(d.size.Customers), from, span) }) {
		paged("events", events, seenAt, yield, func() record.Record { return d.event(d.r.IntN(d.size.Customers), from, span) })
	}
}

// grant is an authorisation of two to seven hours for one of the customer's team on
// one device; one in ten is standing for anyone, two in ten cover any device and any
// kind of access.
func (d *Data) grant(c int, from time.Time, span time.Duration) record.Record {
	valid := from.Add(time.Duration(d.r.Int64N(int64(span))))
	to := valid.Add(time.Duration(2+d.r.IntN(6)) * time.Hour)
	a := &record.Authorisation{Source: Source, SourceID: d.id("auth"), CustomerRef: siteID(c),
		TechnicianRef: technicianEmail(d.teams[c][d.r.IntN(TeamSize)]), DeviceRef: deviceID(c, d.r.IntN(DevicesPerCustomer)),
		Scope: record.ScopeRemote, ValidFrom: valid, ValidTo: &to, RecordedBy: "Service desk", RecordedAt: from}
	switch d.r.IntN(10) {
	case 0:
		a.TechnicianRef, a.DeviceRef, a.ValidTo = "", "", nil
	case 1, 2:
		a.DeviceRef, a.Scope = "", record.ScopeAny
	}
	return a
}

// kinds is the mix of access: three remote sessions to one command and one Microsoft
// 365 admin action.
var kinds = []string{record.KindRemoteSession, record.KindRemoteSession, record.KindRemoteSession, record.KindCommand, record.KindM365Admin}

// event is one access of up to ninety minutes by one of the customer's team.
func (d *Data) event(c int, from time.Time, span time.Duration) record.Record {
	start := from.Add(time.Duration(d.r.Int64N(int64(span))))
	end := start.Add(time.Duration(d.r.IntN(90)) * time.Minute)
	tech := d.teams[c][d.r.IntN(TeamSize)]
	dev := d.r.IntN(DevicesPerCustomer)
	return &record.AccessEvent{Source: Source, SourceID: d.id("event"), Kind: kinds[d.r.IntN(len(kinds))], Action: "Connected",
		StartedAt: start, EndedAt: &end, CustomerRef: siteID(c), ActorRef: technicianEmail(tech), ActorName: technicianName(tech),
		DeviceRef: deviceID(c, dev), DeviceName: fmt.Sprintf("C%03d-PC-%02d", c, dev), SourceIP: "198.51.100.7",
		Detail: "Remote session"}
}

// pages yields recs in pages of pageSize on the stream, false when yield stopped.
func pages(stream string, recs []record.Record, seenAt time.Time, yield func(store.Page) bool) bool {
	i := 0
	return paged(stream, len(recs), seenAt, yield, func() record.Record { i++; return recs[i-1] })
}

// paged yields n records that next makes, in pages of pageSize on the stream, false
// when yield stopped.
func paged(stream string, n int, seenAt time.Time, yield func(store.Page) bool, next func() record.Record) bool {
	for done := 0; done < n; {
		recs := make([]record.Record, min(pageSize, n-done))
		for i := range recs {
			recs[i] = next()
		}
		done += len(recs)
		p := store.Page{Key: store.StreamKey{Connector: Source, Stream: stream, Scope: "all"}, Records: recs,
			Cursor: strconv.Itoa(done), SeenAt: seenAt}
		if !yield(p) {
			return false
		}
	}
	return true
}

func (d *Data) id(kind string) string {
	d.next++
	return fmt.Sprintf("%s-%d", kind, d.next)
}

func siteID(c int) string          { return fmt.Sprintf("site-%03d", c) }
func deviceID(c, i int) string     { return fmt.Sprintf("site-%03d-pc-%02d", c, i) }
func technicianName(i int) string  { return fmt.Sprintf("Tech %02d", i) }
func technicianEmail(i int) string { return fmt.Sprintf("tech%02d@msp.example", i) }
