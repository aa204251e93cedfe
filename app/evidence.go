package app

import (
	"context"
	"strings"
	"time"

	"github.com/custos-msp/custos/acts"
	"github.com/custos-msp/custos/store"
)

// Evidence is one item a finding cites, inline: an access event, an authorisation,
// or for any other table only its reference (e.g. "configurations:12").
type Evidence struct {
	// Ref is the evidence reference, e.g. "access_events:14".
	Ref           string             `json:"ref"`
	Event         *EventEvidence     `json:"event,omitempty"`
	Authorisation *AuthorityEvidence `json:"authorisation,omitempty"`
}

// EventEvidence is an access event as a finding cites it.
type EventEvidence struct {
	ID        uint      `json:"id"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Operation string    `json:"operation"`
	Target    string    `json:"target,omitempty"`
	Device    string    `json:"device,omitempty"`
	Source    string    `json:"source"`
	SourceID  string    `json:"source_id"`
	// Decision is why reconcile did or did not find the access covered.
	Decision         string `json:"decision"`
	CoveredBy        *uint  `json:"covered_by,omitempty"`
	AuthorisedLateBy *uint  `json:"authorised_late_by,omitempty"`
}

// AuthorityEvidence is an authorisation as a finding cites it.
type AuthorityEvidence struct {
	ID      uint   `json:"id"`
	Ticket  string `json:"ticket"`
	Grantor string `json:"grantor"`
}

// FindingEvidence resolves the evidence of each finding in fs, in the order each
// cites it. It reads each table once for the whole list, not once per finding.
// FindingsHappened says when what each finding is about happened (store.FindingsOccurred),
// the date reports give it.
func (a *App) FindingsHappened(ctx context.Context, fs []store.FindingView) (map[uint]time.Time, error) {
	plain := make([]store.Finding, len(fs))
	for i, f := range fs {
		plain[i] = f.Finding
	}
	return a.Store.FindingsOccurred(ctx, plain)
}

func (a *App) FindingEvidence(ctx context.Context, fs []store.FindingView) ([][]Evidence, error) {
	events, auths := store.TableOf[store.AccessEvent](), store.TableOf[store.Authorisation]()
	var eventIDs, authIDs []uint
	for _, f := range fs {
		eventIDs = append(eventIDs, events.IDs(f.Evidence)...)
		authIDs = append(authIDs, auths.IDs(f.Evidence)...)
	}
	evs, err := a.Store.AccessEventsByID(ctx, eventIDs)
	if err != nil {
		return nil, err
	}
	as, err := a.Store.AuthorisationsByID(ctx, authIDs)
	if err != nil {
		return nil, err
	}
	byRef := make(map[string]Evidence, len(evs)+len(as))
	for i := range evs {
		ev := &evs[i]
		ref := events.Ref(ev.ID)
		byRef[ref] = Evidence{Ref: ref, Event: eventEvidence(ev)}
	}
	for _, au := range as {
		ref := auths.Ref(au.ID)
		byRef[ref] = Evidence{Ref: ref, Authorisation: &AuthorityEvidence{ID: au.ID, Ticket: au.Evidence, Grantor: au.GrantedBy}}
	}
	out := make([][]Evidence, len(fs))
	for i, f := range fs {
		out[i] = []Evidence{}
		for _, ref := range strings.Split(f.Evidence, ",") {
			if ref = strings.TrimSpace(ref); ref == "" {
				continue
			}
			e, ok := byRef[ref]
			if !ok {
				e = Evidence{Ref: ref}
			}
			out[i] = append(out[i], e)
		}
	}
	return out, nil
}

func eventEvidence(ev *store.AccessEventView) *EventEvidence {
	actor := ev.TechnicianName
	if actor == "" {
		actor = ev.ActorName
	}
	if actor == "" {
		actor = ev.ActorRef
	}
	device := ev.CanonicalName
	if device == "" {
		device = ev.DeviceName
	}
	act := acts.Of(&ev.AccessEvent)
	return &EventEvidence{
		ID: ev.ID, Time: ev.StartedAt.UTC(), Actor: actor, Operation: act.String(),
		Target: act.Object, Device: device, Source: ev.Source, SourceID: ev.SourceID,
		Decision: ev.Decision, CoveredBy: ev.CoveredBy, AuthorisedLateBy: ev.AuthorisedLateBy,
	}
}
