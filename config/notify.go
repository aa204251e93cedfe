package config

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// Notify configures alerts: where they can go (receivers), which findings go where
// (routes), and when.
type Notify struct {
	// GroupWait is how long the first alert of a group (one customer on one route)
	// waits for others to join it before the group is sent.
	GroupWait duration.Duration `toml:"group_wait"`
	// GroupInterval is how long after a group was sent its next new alerts wait.
	GroupInterval duration.Duration `toml:"group_interval"`
	// RepeatInterval is how long after a finding was alerted an alert is sent again
	// while it stays open; 0 never repeats.
	RepeatInterval duration.Duration `toml:"repeat_interval"`
	// TimeZone is the IANA zone of business hours, quiet hours and digest times.
	TimeZone Location `toml:"timezone"`
	// BusinessHours are the days and hours routes with business_hours_only deliver in.
	BusinessHours BusinessHours `toml:"business_hours"`
	// MaxAttempts is how many times a message is tried before it is given up.
	MaxAttempts int `toml:"max_attempts"`
	// MinRetryWait and MaxRetryWait bound the exponential backoff between attempts.
	MinRetryWait duration.Duration `toml:"min_retry_wait"`
	MaxRetryWait duration.Duration `toml:"max_retry_wait"`
	// Timeout bounds one attempt to hand a message to a receiver.
	Timeout duration.Duration `toml:"timeout"`
	// Link is the address of the findings list that messages link to; empty links nothing.
	Link string `toml:"link"`
	// Receivers are where alerts can go.
	Receivers []Receiver `toml:"receivers"`
	// Routes decide which findings go to which receivers, first match first.
	Routes []Route `toml:"routes"`
}

// BusinessHours are working days and hours.
type BusinessHours struct {
	// Days are the working days: mon, tue, wed, thu, fri, sat, sun.
	Days []Day `toml:"days"`
	// Start and End are the working hours, "HH:MM"; End is after Start.
	Start ClockTime `toml:"start"`
	End   ClockTime `toml:"end"`
}

// Route sends the findings it matches to its receivers. Empty match lists match
// everything. The first matching route wins unless it sets Continue.
type Route struct {
	// Rules, Severities and Customers (by name, case-insensitively) are what it matches.
	Rules      []string         `toml:"rules"`
	Severities []vocab.Severity `toml:"severities"`
	Customers  []string         `toml:"customers"`
	// Receivers are the names of the receivers the alerts go to.
	Receivers []string `toml:"receivers"`
	// Continue lets the routes after this one match too.
	Continue bool `toml:"continue"`
	// GroupWait, GroupInterval and RepeatInterval override notify's when set.
	GroupWait      duration.Duration `toml:"group_wait"`
	GroupInterval  duration.Duration `toml:"group_interval"`
	RepeatInterval duration.Duration `toml:"repeat_interval"`
	// QuietHours, "HH:MM-HH:MM" in notify.timezone, holds alerts until they end.
	QuietHours Window `toml:"quiet_hours"`
	// BusinessHoursOnly holds alerts until notify.business_hours.
	BusinessHoursOnly bool `toml:"business_hours_only"`
	// SendResolved also tells the receivers when a finding they were alerted about resolves.
	SendResolved bool `toml:"send_resolved"`
}

// Receiver is one place alerts go.
type Receiver struct {
	// Name is how routes and `custos notify test` refer to it.
	Name string `toml:"name"`
	// Type is teams, email or webhook.
	Type string `toml:"type"`
	// Digest, when set (hourly, daily or weekly), collects the receiver's alerts and
	// sends one summary per period instead.
	Digest string `toml:"digest"`
	// DigestAt is the "HH:MM" a daily or weekly digest is sent at; nil when the file
	// names none.
	DigestAt *ClockTime `toml:"digest_at"`
	// DigestDay is the day a weekly digest is sent on: mon to sun; nil when the file
	// names none.
	DigestDay *Day    `toml:"digest_day"`
	Teams     Teams   `toml:"teams"`
	Email     Email   `toml:"email"`
	Webhook   Webhook `toml:"webhook"`
}

// Teams is a Microsoft Teams Workflows webhook.
type Teams struct {
	// URL is the Workflows trigger URL, a secret (its sig parameter is the credential).
	URL secret.Ref `toml:"url"`
}

