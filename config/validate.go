package config

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/duration"
)

// guidPattern is the shape of a tenant id.
var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// DattoPlatforms are the Datto RMM platforms; an account's API is on
// https://<platform>-api.centrastage.net.
var DattoPlatforms = []string{"pinotage", "merlot", "concord", "vidal", "zinfandel", "syrah"}

// scopes are the authorisation scopes (record.Scopes; config does not import record).
var scopes = []string{"remote", "command", "admin", "mailbox", "removal", "any"}

// Validate checks every value and returns every problem found, each with its key path.
func (c *Config) Validate() []Problem {
	v := &validator{}
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "auto", "json", "console")

	v.oneOf("store.driver", c.Store.Driver, "sqlite", "postgres")
	switch c.Store.Driver {
	case "sqlite":
		v.check(c.Store.Path != "", "store.path", "must name the SQLite file")
	case "postgres":
		v.check(!c.Store.DSN.IsZero(), "store.dsn", `must name where the PostgreSQL DSN is kept, e.g. { env = "CUSTOS_POSTGRES_DSN" }`)
	}
	v.check(c.Store.MaxOpenConns > 0, "store.max_open_conns", "must be at least 1")

	v.check(!c.Seal.KeepRawPayloads || !c.Seal.Key.IsZero(), "seal.key", "must name the sealing key when seal.keep_raw_payloads is true")

	v.check(c.Sync.BatchSize >= 1 && c.Sync.BatchSize <= 10000, "sync.batch_size", "must be between 1 and 10000")
	v.check(c.Sync.Concurrency >= 1 && c.Sync.Concurrency <= 64, "sync.concurrency", "must be between 1 and 64")

	it := c.Connectors.ITGlue
	if it.Enabled {
		v.url("connectors.itglue.base_url", it.BaseURL)
		v.check(!it.APIKey.IsZero(), "connectors.itglue.api_key", `must name where the key is kept, e.g. { env = "ITGLUE_API_KEY" }`)
		v.check(len(it.NetworkTypes) > 0, "connectors.itglue.network_types", "must list at least one configuration type name")
		for i, name := range it.NetworkTypes {
			v.check(strings.TrimSpace(name) != "", fmt.Sprintf("connectors.itglue.network_types[%d]", i), "must not be empty")
		}
		v.check(it.PageSize >= 1 && it.PageSize <= 1000, "connectors.itglue.page_size", "must be between 1 and 1000 (the API's maximum)")
		v.http("connectors.itglue", it.HTTP)
	}

	if sc := c.Connectors.ScreenConnect; sc.Enabled {
		if sc.SessionDB == "" {
			v.url("connectors.screenconnect.base_url", sc.BaseURL)
			v.check(!sc.Username.IsZero(), "connectors.screenconnect.username", `must name where the user name is kept, e.g. { env = "SCREENCONNECT_USERNAME" }`)
			v.check(!sc.Password.IsZero(), "connectors.screenconnect.password", `must name where the password is kept, e.g. { env = "SCREENCONNECT_PASSWORD" }`)
		}
		v.check(sc.CompanyProperty >= 1 && sc.CompanyProperty <= 8, "connectors.screenconnect.company_property", "must be between 1 and 8 (ScreenConnect has eight custom properties)")
		v.check(len(sc.SessionTypes) > 0, "connectors.screenconnect.session_types", "must list at least one of Support, Access, Meeting")
		for i, t := range sc.SessionTypes {
			v.oneOf(fmt.Sprintf("connectors.screenconnect.session_types[%d]", i), t, "Support", "Access", "Meeting")
		}
		v.check(sc.Lookback > 0, "connectors.screenconnect.lookback", "must be positive")
		v.check(sc.Overlap >= 0, "connectors.screenconnect.overlap", "must not be negative")
		v.check(sc.ItemLimit >= 100 && sc.ItemLimit <= 100000, "connectors.screenconnect.item_limit", "must be between 100 and 100000")
		v.http("connectors.screenconnect", sc.HTTP)
	}

	if dr := c.Connectors.DattoRMM; dr.Enabled {
		if dr.BaseURL != "" {
			v.url("connectors.dattormm.base_url", dr.BaseURL)
		} else {
			v.check(slices.Contains(DattoPlatforms, dr.Platform), "connectors.dattormm.platform",
				fmt.Sprintf("%q is not a platform name: one of %s (Setup > Global Settings shows it; base_url overrides it)%s",
					dr.Platform, strings.Join(DattoPlatforms, ", "), DidYouMean(dr.Platform, DattoPlatforms)))
		}
		v.check(!dr.APIKey.IsZero(), "connectors.dattormm.api_key", `must name where the key is kept, e.g. { env = "DATTO_RMM_API_KEY" }`)
		v.check(!dr.APISecret.IsZero(), "connectors.dattormm.api_secret", `must name where the secret is kept, e.g. { env = "DATTO_RMM_API_SECRET" }`)
		v.check(dr.PageSize >= 1 && dr.PageSize <= 250, "connectors.dattormm.page_size", "must be between 1 and 250")
		v.check(dr.Lookback > 0 && dr.Lookback <= duration.Duration(180*24*time.Hour), "connectors.dattormm.lookback", "must be between 1s and 180d (the platform keeps 180 days of activity)")
		v.check(dr.Overlap >= 0, "connectors.dattormm.overlap", "must not be negative")
		v.check(dr.RequestsPerSecond <= 10, "connectors.dattormm.requests_per_second", "must not exceed 10 (600 requests per minute is the whole account's limit)")
		v.http("connectors.dattormm", dr.HTTP)
	}

	if at := c.Connectors.Autotask; at.Enabled {
		if at.BaseURL != "" {
			v.url("connectors.autotask.base_url", at.BaseURL)
		} else {
			v.url("connectors.autotask.zone_url", at.ZoneURL)
		}
		v.check(!at.Username.IsZero(), "connectors.autotask.username", `must name where the API user's name is kept, e.g. { env = "AUTOTASK_USERNAME" }`)
		v.check(!at.Secret.IsZero(), "connectors.autotask.secret", `must name where the API user's secret is kept, e.g. { env = "AUTOTASK_SECRET" }`)
		v.check(!at.IntegrationCode.IsZero(), "connectors.autotask.integration_code", `must name where the integration code is kept, e.g. { env = "AUTOTASK_INTEGRATION_CODE" }`)
		v.check(len(at.NoteTypes) > 0 || len(at.Statuses) > 0 || strings.TrimSpace(at.Marker) != "", "connectors.autotask.marker",
			"must be set when note_types and statuses are empty, or no ticket ever carries a permission")
		v.oneOf("connectors.autotask.scope", at.Scope, scopes...)
		v.check(at.Grace >= 0, "connectors.autotask.grace", "must not be negative")
		v.check(at.Lookback > 0, "connectors.autotask.lookback", "must be positive")
		v.check(at.Overlap >= 0, "connectors.autotask.overlap", "must not be negative")
		v.http("connectors.autotask", at.HTTP)
	}

	if oa := c.Connectors.O365Audit; oa.Enabled {
		v.check(oa.PublisherIdentifier == "" || guidPattern.MatchString(oa.PublisherIdentifier), "connectors.o365audit.publisher_identifier",
			fmt.Sprintf("%q is not a tenant id (a GUID); leave it empty to use the partner tenant id", oa.PublisherIdentifier))
		v.check(len(oa.ContentTypes) > 0, "connectors.o365audit.content_types", "must list at least one content type")
		for i, ct := range oa.ContentTypes {
			v.oneOf(fmt.Sprintf("connectors.o365audit.content_types[%d]", i), ct, "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General")
		}
		v.check(oa.Window > 0 && oa.Window <= duration.Duration(24*time.Hour), "connectors.o365audit.window", "must be between 1s and 24h (the API lists at most 24 hours at once)")
		v.check(oa.Lookback > 0 && oa.Lookback <= duration.Duration(7*24*time.Hour), "connectors.o365audit.lookback", "must be between 1s and 7d (the API keeps content for 7 days)")
		v.check(oa.SettleDelay >= 0 && oa.SettleDelay < oa.Lookback, "connectors.o365audit.settle_delay", "must not be negative and must be less than lookback")
		v.url("connectors.o365audit.base_url", oa.BaseURL)
		v.check(c.Connectors.M365.Enabled, "connectors.o365audit.enabled", "needs connectors.m365 enabled: the audit log is read with that app registration, for the tenants it finds")
		v.http("connectors.o365audit", oa.HTTP)
	}

	if m := c.Connectors.M365; m.Enabled {
		c.validateM365(v, m)
	}
	c.validateCAFiles(v)

	for i, t := range c.Technicians {
		v.check(strings.TrimSpace(t.Name) != "", fmt.Sprintf("technicians[%d].name", i), "must not be empty")
		if t.Email != "" {
			v.email(fmt.Sprintf("technicians[%d].email", i), t.Email)
		}
	}

	v.check(len(c.Customers.CreateFrom) > 0, "customers.create_from", "must name at least one source, or no customer is ever created")
	for i, src := range c.Customers.CreateFrom {
		v.oneOf(fmt.Sprintf("customers.create_from[%d]", i), src, "itglue", "dattormm", "autotask")
	}

	v.check(c.Daemon.Listen != "", "daemon.listen", "must be an address such as 127.0.0.1:9464")
	v.check(c.Daemon.ShutdownTimeout > 0, "daemon.shutdown_timeout", "must be positive")
	v.check(c.Daemon.LeaseTTL >= duration.Duration(10*time.Second), "daemon.lease_ttl", "must be at least 10s")
	c.validateWeb(v)
	v.schedule("schedules.sync", c.Schedules.Sync)
	v.schedule("schedules.reconcile", c.Schedules.Reconcile)
	v.schedule("schedules.retention", c.Schedules.Retention)
	v.check(c.Schedules.Spread >= 0, "schedules.spread", "must not be negative")
	for _, l := range RetentionLimits(c.Retention) {
		v.check(l.Value >= duration.Duration(24*time.Hour), l.Key, "must be at least 1d")
		v.check(l.Value <= l.Limit || strings.TrimSpace(c.Retention.ExceedLimitsBecause) != "", l.Key,
			fmt.Sprintf("%s is longer than the policy's %s (%s); lower it, or say why in retention.exceed_limits_because",
				l.Value, l.Limit, l.Policy))
	}

	v.check(c.Authorisations.GraceBefore >= 0, "authorisations.grace_before", "must not be negative")
	v.check(c.Authorisations.GraceAfter >= 0, "authorisations.grace_after", "must not be negative")
	c.validateReport(v)
	c.validateNotify(v)
	return v.problems
}

