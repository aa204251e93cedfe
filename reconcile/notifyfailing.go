package reconcile

import (
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/vocab"
)

// RuleNotifyFailing is the id of NOTIFY-FAILING.
const RuleNotifyFailing = "NOTIFY-FAILING"

var notifyFailing = Spec{
	Key: "notify_failing", Severity: vocab.High,
	Description: "a notify receiver has accepted no message for longer than `after` while messages were attempted, so alerts are not arriving there",
	New:         func() Settings { return &NotifyFailing{After: duration.Duration(time.Hour)} },
}

// NotifyFailing flags a configured receiver whose attempts have all failed for longer
// than After since it last accepted a message: one finding per receiver, saying
// since when, how many findings wait for it and the last error (free of secrets, as
// notify recorded it). It resolves once the receiver accepts a message. The finding
// cannot reach the failing receiver itself; routes send it to the others, and it
// shows in custos findings and custos notify.
type NotifyFailing struct {
	Base
	// After is how long a receiver may fail before it is a finding.
	After duration.Duration `toml:"after"`
	// receivers are the receivers the configuration names; a receiver removed from
	// it is not reported.
	receivers []string
}

// ID implements Rule.
func (NotifyFailing) ID() string { return RuleNotifyFailing }

// Validate checks the settings.
func (r *NotifyFailing) Validate() []config.Problem { return positive("after", r.After) }

// Build implements builder: the rule with the configured receivers.
func (r *NotifyFailing) Build(env Env) Evaluator {
	built := *r
	built.receivers = env.Receivers
	return built
}

// Evaluate implements Rule.
func (r NotifyFailing) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, h := range in.Receivers {
		if h.FailingSince == nil || !slices.Contains(r.receivers, h.Receiver) || now.Sub(*h.FailingSince) <= r.After.Std() {
			continue
		}
		last := "has never accepted one"
		if h.LastAcceptedAt != nil {
			last = "last accepted one " + h.LastAcceptedAt.UTC().Format(clock)
		}
		out = append(out, Finding{
			Rule: RuleNotifyFailing, Subject: "notify-failing:" + h.Receiver, Severity: r.Severity,
			Summary: fmt.Sprintf("receiver %s has failed every message since %s (%s; allowed %s) and %s; findings waiting for it: %d; last error (%s): %s",
				h.Receiver, h.FailingSince.UTC().Format(clock), roundDuration(now.Sub(*h.FailingSince)), roundDuration(r.After.Std()),
				last, h.Waiting, h.LastFailedAt.UTC().Format(clock), h.LastError),
		})
	}
	return out
}