// Webhook is a generic JSON webhook.
type Webhook struct {
	// URL is where the JSON is posted; a secret, as it often carries a token.
	URL secret.Ref `toml:"url"`
	// HMACSecret signs each body (X-Custos-Signature: sha256=<hex>).
	HMACSecret secret.Ref `toml:"hmac_secret"`
}

// Email sends alerts as e-mail through Microsoft Graph or SMTP.
type Email struct {
	// Transport is graph (Microsoft Graph sendMail) or smtp.
	Transport string `toml:"transport"`
	// From is the sending mailbox; To the recipients.
	From string   `toml:"from"`
	To   []string `toml:"to"`
	// App is the Entra app that sends through Graph, or signs in to SMTP with XOAUTH2.
	App EmailApp `toml:"app"`
	// GraphURL is the Graph root, https://graph.microsoft.com/v1.0 unless a national cloud.
	GraphURL string   `toml:"graph_url"`
	SMTP     SMTPMail `toml:"smtp"`
}

// EmailApp is an Entra app registration with Mail.Send (Graph) or SMTP.SendAsApp.
type EmailApp struct {
	TenantID      string     `toml:"tenant_id"`
	ClientID      string     `toml:"client_id"`
	ClientSecret  secret.Ref `toml:"client_secret"`
	AuthorityHost string     `toml:"authority_host"`
}

// SMTPMail is an SMTP submission server.
type SMTPMail struct {
	Host string `toml:"host"`
	// Port is 587 (STARTTLS) or 465 (TLS); empty follows TLS.
	Port int `toml:"port"`
	// TLS is starttls or tls (plain text is never used); empty follows Port.
	TLS string `toml:"tls"`
	// Auth is password (the default) or xoauth2 (a token of email.app).
	Auth     string     `toml:"auth"`
	Username string     `toml:"username"`
	Password secret.Ref `toml:"password"`
}

// WithDefaults fills what was left out: port 587 with STARTTLS, or 465 with TLS, and
// password authentication.
func (s SMTPMail) WithDefaults() SMTPMail {
	switch {
	case s.TLS == "" && s.Port == 465:
		s.TLS = "tls"
	case s.TLS == "":
		s.TLS = "starttls"
	}
	if s.Port == 0 {
		s.Port = map[string]int{"tls": 465}[s.TLS]
		if s.Port == 0 {
			s.Port = 587
		}
	}
	if s.Auth == "" {
		s.Auth = "password"
	}
	return s
}

var digestKind = []string{"", "hourly", "daily", "weekly"}

