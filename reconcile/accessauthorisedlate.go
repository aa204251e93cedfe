package reconcile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sweep"
	"github.com/custos-msp/custos/vocab"
)

// RuleAccessAuthorisedLate is the id of ACCESS-AUTHORISED-LATE.
const RuleAccessAuthorisedLate = "ACCESS-AUTHORISED-LATE"

var accessAuthorisedLate = Spec{
	Key: "access_authorised_late", Severity: vocab.Medium,
	Description: "an access, command or removal was authorised only afterwards: the authorisation (or verified backup) that covers it was recorded more than `skew` after the access began",
	New:         func() Settings { return &AccessAuthorisedLate{Skew: duration.Duration(defaultSkew)} },
}

// defaultSkew is how far the clocks of a ticket system and a remote tool may
// disagree unless the configuration says otherwise.
const defaultSkew = 5 * time.Minute

// maxSkew bounds the tolerance: a larger one is no longer clock skew but permission
// given afterwards.
const maxSkew = time.Hour

// AccessAuthorisedLate fires for an access that an authorisation (or, for a removal,
// a verified backup) covers, but whose evidence was recorded after the access began:
// the policy is authorisation in advance, so the access was authorised afterwards.
// The access check (AccessCheck) finds it; such an access is neither covered nor
// unauthorised.
type AccessAuthorisedLate struct {
	Base
	// Skew is how long after an access began its authorisation may have been
	// recorded and still count as given in advance.
	Skew duration.Duration `toml:"skew"`
}

// ID implements Evaluator.
func (AccessAuthorisedLate) ID() string { return RuleAccessAuthorisedLate }

// Validate checks the settings.
func (r *AccessAuthorisedLate) Validate() []config.Problem {
	switch {
	case r.Skew < 0:
		return []config.Problem{{Key: "skew", Reason: "must not be negative"}}
	case r.Skew.Std() > maxSkew:
		return []config.Problem{{Key: "skew", Reason: "must be at most " + duration.Duration(maxSkew).String() +
			": a longer tolerance accepts permission given after the work as given before it"}}
	}
	return nil
}

// addTo sets the tolerance even when the rule is off: an access's decision says
// whether it was authorised afterwards either way.
func (r *AccessAuthorisedLate) addTo(c *AccessCheck) {
	r.enable(c, r.ID())
	c.Grace.Skew = r.Skew.Std()
}

// authorisedLate is how a decision and a summary name the outcome.
const authorisedLate = "authorised afterwards"

// recordedLate says whether evidence recorded at recorded came after an access that
// began at start, beyond the skew tolerance. An unknown time (zero) is never late.
func recordedLate(recorded, start time.Time, skew time.Duration) bool {
	return !recorded.IsZero() && recorded.After(start.Add(skew))
}

// lateAuthorisation says which authorisation covers e only afterwards, and when it
// was recorded against when e began.
func lateAuthorisation(e *store.AccessEvent, d sweep.Decision, a *store.Authorisation) string {
	return recordedAfter(authorisationName(d.Late, a), d.LateRecorded, "the access", e.StartedAt)
}

// lateBackup says which verified backup covers removal e only afterwards.
func lateBackup(e *store.AccessEvent, b *store.VerifiedBackup) string {
	return recordedAfter(fmt.Sprintf("the verified backup of %s (%s)", b.What, b.Evidence), b.RecordedAt, "the removal", e.StartedAt)
}

func recordedAfter(what string, recorded time.Time, access string, began time.Time) string {
	return fmt.Sprintf("%s was recorded %s, %s after %s began at %s",
		what, recorded.UTC().Format(clock), howLong(recorded.Sub(began)), access, began.UTC().Format(clock))
}

// howLong says a duration in words, to the minute and in its two largest units:
// "an hour", "25 minutes", "2 days and 3 hours".
func howLong(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	units := []struct {
		size      time.Duration
		one, many string
	}{{24 * time.Hour, "a day", "days"}, {time.Hour, "an hour", "hours"}, {time.Minute, "a minute", "minutes"}}
	var parts []string
	for _, u := range units {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, u.one)
		case n > 1:
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+u.many)
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, " and ")
}