// validateReport checks the [report] section and the report schedule.
func (c *Config) validateReport(v *validator) {
	r := c.Report
	v.check(strings.TrimSpace(r.MSPName) != "", "report.msp_name", "must name the MSP the reports are issued under")
	v.check(r.Dir != "", "report.dir", "must name the directory reports are written to")
	if r.Logo != "" {
		ext := strings.ToLower(filepath.Ext(r.Logo))
		v.check(ext == ".png" || ext == ".jpg" || ext == ".jpeg", "report.logo", fmt.Sprintf("%q is not a .png, .jpg or .jpeg file", r.Logo))
	}
	v.check(hexColour.MatchString(r.Colour), "report.colour", fmt.Sprintf("%q is not a colour written #RRGGBB, e.g. #1f4e79", r.Colour))
	v.timeZone("report.timezone", r.TimeZone)
	v.check(len(r.Formats) > 0, "report.formats", "must list at least one of html, pdf")
	for i, f := range r.Formats {
		v.oneOf(fmt.Sprintf("report.formats[%d]", i), f, "html", "pdf")
	}
	for _, name := range slices.Sorted(maps.Keys(r.Customers)) {
		prefix := fmt.Sprintf("report.customers.%q", name)
		for i, addr := range r.Customers[name].Recipients {
			a, err := mail.ParseAddress(addr)
			v.check(err == nil && a.Name == "" && a.Address == addr, fmt.Sprintf("%s.recipients[%d]", prefix, i),
				fmt.Sprintf("%q is not an e-mail address such as it@customer.example", addr))
		}
	}
	c.validateReportReceiver(v)
	v.schedule("schedules.report", c.Schedules.Report)
}