// validateNotify checks the [notify] section.
func (c *Config) validateNotify(v *validator) {
	n := c.Notify
	v.check(n.GroupWait >= 0, "notify.group_wait", "must not be negative")
	v.check(n.GroupInterval > 0, "notify.group_interval", "must be positive")
	v.check(n.RepeatInterval >= 0, "notify.repeat_interval", "must not be negative (0 never repeats)")
	v.timeZone("notify.timezone", n.TimeZone)
	v.check(n.BusinessHours.End > n.BusinessHours.Start, "notify.business_hours.end",
		fmt.Sprintf("%s is not after start %s (business hours do not wrap past midnight)", n.BusinessHours.End, n.BusinessHours.Start))
	v.check(n.MaxAttempts >= 1 && n.MaxAttempts <= 50, "notify.max_attempts", "must be between 1 and 50")
	v.check(n.MinRetryWait > 0, "notify.min_retry_wait", "must be positive")
	v.check(n.MaxRetryWait >= n.MinRetryWait, "notify.max_retry_wait", "must not be less than min_retry_wait")
	v.check(n.Timeout > 0, "notify.timeout", "must be positive")
	if n.Link != "" {
		v.url("notify.link", n.Link)
	}
	names := map[string]bool{}
	for i, r := range n.Receivers {
		prefix := fmt.Sprintf("notify.receivers[%d]", i)
		v.check(strings.TrimSpace(r.Name) != "", prefix+".name", "must not be empty")
		v.check(!names[r.Name], prefix+".name", fmt.Sprintf("%q is the name of an earlier receiver", r.Name))
		names[r.Name] = true
		v.oneOf(prefix+".type", r.Type, "teams", "email", "webhook")
		v.oneOf(prefix+".digest", r.Digest, digestKind...)
		if r.Digest == "daily" || r.Digest == "weekly" {
			v.check(r.DigestAt != nil, prefix+".digest_at", fmt.Sprintf("must be the time of day a %s digest is sent, such as 08:00", r.Digest))
		}
		if r.Digest == "weekly" {
			v.check(r.DigestDay != nil, prefix+".digest_day", "must be the day a weekly digest is sent: one of "+strings.Join(weekdayNames, ", "))
		}
		switch r.Type {
		case "teams":
			v.check(!r.Teams.URL.IsZero(), prefix+".teams.url", `must name where the Workflows webhook URL is kept, e.g. { env = "CUSTOS_TEAMS_URL" }`)
		case "webhook":
			v.check(!r.Webhook.URL.IsZero(), prefix+".webhook.url", `must name where the webhook URL is kept, e.g. { env = "CUSTOS_WEBHOOK_URL" }`)
			v.check(!r.Webhook.HMACSecret.IsZero(), prefix+".webhook.hmac_secret", `must name where the signing secret is kept, e.g. { env = "CUSTOS_WEBHOOK_SECRET" }`)
		case "email":
			c.validateEmail(v, prefix+".email", r.Email)
		}
	}
	v.check(len(n.Receivers) == 0 || !c.Seal.Key.IsZero(), "seal.key", "must name the sealing key when notify has receivers (queued messages are sealed)")
	for i, r := range n.Routes {
		prefix := fmt.Sprintf("notify.routes[%d]", i)
		v.check(len(r.Receivers) > 0, prefix+".receivers", "must name at least one receiver")
		for j, name := range r.Receivers {
			v.check(names[name], fmt.Sprintf("%s.receivers[%d]", prefix, j), fmt.Sprintf("%q is not the name of a receiver in notify.receivers", name))
		}
		v.check(r.GroupWait >= 0 && r.GroupInterval >= 0 && r.RepeatInterval >= 0, prefix, "group_wait, group_interval and repeat_interval must not be negative")
		v.check(!r.BusinessHoursOnly || len(n.BusinessHours.Days) > 0, prefix+".business_hours_only", "needs notify.business_hours.days")
	}
	v.schedule("schedules.notify", c.Schedules.Notify)
}

func (c *Config) validateEmail(v *validator, prefix string, e Email) {
	v.oneOf(prefix+".transport", e.Transport, "graph", "smtp")
	v.email(prefix+".from", e.From)
	v.check(len(e.To) > 0, prefix+".to", "must list at least one recipient")
	for i, to := range e.To {
		v.email(fmt.Sprintf("%s.to[%d]", prefix, i), to)
	}
	needApp := e.Transport == "graph"
	if e.GraphURL != "" {
		v.url(prefix+".graph_url", e.GraphURL)
	}
	if e.Transport == "smtp" {
		s := e.SMTP.WithDefaults()
		v.check(s.Host != "", prefix+".smtp.host", "must name the SMTP server, e.g. smtp.office365.com")
		v.check(s.Port >= 1 && s.Port <= 65535, prefix+".smtp.port", "must be a port such as 587 (STARTTLS) or 465 (TLS)")
		v.oneOf(prefix+".smtp.tls", s.TLS, "starttls", "tls")
		v.oneOf(prefix+".smtp.auth", s.Auth, "password", "xoauth2")
		v.check(s.Username != "", prefix+".smtp.username", "must name the mailbox that signs in")
		if s.Auth == "password" {
			v.check(!s.Password.IsZero(), prefix+".smtp.password", `must name where the password is kept, e.g. { env = "CUSTOS_SMTP_PASSWORD" }`)
		}
		needApp = s.Auth == "xoauth2"
	}
	if needApp {
		v.check(e.App.TenantID != "", prefix+".app.tenant_id", "must name the tenant of the sending mailbox")
		v.check(e.App.ClientID != "", prefix+".app.client_id", "must name the Entra app's client id")
		v.check(!e.App.ClientSecret.IsZero(), prefix+".app.client_secret", `must name where the app's client secret is kept, e.g. { env = "CUSTOS_MAIL_CLIENT_SECRET" }`)
		if e.App.AuthorityHost != "" {
			v.url(prefix+".app.authority_host", e.App.AuthorityHost)
		}
	}
}

func (v *validator) email(key, addr string) {
	a, err := mail.ParseAddress(addr)
	v.check(err == nil && a.Address != "", key, fmt.Sprintf("%q is not an e-mail address", addr))
}
