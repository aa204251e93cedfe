package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/config/configtest"
)

// TestParse_BadFiles runs every config/testdata/*.bad.toml: each holds one mistake and
// must be reported under its key path with a reason that says what is wrong.
func TestParse_BadFiles(t *testing.T) {
	configtest.RunBadFiles(t, []configtest.BadFile{
		{"log_level", "log.level", `"verbose" is not one of debug, info, warn, error`, false},
		{"log_format", "log.format", `"xml" is not one of auto, json, console`, false},
		{"store_driver", "store.driver", `"mysql" is not one of sqlite, postgres`, false},
		{"store_driver_typo", "store.driver", `"sqllite" is not one of sqlite, postgres; did you mean "sqlite"?`, false},
		{"store_path", "store.path", "must name the SQLite file", false},
		{"store_dsn", "store.dsn", "CUSTOS_POSTGRES_DSN", false},
		{"store_max_open_conns", "store.max_open_conns", "at least 1", false},
		{"seal_key", "seal.key", "keep_raw_payloads", false},
		{"sync_batch_size", "sync.batch_size", "between 1 and 10000", false},
		{"sync_concurrency", "sync.concurrency", "between 1 and 64", false},
		{"itglue_base_url", "connectors.itglue.base_url", "not an absolute http(s) URL", false},
		{"itglue_api_key", "connectors.itglue.api_key", "ITGLUE_API_KEY", false},
		{"itglue_network_types", "connectors.itglue.network_types", "at least one", false},
		{"itglue_network_type_blank", "connectors.itglue.network_types[1]", "must not be empty", false},
		{"itglue_page_size", "connectors.itglue.page_size", "between 1 and 1000", false},
		{"itglue_requests_per_second", "connectors.itglue.requests_per_second", "must be positive", false},
		{"itglue_max_retries", "connectors.itglue.max_retries", "between 0 and 10", false},
		{"itglue_timeout", "connectors.itglue.timeout", "must be positive", false},
		{"itglue_min_retry_wait", "connectors.itglue.min_retry_wait", "must be positive", false},
		{"itglue_max_retry_wait", "connectors.itglue.max_retry_wait", "not be less than min_retry_wait", false},
		{"screenconnect_company_property", "connectors.screenconnect.company_property", "between 1 and 8", false},
		{"screenconnect_session_types", "connectors.screenconnect.session_types[1]", `"Backstage" is not one of Support, Access, Meeting`, false},
		{"screenconnect_password", "connectors.screenconnect.password", "SCREENCONNECT_PASSWORD", false},
		{"dattormm_platform", "connectors.dattormm.platform", `"Merlot EU" is not a platform name: one of pinotage, merlot, concord, vidal, zinfandel, syrah`, false},
		{"dattormm_platform_typo", "connectors.dattormm.platform", `"merlott" is not a platform name: one of pinotage, merlot, concord, vidal, zinfandel, syrah (Setup > Global Settings shows it; base_url overrides it); did you mean "merlot"?`, false},
		{"dattormm_requests_per_second", "connectors.dattormm.requests_per_second", "600 requests per minute", false},
		{"dattormm_lookback", "connectors.dattormm.lookback", "180 days", false},
		{"autotask_scope", "connectors.autotask.scope", `"everything" is not one of remote, command, admin, mailbox, removal, any`, false},
		{"m365_partner_tenant_id", "connectors.m365.partner_tenant_id", `"contoso.onmicrosoft.com" is not a tenant id`, false},
		{"m365_client_id", "connectors.m365.client_id", `"custos" is not an application (client) id`, false},
		{"m365_credential", "connectors.m365.client_secret", "exactly one of client_secret", false},
		{"m365_certificate_file", "connectors.m365.certificate_file", `"app.pem" cannot be read`, false},
		{"m365_authority_host", "connectors.m365.authority_host", "not an absolute http(s) URL", false},
		{"m365_graph_url", "connectors.m365.graph_url", "not an absolute http(s) URL", false},
		{"m365_tenants", "connectors.m365.tenants.contoso", "not a tenant id", false},
		{"m365_partner_domains", "connectors.m365.partner_domains[1]", `"tech@msp.example" is not a domain name`, false},
		{"m365_mailbox", "connectors.m365.mailbox", `"rmm-reports" is not a user principal name`, false},
		{"m365_subject_prefix", "connectors.m365.subject_prefix", "must not be empty when mailbox is set", false},
		{"m365_lookback", "connectors.m365.lookback", "between 1s and 30d", false},
		{"m365_overlap", "connectors.m365.overlap", "must not be negative", false},
		{"m365_ca_file", "connectors.m365.ca_file", "cannot be read", false},
		{"technician_name", "technicians[1].name", "must not be empty", false},
		{"technician_email", "technicians[0].email", `"alice.smith" is not an e-mail address`, false},
		{"customers_create_from_empty", "customers.create_from", "at least one source", false},
		{"customers_create_from_unknown", "customers.create_from[1]", `"hubspot" is not one of itglue, dattormm, autotask`, false},
		{"unknown_key", "log.levle", `line 2: unknown key; did you mean "level"?`, false},
		{"unknown_section", "conectors", `line 1: unknown key; did you mean "connectors"?`, false},
		{"wrong_type", "sync.batch_size", "line 4: incompatible types", false},
		{"inline_secret", "connectors.itglue.api_key", "line 2: secrets are never inline", false},
		{"inline_previous_key", "seal.previous_keys[0]", "secrets are never inline", false},
		{"secret_env_and_file", "store.dsn", "line 2: give env or file, not both", false},
		{"secret_unknown_field", "seal.key", `unknown key "path"`, false},
		{"syntax", "", "line 2: expected '.' or ']'", false},
		{"report_msp_name", "report.msp_name", "must name the MSP", false},
		{"report_dir", "report.dir", "must name the directory", false},
		{"report_logo", "report.logo", `"logo.svg" is not a .png, .jpg or .jpeg file`, false},
		{"report_colour", "report.colour", `"navy" is not a colour written #RRGGBB`, false},
		{"report_timezone", "report.timezone", `"Europe/Atlantis" is not an IANA time zone`, false},
		{"report_formats", "report.formats[1]", `"docx" is not one of html, pdf`, false},
		{"report_customer_timezone", `report.customers."Contoso Ltd".timezone`, "is not an IANA time zone", false},
		{"report_recipient", `report.customers."Contoso Ltd".recipients[1]`, `"Contoso IT" is not an e-mail address`, false},
		{"report_receiver_missing", "report.receiver", `must name the email receiver in notify.receivers that reports are sent through: report.customers."Contoso Ltd" has recipients`, false},
		{"report_receiver_unknown", "report.receiver", `"customer-mail" is not the name of a receiver in notify.receivers`, false},
		{"report_receiver_not_email", "report.receiver", `"noc" is a teams receiver; reports go only through an email receiver`, false},
		{"schedules_report", "schedules.report", `"monthly" is not a cron schedule`, false},
		{"notify_group_wait", "notify.group_wait", "must not be negative", false},
		{"notify_group_interval", "notify.group_interval", "must be positive", false},
		{"notify_repeat_interval", "notify.repeat_interval", "0 never repeats", false},
		{"notify_timezone", "notify.timezone", `"Mars/Olympus_Mons" is not an IANA time zone`, false},
		{"notify_business_days", "notify.business_hours.days[1]", `"funday" is not one of sun, mon`, false},
		{"notify_business_start", "notify.business_hours.start", `"8am" is not a time of day`, false},
		{"notify_business_end", "notify.business_hours.end", "08:00 is not after start 17:00", false},
		{"notify_max_attempts", "notify.max_attempts", "between 1 and 50", false},
		{"notify_min_retry_wait", "notify.min_retry_wait", "must be positive", false},
		{"notify_max_retry_wait", "notify.max_retry_wait", "not be less than min_retry_wait", false},
		{"notify_timeout", "notify.timeout", "must be positive", false},
		{"notify_link", "notify.link", `"dashboard" is not an absolute http(s) URL`, false},
		{"notify_seal_key", "seal.key", "when notify has receivers", false},
		{"notify_receiver_name", "notify.receivers[0].name", "must not be empty", false},
		{"notify_receiver_duplicate", "notify.receivers[1].name", `"noc" is the name of an earlier receiver`, false},
		{"notify_receiver_type", "notify.receivers[0].type", `"slack" is not one of teams, email, webhook`, false},
		{"notify_receiver_digest", "notify.receivers[0].digest", `"monthly" is not one of`, false},
		{"notify_receiver_digest_at", "notify.receivers[0].digest_at", `"25:00" is not a time of day`, false},
		{"notify_receiver_digest_at_missing", "notify.receivers[0].digest_at", "must be the time of day a daily digest is sent", false},
		{"notify_receiver_digest_day", "notify.receivers[0].digest_day", `"monday" is not one of sun, mon`, false},
		{"notify_teams_url", "notify.receivers[0].teams.url", "CUSTOS_TEAMS_URL", false},
		{"notify_webhook_url", "notify.receivers[0].webhook.url", "CUSTOS_WEBHOOK_URL", false},
		{"notify_webhook_hmac_secret", "notify.receivers[0].webhook.hmac_secret", "CUSTOS_WEBHOOK_SECRET", false},
		{"notify_email_transport", "notify.receivers[0].email.transport", `"sendmail" is not one of graph, smtp`, false},
		{"notify_email_from", "notify.receivers[0].email.from", `"alerts" is not an e-mail address`, false},
		{"notify_email_to", "notify.receivers[0].email.to", "at least one recipient", false},
		{"notify_email_graph_app", "notify.receivers[0].email.app.client_secret", "CUSTOS_MAIL_CLIENT_SECRET", false},
		{"notify_email_smtp_host", "notify.receivers[0].email.smtp.host", "must name the SMTP server", false},
		{"notify_email_smtp_tls", "notify.receivers[0].email.smtp.tls", `"none" is not one of starttls, tls`, false},
		{"notify_email_smtp_auth", "notify.receivers[0].email.smtp.auth", `"cram-md5" is not one of password, xoauth2`, false},
		{"notify_email_smtp_password", "notify.receivers[0].email.smtp.password", "CUSTOS_SMTP_PASSWORD", false},
		{"notify_route_receivers", "notify.routes[0].receivers", "at least one receiver", false},
		{"notify_route_unknown_receiver", "notify.routes[0].receivers[1]", `"pager" is not the name of a receiver`, false},
		{"notify_route_severity", "notify.routes[0].severities[0]", `"urgent" is not one of info`, false},
		{"notify_route_intervals", "notify.routes[0]", "must not be negative", false},
		{"notify_route_quiet_hours", "notify.routes[0].quiet_hours", `"22:00" is not a window`, false},
		{"notify_route_business_hours", "notify.routes[0].business_hours_only", "needs notify.business_hours.days", false},
		{"schedules_notify", "schedules.notify", `"every minute" is not a cron schedule`, false},
		{"retention_deliveries", "retention.deliveries", "at least 1d", false},
		{"retention_job_runs_over_limit", "retention.job_runs", "90d is longer than the policy's 31d (execution history at most one month); lower it, or say why in retention.exceed_limits_because", false},
		{"o365audit_window", "connectors.o365audit.window", "at most 24 hours", false},
		{"o365audit_lookback", "connectors.o365audit.lookback", "7 days", false},
		{"o365audit_settle_delay", "connectors.o365audit.settle_delay", "less than lookback", false},
		{"o365audit_content_types", "connectors.o365audit.content_types[1]", `"DLP.All" is not one of`, false},
		{"o365audit_publisher_identifier", "connectors.o365audit.publisher_identifier", "not a tenant id", false},
		{"o365audit_base_url", "connectors.o365audit.base_url", "not an absolute http(s) URL", false},
		{"o365audit_without_m365", "connectors.o365audit.enabled", "needs connectors.m365 enabled", false},
		{"web_listen", "web.listen", `"8443" is not an address such as 127.0.0.1:8443`, false},
		{"web_public_url", "web.public_url", "plain http only for localhost", false},
		{"web_tls_key", "web.tls_key", "set both tls_cert and tls_key, or neither", false},
		{"web_tls_cert", "web.tls_cert", `"no-such-cert.pem" cannot be read`, false},
		{"web_trusted_proxies", "web.trusted_proxies[1]", `"proxy.internal" is not a network such as 10.0.0.0/8`, false},
		{"web_session_lifetime", "web.session_lifetime", "between 5m and 7d", false},
		{"web_entra_tenant_id", "web.entra.tenant_id", `"msp.onmicrosoft.com" is not a tenant id`, false},
		{"web_entra_client_secret", "web.entra.client_secret", "CUSTOS_ENTRA_CLIENT_SECRET", false},
		{"web_entra_roles", "web.entra.roles", "must map at least one app role or group", false},
		{"web_entra_role", "web.entra.roles.Custos.Admin", `"owner" is not one of viewer, auditor, operator, admin`, false},
		{"retention_audit_trail_over_limit", "retention.audit_trail", "2000d is longer than the policy's 1095d", false},
	})
}