// hexColour is a colour as report.colour writes it.
var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// validateReportReceiver checks that report.receiver names an e-mail receiver, and
// that it is set when any customer has report recipients.
func (c *Config) validateReportReceiver(v *validator) {
	name := c.Report.Receiver
	if name == "" {
		for _, customer := range slices.Sorted(maps.Keys(c.Report.Customers)) {
			if len(c.Report.Customers[customer].Recipients) > 0 {
				v.check(false, "report.receiver", fmt.Sprintf(`must name the email receiver in notify.receivers that reports are sent through: report.customers.%q has recipients`, customer))
				return
			}
		}
		return
	}
	for _, r := range c.Notify.Receivers {
		if r.Name == name {
			v.check(r.Type == "email", "report.receiver", fmt.Sprintf("%q is a %s receiver; reports go only through an email receiver, to the customer's own addresses", name, r.Type))
			return
		}
	}
	v.check(false, "report.receiver", fmt.Sprintf("%q is not the name of a receiver in notify.receivers", name))
}

// timeZone checks that a zone that has no fallback is named.
func (v *validator) timeZone(key string, zone Location) {
	v.check(zone.IsSet(), key, "must name an IANA time zone such as Europe/London")
}

type validator struct {
	problems []Problem
}

func (v *validator) check(ok bool, key, reason string) {
	if !ok {
		v.problems = append(v.problems, Problem{Key: key, Reason: reason})
	}
}

func (v *validator) oneOf(key, value string, allowed ...string) {
	v.check(slices.Contains(allowed, value), key,
		fmt.Sprintf("%q is not one of %s%s", value, strings.Join(allowed, ", "), DidYouMean(value, allowed)))
}

func (v *validator) url(key, raw string) {
	u, err := url.Parse(raw)
	v.check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", key, fmt.Sprintf("%q is not an absolute http(s) URL", raw))
}

func (v *validator) http(prefix string, h HTTP) {
	v.check(h.RequestsPerSecond > 0, prefix+".requests_per_second", "must be positive")
	v.check(h.MaxRetries >= 0 && h.MaxRetries <= 10, prefix+".max_retries", "must be between 0 and 10")
	v.check(h.Timeout > 0, prefix+".timeout", "must be positive")
	v.check(h.MinRetryWait > 0, prefix+".min_retry_wait", "must be positive")
	v.check(h.MaxRetryWait >= h.MinRetryWait, prefix+".max_retry_wait", "must not be less than min_retry_wait")
	v.check(h.MaxPages > 0, prefix+".max_pages", "must be positive")
	v.check(h.MaxBodyBytes >= 64<<10, prefix+".max_body_bytes", "must be at least 65536 (64 KiB)")
}

// schedule checks that a job's schedule, which has no fallback, is named.
func (v *validator) schedule(key string, s Schedule) {
	v.check(s.IsSet(), key, "must be a cron schedule (five fields, or @hourly, @every 90m)")
}
