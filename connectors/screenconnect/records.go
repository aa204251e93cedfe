package screenconnect

import (
	"encoding/json"
	"time"

	"github.com/custos-msp/custos/record"
)

// The records both sources' rows become.

// endpointOf is the machine a session's agent runs on.
func endpointOf(s sessionRow) *record.Endpoint {
	return &record.Endpoint{
		Source: Name, SourceID: s.ID, CustomerRef: s.Company,
		Hostname: s.MachineName, Domain: s.Domain, Serial: s.Serial, OS: s.OS, TypeName: s.Type,
		LastSeenAt: checkIn(s), Raw: s.Raw,
	}
}

// agentOf is a session's agent and its life.
func agentOf(s sessionRow) *record.Agent {
	a := &record.Agent{
		Source: Name, SourceID: s.ID, Type: record.AgentSupport, CustomerRef: s.Company,
		DeviceRef: s.ID, Hostname: s.MachineName, SessionEndedAt: s.LastHostDisconnect,
		LastCheckInAt: checkIn(s), Ended: s.Ended, UninstalledAt: s.Uninstalled, Raw: s.Raw,
	}
	if s.Type == "Access" {
		a.Type = record.AgentAccess
	}
	if s.Created != nil {
		a.InstalledAt = *s.Created
	}
	return a
}

// checkIn is when the agent was last heard from: its newest guest information or
// guest connection.
func checkIn(s sessionRow) *time.Time {
	t := s.InfoUpdated
	latest(&t, s.LastGuestConnection)
	return t
}

// organizationOf is a company value, exactly as typed into the custom property.
func organizationOf(company string) *record.Organization {
	raw, _ := json.Marshal(map[string]string{"Company": company})
	return &record.Organization{Source: Name, SourceID: company, Name: company, Raw: raw}
}

// remoteSession is a technician's Host connection: a screen session.
func remoteSession(c connectionRow) *record.AccessEvent {
	return &record.AccessEvent{
		Source: Name, SourceID: c.ID, Kind: record.KindRemoteSession, Action: "Connected",
		StartedAt: c.Connected, EndedAt: c.Disconnected,
		CustomerRef: c.Company, ActorRef: c.Participant, DeviceRef: c.SessionID, DeviceName: c.MachineName,
		SourceIP:   c.Address,
		Attributes: map[string]string{"session_id": c.SessionID, "session_type": c.SessionType},
		Raw:        c.Raw,
	}
}

// command is a technician action on a machine; detail describes it safely, the
// event itself (command text, output) stays in Raw.
func command(e eventRow, detail string) *record.AccessEvent {
	attrs := map[string]string{"session_id": e.SessionID}
	if e.ConnectionID != "" {
		attrs["connection_id"] = e.ConnectionID
	}
	return &record.AccessEvent{
		Source: Name, SourceID: e.ID, Kind: record.KindCommand, Action: e.Type, StartedAt: e.Time,
		CustomerRef: e.Company, ActorRef: e.Actor, DeviceRef: e.SessionID, DeviceName: e.MachineName,
		Detail: detail, Attributes: attrs, Raw: e.Raw,
	}
}
