package notify

import (
	"maps"
	"time"

	"github.com/custos-msp/custos/store"
)

// nflog is notify's memory of what each receiver was last told about each finding,
// like Alertmanager's notification log: the repeat and dedup stages read it, and a
// receiver accepting a message writes it (markNotified).
type nflog map[nflogKey]store.NotifyLog

type nflogKey struct{ receiver, fingerprint string }

// newNflog indexes the notify log's rows.
func newNflog(rows []store.NotifyLog) nflog {
	l := make(nflog, len(rows))
	for _, r := range rows {
		l[nflogKey{r.Receiver, r.Fingerprint}] = r
	}
	return l
}

// firing returns the last notification of fingerprint to receiver, and whether it
// told the receiver that the finding is firing (rather than resolved or nothing).
func (l nflog) firing(receiver, fingerprint string) (store.NotifyLog, bool) {
	e, ok := l[nflogKey{receiver, fingerprint}]
	return e, ok && e.State == store.LogFiring
}

// telling returns the log as it will be once the messages in flight are accepted:
// a finding is not news again to a receiver while a message telling it is in flight.
// l itself is left as it is.
func (l nflog) telling(inflight []*store.OutboxEntry) nflog {
	if len(inflight) == 0 {
		return l
	}
	out := make(nflog, len(l)+len(inflight))
	maps.Copy(out, l)
	for _, e := range inflight {
		out[nflogKey{e.Receiver, e.Fingerprint}] = logRow(e.Receiver, e, e.CreatedAt)
	}
	return out
}

// markNotified returns the notify log rows that record the receiver of d as told of
// every finding its entries carry (the newest entry of each), at the time d was
// queued. This is the one place a finding counts as notified: the rows are written
// when the receiver accepted the message, in the transaction that records it.
func markNotified(d store.Delivery, entries []store.OutboxEntry) []store.NotifyLog {
	newest := map[string]int{}
	var order []string
	for i, e := range entries {
		if _, ok := newest[e.Fingerprint]; !ok {
			order = append(order, e.Fingerprint)
		}
		newest[e.Fingerprint] = i
	}
	out := make([]store.NotifyLog, 0, len(order))
	for _, fp := range order {
		out = append(out, logRow(d.Receiver, &entries[newest[fp]], d.CreatedAt))
	}
	return out
}

// logRow is the notify log row recording receiver as told, at, what e says.
func logRow(receiver string, e *store.OutboxEntry, at time.Time) store.NotifyLog {
	state := store.LogFiring
	if e.Event == store.EventResolved {
		state = store.LogResolved
	}
	return store.NotifyLog{Fingerprint: e.Fingerprint, Receiver: receiver, State: state, Severity: e.Severity, NotifiedAt: at}
}
