package screenconnect

import (
	"context"
	"time"
)

// source reads ScreenConnect's four tables: through the Report.json handler
// (reportSource) or from a copy of an on-premises Session.db (dbSource). Both give the
// same rows, which the streams map onto records.
type source interface {
	// check tests the connection with one cheap read.
	check(ctx context.Context) error
	// eventTypes returns the server's SessionEventType enum.
	eventTypes(ctx context.Context) (*eventTypes, error)
	// sessions returns every session of the query's types, with the life of its agent.
	sessions(ctx context.Context, q query) ([]sessionRow, error)
	// connections hands over, batch by batch in time order, the Host connections of
	// the query's session types that started in w. With each batch, which may be
	// empty, it says through when every connection of w that started before it has
	// been handed over; the last batch's through is w.to.
	connections(ctx context.Context, q query, w window, batch func(rows []connectionRow, through time.Time) error) error
	// events hands over, batch by batch in time order, the events of level lvl
	// named in q.events that happened in w, with through as for connections.
	events(ctx context.Context, q query, lvl level, w window, batch func(rows []eventRow, through time.Time) error) error
}

// query is what every read is limited to.
type query struct {
	// stream names the stream reading, for a paging error.
	stream string
	// sessionTypes are the session type names read: Support, Access, Meeting.
	sessionTypes []string
	// company is the custom property (1 to 8) that holds the customer's name.
	company int
	// events is the enum, and eventNames the event type names an events read returns.
	events     *eventTypes
	eventNames []string
}

// window is the time range [from, to).
type window struct {
	from, to time.Time
}

// String names the window in errors, in the filter language's date format.
func (w window) String() string {
	return w.from.UTC().Format(filterTime) + " to " + w.to.UTC().Format(filterTime)
}

// sessionRow is one session, and what other tables say about the life of its agent.
type sessionRow struct {
	ID, Type, Name, Host string
	Ended                bool
	Created              *time.Time
	Company              string
	MachineName, Domain  string
	Serial, OS           string
	InfoUpdated          *time.Time
	// LastHostDisconnect is when the last Host connection ended.
	LastHostDisconnect *time.Time
	// LastGuestConnection is the newest time a guest connected or disconnected.
	LastGuestConnection *time.Time
	// Uninstalled is the newest ProcessedUninstall event.
	Uninstalled *time.Time
	Raw         []byte
}

// connectionRow is one Host connection with what its session says.
type connectionRow struct {
	ID, SessionID, SessionType string
	Participant, Address       string
	Company, MachineName       string
	Connected                  time.Time
	Disconnected               *time.Time
	Raw                        []byte
}

// eventRow is one session event, or one event of a Host connection.
type eventRow struct {
	ID, SessionID, ConnectionID string
	// Type is the event type's name, or EventType<N> for a value the enum lacks.
	Type string
	Time time.Time
	// Actor is the event's Host (session events) or the connection's participant.
	Actor                string
	Data                 string
	Company, MachineName string
	SessionType          string
	Raw                  []byte
}
