package dattormm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// activity is the part of an ActivityLog that Custos reads.
type activity struct {
	ID       string `json:"id"`
	Entity   string `json:"entity"`
	Category string `json:"category"`
	Action   string `json:"action"`
	Date     epoch  `json:"date"`
	Site     *struct {
		ID json.Number `json:"id"`
	} `json:"site"`
	DeviceID json.Number `json:"deviceId"`
	Hostname string      `json:"hostname"`
	User     *struct {
		UserName  string `json:"userName"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"user"`
	// Details is a JSON string holding a flat object with dotted keys.
	Details json.RawMessage `json:"details"`
}

func decodeActivity(item json.RawMessage) (*activity, error) {
	var a activity
	if err := json.Unmarshal(item, &a); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if a.ID == "" {
		return nil, errors.New("an activity has no id")
	}
	if !a.Date.set {
		return nil, fmt.Errorf("activity %s has no date", a.ID)
	}
	return &a, nil
}

// ignoredActivity lists the combinations known to be no access to a customer machine.
var ignoredActivity = map[string]bool{
	"USER/account/login":        true,
	"USER/job/create":           true,
	"DEVICE/job/create":         true,
	"DEVICE/device/move.device": true,
	"DEVICE/patch/audit":        true,
	"DEVICE/patch/run":          true,
}

// accessKind returns the access kind of an entity/category/action combination, or ""
// for one that is not stored: every DEVICE/remote/* and USER/web.remote/* is a
// remote session, every DEVICE/job/* but create a command run on the device.
func accessKind(entity, category, action string) string {
	switch {
	case entity == "DEVICE" && category == "remote", entity == "USER" && category == "web.remote":
		return record.KindRemoteSession
	case entity == "DEVICE" && category == "job" && action != "create":
		return record.KindCommand
	}
	return ""
}

// accessEvent maps an activity to an access event, or returns nil for an activity that
// is no access to a customer machine; an unknown combination is logged once.
func (c *Connector) accessEvent(a *activity, raw json.RawMessage, sink connectors.Sink) *record.AccessEvent {
	entity := strings.ToUpper(a.Entity)
	combination := entity + "/" + a.Category + "/" + a.Action
	kind := accessKind(entity, a.Category, a.Action)
	if kind == "" {
		if !ignoredActivity[combination] {
			c.logUnknown(combination)
		}
		return nil
	}
	d, err := decodeDetails(a.Details)
	if err != nil {
		sink.Warn(fmt.Errorf("dattormm: activity %s (%s): %w; mapped without them", a.ID, combination, err))
	}
	e := &record.AccessEvent{
		Source: Name, SourceID: a.ID, Kind: kind, Action: a.Category + "/" + a.Action,
		StartedAt: a.Date.t, DeviceName: a.Hostname, SourceIP: d.str("source.forwarded_ip"),
		Raw: append([]byte(nil), raw...),
	}
	if a.Site != nil {
		e.CustomerRef, _ = decimalID(a.Site.ID)
	}
	if id, _ := decimalID(a.DeviceID); id != "0" {
		e.DeviceRef = id
	}
	if e.DeviceName == "" {
		e.DeviceName = d.str("device.hostname")
	}
	if a.User != nil && a.User.UserName != "" {
		e.ActorRef, e.ActorName = a.User.UserName, fullName(a.User.FirstName, a.User.LastName)
	} else {
		e.ActorRef, e.ActorName = d.str("user.username"), fullName(d.str("user.firstname"), d.str("user.lastname"))
	}
	attrs := map[string]string{}
	switch kind {
	case record.KindRemoteSession:
		if t, ok := d.time("remote_session.start_date"); ok {
			e.StartedAt = t
		}
		// The activity log records a session when it starts; an end date is rare
		// (docs/vendors/dattormm.md), so a session without one says so rather than
		// passing for an instant.
		if t, ok := d.time("remote_session.end_date"); ok {
			e.EndedAt = &t
		} else {
			attrs["session_end"] = sessionEndNotLogged
		}
		attrs["remote_session_id"] = d.str("remote_session.id")
		attrs["remote_session_type"] = d.str("remote_session.type")
	case record.KindCommand:
		e.Detail = d.str("job.name")
		attrs["job_uid"] = d.str("job.uid")
		attrs["job_status"] = d.str("job.status")
	}
	for k, v := range attrs {
		if v == "" {
			delete(attrs, k)
		}
	}
	if len(attrs) > 0 {
		e.Attributes = attrs
	}
	return e
}

// sessionEndNotLogged is the session_end attribute of a remote session whose
// activity carries no end date.
const sessionEndNotLogged = "not_logged"

// details is an activity's details: a flat object with dotted keys whose casing
// varies by category (user.firstname, user.firstName), so keys are kept lower-cased
// and looked up that way.
type details map[string]json.RawMessage

// decodeDetails reads details leniently: a JSON string holding an object (as the
// platform sends it), or an object; null or "" is no details.
func decodeDetails(raw json.RawMessage) (details, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("details are not a JSON string")
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return nil, nil
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errors.New("details do not hold a JSON object")
	}
	d := make(details, len(m))
	for k, v := range m {
		d[strings.ToLower(k)] = v
	}
	return d, nil
}

// str returns the string or number at key as text; "" when absent, null or neither.
func (d details) str(key string) string {
	v := bytes.TrimSpace(d[key])
	if len(v) == 0 {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// time returns the timestamp at key (epoch seconds or milliseconds).
func (d details) time(key string) (time.Time, bool) {
	t, ok, err := parseEpoch(d[key])
	return t, ok && err == nil
}
