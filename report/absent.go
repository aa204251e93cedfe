package report

import (
	"slices"

	"github.com/custos-msp/custos/record"
)

// Absent says, once for every rendering, what an empty section of the report means:
// "none" only when the section's sources were read in the period, "not checked"
// (and why) when they were not, so that an empty table is never read as all clear
// without data.
type Absent struct {
	// Access is said where no access was recorded; Relationships where no GDAP
	// relationship is listed; Devices where no network device is.
	Access, Relationships, Devices string
}

// sectionStream reports whether a stream feeds a section of the report.
type sectionStream func(connector, stream string) bool

// Which streams feed each section (connectors named as their packages name
// themselves, which report does not import): access events come from ScreenConnect, Datto
// RMM's activity log, Microsoft Graph's sign-ins and directory audits and the Office
// 365 audit log (every stream but its tenant list); GDAP relationships and network
// devices from one stream each.
var (
	accessStreams sectionStream = func(connector, stream string) bool {
		switch connector {
		case "screenconnect":
			return true
		case "dattormm":
			return stream == "activity"
		case record.SourceM365:
			return stream == "signins" || stream == "directoryaudits"
		case record.SourceO365Audit:
			return stream != "tenants"
		}
		return false
	}
	relationshipStreams sectionStream = func(connector, stream string) bool {
		return connector == record.SourceM365 && stream == "relationships"
	}
	deviceStreams sectionStream = func(connector, stream string) bool {
		return connector == "itglue" && stream == "configurations"
	}
)

// readIn reports whether any stream that feeds a section read successfully in the
// period.
func (feeds sectionStream) readIn(coverage []StreamCoverage) bool {
	return slices.ContainsFunc(coverage, func(c StreamCoverage) bool { return c.OK > 0 && feeds(c.Connector, c.Stream) })
}

// absent says what each empty section means, given what was read in the period.
func absent(coverage []StreamCoverage) Absent {
	say := func(feeds sectionStream, none, notChecked string) string {
		if feeds.readIn(coverage) {
			return none
		}
		return notChecked
	}
	return Absent{
		Access: say(accessStreams, "No access to your systems was recorded in this period.",
			"Not checked: no source of access records (ScreenConnect, Datto RMM activity, Microsoft 365 sign-ins and audit logs) "+
				"was read for you in this period, so an empty list here is not evidence that no access happened."),
		Relationships: say(relationshipStreams, "No GDAP relationship with your tenant.",
			"Not checked: the GDAP relationships with your tenant were not read in this period."),
		Devices: say(deviceStreams, "No network device is documented for you.",
			"Not checked: the network devices documented in IT Glue were not read for you in this period."),
	}
}