func TestParse_EmptyFileIsTheDefaults(t *testing.T) {
	cfg, err := config.Parse("/etc/custos/custos.toml", nil)
	if err != nil {
		t.Fatalf("Parse of an empty file: %v", err)
	}
	if cfg.Dir != "/etc/custos" {
		t.Errorf("Dir = %q", cfg.Dir)
	}
	cfg.Dir = ""
	assertEqualConfig(t, *cfg, config.Default())
}

func TestDefault_IsValid(t *testing.T) {
	cfg := config.Default()
	if problems := cfg.Validate(); len(problems) > 0 {
		t.Errorf("Default() has problems: %q", problems)
	}
}

func TestLoad_RelativeStorePathResolvesAgainstConfigDir(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "etc")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	doc := "[store]\npath = \"data/custos.db\"\n"
	if err := os.WriteFile(filepath.Join(sub, "custos.toml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	// Load with a relative config path from elsewhere: the store path follows the
	// config file, not the working directory.
	t.Chdir(dir)
	cfg, err := config.Load(filepath.Join("etc", "custos.toml"))
	if err != nil {
		t.Fatal(err)
	}
	realSub, err := filepath.EvalSymlinks(sub)
	if err != nil {
		t.Fatal(err)
	}
	gotDir, err := filepath.EvalSymlinks(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if gotDir != realSub {
		t.Errorf("Dir = %q, want %q", cfg.Dir, sub)
	}
	tests := []struct {
		in, want string
	}{
		{cfg.Store.Path, filepath.Join(cfg.Dir, "data", "custos.db")},
		{"/var/lib/custos/custos.db", "/var/lib/custos/custos.db"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cfg.Resolve(tt.in); got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !filepath.IsAbs(cfg.Resolve(cfg.Store.Path)) {
		t.Errorf("Resolve(%q) is not absolute", cfg.Store.Path)
	}
}

func TestLoad_MissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want os.ErrNotExist", err)
	}
}

// TestParse_RetentionOverLimitWithAReason accepts a period over its limit once
// retention.exceed_limits_because says why, and still refuses a blank reason.
func TestParse_RetentionOverLimitWithAReason(t *testing.T) {
	over := func(because string) []byte {
		return []byte("[retention]\njob_runs = \"90d\"\nexceed_limits_because = " + because + "\n")
	}
	if _, err := config.Parse("with-reason.toml", over(`"customer contract 2026-14 requires three months of job history"`)); err != nil {
		t.Errorf("a period over its limit with a reason is refused: %v", err)
	}
	problems := configtest.Problems(t, "blank-reason.toml", over(`"  "`))
	if !configtest.HasProblem(problems, "retention.job_runs", "longer than the policy's") {
		t.Errorf("a period over its limit with a blank reason is accepted: %q", problems)
	}
}
