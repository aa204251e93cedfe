package notify

import (
	"time"

	"github.com/custos-msp/custos/store"
)

// nflog is notify's memory of what each receiver was last told about each finding,
// like Alertmanager's notification log: the repeat and dedup stages read it, and
// queueing a message writes it (markNotified).
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

// markNotified returns the notify log rows that record receiver as told, at now, of
// every item of a message. This is the one place a finding counts as notified: the
// rows are written in the transaction that queues the message.
func markNotified(receiver string, items []pending, now time.Time) []store.NotifyLog {
	out := make([]store.NotifyLog, 0, len(items))
	for _, pd := range items {
		e := pd.newest()
		state := store.LogFiring
		if e.Event == store.EventResolved {
			state = store.LogResolved
		}
		out = append(out, store.NotifyLog{
			Fingerprint: e.Fingerprint, Receiver: receiver, State: state, Severity: e.Severity, NotifiedAt: now,
		})
	}
	return out
}
