package config

import (
	"time"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/httpsafe"
)

// DefaultMaxPages is every connector's default page ceiling for one read of one
// scope: at 1,000 items a page it allows ten million items, far past any real
// account, and still ends a pager whose next link never runs out.
const DefaultMaxPages = 10000

// Default returns the configuration with every key at its default. Load starts from
// it, so a key left out of the file keeps its default.
func Default() Config {
	return Config{
		Log:   Log{Level: "info", Format: "auto"},
		Store: Store{Driver: "sqlite", Path: "custos.db", MaxOpenConns: 10},
		Sync:  Sync{BatchSize: 500, Concurrency: 4},
		Connectors: Connectors{
			ITGlue: ITGlue{
				BaseURL:      "https://api.itglue.com",
				NetworkTypes: []string{"Firewall", "Router", "Switch", "Managed Network Device"},
				PageSize:     1000,
				// IT Glue allows 3,000 requests per 5 minutes (10/s) per account; take
				// 0.9 of it (sources in config.example.toml and docs/vendors/itglue.md).
				HTTP: HTTP{
					RequestsPerSecond: 9,
					MaxRetries:        4,
					Timeout:           duration.Duration(60 * time.Second),
					MinRetryWait:      duration.Duration(10 * time.Second),
					MaxRetryWait:      duration.Duration(5 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
					Limit:             Limit{Requests: 3000, Window: 5 * time.Minute},
				},
			},
			ScreenConnect: ScreenConnect{
				CompanyProperty: 1,
				SessionTypes:    []string{"Support", "Access"},
				// The default maintenance plan purges connections and events after 30 days.
				Lookback:  duration.Duration(30 * 24 * time.Hour),
				Overlap:   duration.Duration(time.Hour),
				ItemLimit: 10000,
				HTTP: HTTP{
					RequestsPerSecond: 2,
					MaxRetries:        4,
					Timeout:           duration.Duration(120 * time.Second),
					MinRetryWait:      duration.Duration(5 * time.Second),
					MaxRetryWait:      duration.Duration(2 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
				},
			},
			M365: M365{
				M365Auth:      M365Auth{AuthorityHost: "https://login.microsoftonline.com/"},
				GraphURL:      "https://graph.microsoft.com",
				SubjectPrefix: "Scheduled RMM Report:",
				// Sign-ins are kept 30 days with Entra ID P1; audits arrive up to hours late.
				Lookback: duration.Duration(30 * 24 * time.Hour),
				Overlap:  duration.Duration(2 * time.Hour),
				// The identity reports APIs allow 5 requests per 10 s per app per tenant
				// and 122 per 10 s across all tenants (sources in config.example.toml and
				// docs/vendors/microsoft365.md). Across tenants take 0.9, with a request of
				// credit (connectors.CatchUpBurst). Per tenant no credit fits, and a budget
				// without credit achieves a little under its rate: take 0.92, which still
				// sends at most ⌈10 s × 0.46⌉ = 5 in any 10 s (any rate up to 0.5 does).
				// Other requests (relationships, mail) keep 4 a second per tenant, far
				// below their limits.
				ReportsPerTenant:       0.46,
				ReportsAllTenants:      10.98,
				ReportsLimitPerTenant:  Limit{Requests: 5, Window: 10 * time.Second},
				ReportsLimitAllTenants: Limit{Requests: 122, Window: 10 * time.Second},
				HTTP: HTTP{
					RequestsPerSecond: 4,
					MaxRetries:        4,
					Timeout:           duration.Duration(60 * time.Second),
					MinRetryWait:      duration.Duration(3 * time.Second),
					MaxRetryWait:      duration.Duration(3 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
				},
			},
			Autotask: Autotask{
				ZoneURL:  "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation",
				Marker:   "Authorised by:",
				Scope:    "any",
				Grace:    duration.Duration(24 * time.Hour),
				Lookback: duration.Duration(90 * 24 * time.Hour),
				Overlap:  duration.Duration(10 * time.Minute),
				// 10,000 requests an hour per database (2.78/s); take 0.9 of it (sources
				// in config.example.toml and docs/vendors/autotask.md).
				HTTP: HTTP{
					RequestsPerSecond: 2.5,
					MaxRetries:        4,
					Timeout:           duration.Duration(60 * time.Second),
					MinRetryWait:      duration.Duration(10 * time.Second),
					MaxRetryWait:      duration.Duration(5 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
					Limit:             Limit{Requests: 10000, Window: time.Hour},
				},
			},
			O365Audit: O365Audit{
				ContentTypes: []string{"Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General"},
				Window:       duration.Duration(24 * time.Hour),
				Lookback:     duration.Duration(7 * 24 * time.Hour),
				SettleDelay:  duration.Duration(24 * time.Hour),
				BaseURL:      "https://manage.office.com",
				// 2,000 requests a minute per tenant with a PublisherIdentifier; throttling
				// comes as 403 AF429 and is retried after the backoff.
				HTTP: HTTP{
					RequestsPerSecond: 10,
					MaxRetries:        4,
					Timeout:           duration.Duration(60 * time.Second),
					MinRetryWait:      duration.Duration(30 * time.Second),
					MaxRetryWait:      duration.Duration(5 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
					Limit:             Limit{Requests: 2000, Window: time.Minute},
				},
			},
			DattoRMM: DattoRMM{
				PageSize:    250,
				Lookback:    duration.Duration(30 * 24 * time.Hour),
				Overlap:     duration.Duration(15 * time.Minute),
				DeviceAudit: true,
				// 600 requests per minute (10/s) for the whole account; take 0.9 of it
				// (sources in config.example.toml and docs/vendors/dattormm.md).
				HTTP: HTTP{
					RequestsPerSecond: 9,
					MaxRetries:        4,
					Timeout:           duration.Duration(60 * time.Second),
					MinRetryWait:      duration.Duration(10 * time.Second),
					MaxRetryWait:      duration.Duration(5 * time.Minute),
					MaxPages:          DefaultMaxPages,
					MaxBodyBytes:      httpsafe.DefaultMaxBodyBytes,
					Limit:             Limit{Requests: 600, Window: time.Minute},
				},
			},
		},
		Daemon: Daemon{
			Listen:          "127.0.0.1:9464",
			ShutdownTimeout: duration.Duration(30 * time.Second),
			LeaseTTL:        duration.Duration(2 * time.Minute),
		},
		Web: Web{
			SessionLifetime: duration.Duration(8 * time.Hour),
			Entra:           WebEntra{Authority: "https://login.microsoftonline.com/"},
		},
		Schedules: Schedules{
			TimeZone:  Location{loc: time.UTC},
			Sync:      MustSchedule("0 */2 * * *"),
			Reconcile: MustSchedule("30 * * * *"),
			Retention: MustSchedule("15 3 * * *"),
			Report:    MustSchedule("0 6 2 * *"),
			Notify:    MustSchedule("* * * * *"),
			Spread:    duration.Duration(10 * time.Minute),
		},
		Retention: Retention{
			RawPayloads:      duration.Duration(90 * 24 * time.Hour),
			RemovedRecords:   duration.Duration(90 * 24 * time.Hour),
			Coverage:         duration.Duration(180 * 24 * time.Hour),
			JobRuns:          duration.Duration(31 * 24 * time.Hour),
			ResolvedFindings: duration.Duration(365 * 24 * time.Hour),
			AccessEvents:     duration.Duration(730 * 24 * time.Hour),
			PersonalData:     duration.Duration(180 * 24 * time.Hour),
			Deliveries:       duration.Duration(90 * 24 * time.Hour),
			Reports:          duration.Duration(730 * 24 * time.Hour),
			AuditTrail:       duration.Duration(730 * 24 * time.Hour),
		},
		Authorisations: Authorisations{
			GraceBefore: duration.Duration(15 * time.Minute),
			GraceAfter:  duration.Duration(30 * time.Minute),
		},
		Notify: Notify{
			GroupWait:      duration.Duration(30 * time.Second),
			GroupInterval:  duration.Duration(5 * time.Minute),
			RepeatInterval: duration.Duration(24 * time.Hour),
			TimeZone:       Location{loc: time.UTC},
			BusinessHours: BusinessHours{
				Days:  []Day{Day(time.Monday), Day(time.Tuesday), Day(time.Wednesday), Day(time.Thursday), Day(time.Friday)},
				Start: 8 * 60, End: 18 * 60,
			},
			MaxAttempts:  10,
			MinRetryWait: duration.Duration(30 * time.Second),
			MaxRetryWait: duration.Duration(time.Hour),
			Timeout:      duration.Duration(15 * time.Second),
		},
		Report: Report{
			MSPName:  "Your MSP",
			Colour:   "#1f4e79",
			Dir:      "reports",
			TimeZone: Location{loc: time.UTC},
			Formats:  []string{"html", "pdf"},
		},
		Customers: Customers{
			CreateFrom:       []string{"itglue"},
			InactiveStatuses: []string{"Inactive"},
		},
	}
}
