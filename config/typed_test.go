package config_test

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/config/configtest"
)

// TestParse_EveryBadTypedValueWithItsKeyAndLine: times of day, days, windows,
// schedules and zones in every section are each reported with their whole key path
// (indices and quoted names included) and their line, at once, and reported once: a
// value that did not decode is not reported again as missing.
func TestParse_EveryBadTypedValueWithItsKeyAndLine(t *testing.T) {
	doc := `
[seal]
key = { env = "CUSTOS_SEAL_KEY" }

[schedules]
reconcile = "every half hour"

[connectors.itglue]
schedule = "0 25 * * *"

[report]
timezone = "Europe/Atlantis"

[report.customers."Contoso Ltd"]
timezone = "Mars/Olympus_Mons"

[notify.business_hours]
days = ["mon", "funday"]
start = "8am"

[[notify.receivers]]
name = "noc"
type = "teams"
digest = "daily"
digest_at = "25:00"
teams.url = { env = "T" }

[[notify.routes]]
receivers = ["noc"]
quiet_hours = "22:00"
`
	problems := configtest.Problems(t, "custos.toml", []byte(doc))
	want := []struct{ key, reason string }{
		{"schedules.reconcile", `line 6: "every half hour" is not a cron schedule`},
		{"connectors.itglue.schedule", `line 9: "0 25 * * *" is not a cron schedule`},
		{"report.timezone", `line 12: "Europe/Atlantis" is not an IANA time zone`},
		{`report.customers."Contoso Ltd".timezone`, `line 15: "Mars/Olympus_Mons" is not an IANA time zone`},
		{"notify.business_hours.days[1]", `line 18: "funday" is not one of sun, mon`},
		{"notify.business_hours.start", `line 19: "8am" is not a time of day`},
		{"notify.receivers[0].digest_at", `line 25: "25:00" is not a time of day`},
		{"notify.routes[0].quiet_hours", `line 30: "22:00" is not a window such as 22:00-07:00`},
	}
	for _, w := range want {
		if !configtest.HasProblem(problems, w.key, w.reason) {
			t.Errorf("missing problem %s: %s", w.key, w.reason)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d: %q", len(problems), len(want), problems)
	}
}

// TestParse_LineOfAKeyInOneOfSeveralTablesIsNotGuessed: the decoder knows a key in a
// list of tables only by the last table's, so a bad value in an earlier one is
// reported without a line rather than with another table's.
func TestParse_LineOfAKeyInOneOfSeveralTablesIsNotGuessed(t *testing.T) {
	doc := `
[seal]
key = { env = "CUSTOS_SEAL_KEY" }

[[notify.receivers]]
name = "noc"
type = "teams"
teams.url = { env = "T" }

[[notify.routes]]
receivers = ["noc"]
quiet_hours = "22:00"

[[notify.routes]]
receivers = ["noc"]
quiet_hours = "23:00-06:00"
`
	problems := configtest.Problems(t, "custos.toml", []byte(doc))
	if len(problems) != 1 || problems[0].Key != "notify.routes[0].quiet_hours" || problems[0].Reason != `"22:00" is not a window such as 22:00-07:00` {
		t.Errorf("problems = %q, want notify.routes[0].quiet_hours without a line", problems)
	}
}

// TestParse_TypedValuesRoundTrip: a loaded configuration, written back as TOML, loads
// into the same configuration: every typed value writes the text it read, and an
// unset one (a connector's schedule, a customer's zone, digest_at) stays unset.
func TestParse_TypedValuesRoundTrip(t *testing.T) {
	example, err := config.Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	doc := `
[seal]
key = { env = "CUSTOS_SEAL_KEY" }

[schedules]
timezone = "Europe/London"
report = "@monthly"

[connectors.m365]
schedule = "@every 90m"

[report.customers."Contoso Ltd"]
timezone = "Asia/Tokyo"

[report.customers.Fabrikam]
recipients = []

[notify]
timezone = "America/New_York"

[notify.business_hours]
days = ["sat", "sun"]
start = "09:30"
end = "13:00"

[[notify.receivers]]
name = "noc"
type = "teams"
digest = "weekly"
digest_at = "07:15"
digest_day = "fri"
teams.url = { env = "T" }

[[notify.receivers]]
name = "pager"
type = "teams"
teams.url = { env = "P" }

[[notify.routes]]
receivers = ["noc"]
quiet_hours = "22:00-07:00"

[[notify.routes]]
receivers = ["pager"]
`
	typed, err := config.Parse("/etc/custos/custos.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*config.Config{"config.example.toml": example, "typed values": typed} {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			if err := toml.NewEncoder(&out).Encode(cfg); err != nil {
				t.Fatal(err)
			}
			again, err := config.Parse(examplePath, []byte(out.String()))
			if err != nil {
				t.Fatalf("the written configuration does not load: %v\n%s", err, out.String())
			}
			assertEqualConfig(t, *again, *cfg)
		})
	}
	if customer := typed.Report.Customers["Fabrikam"]; customer.TimeZone.IsSet() {
		t.Errorf("a customer without a zone has %s", customer.TimeZone)
	}
	if r := typed.Notify.Receivers[1]; r.DigestAt != nil || r.DigestDay != nil {
		t.Errorf("a receiver without a digest has digest_at %v, digest_day %v", r.DigestAt, r.DigestDay)
	}
	if typed.Connectors.ITGlue.Schedule.IsSet() || typed.SyncSchedule("itglue") != typed.Schedules.Sync {
		t.Errorf("itglue's unset schedule is %q", typed.Connectors.ITGlue.Schedule)
	}
}

// TestParse_EveryTypeErrorWithItsKeyAndLine: values of the wrong TOML type, bad
// durations and unknown keys anywhere in the file are all reported at once, each
// with its key path and line, and the rest of the file is still decoded and
// validated; an unknown table is one problem with the key it was meant to be.
func TestParse_EveryTypeErrorWithItsKeyAndLine(t *testing.T) {
	doc := `
[sync]
batch_size = "many"
concurrency = 2.5

[daemon]
shutdown_timeout = "30 secs"
lease_ttl = 5
listen = 9464

[conectors.itglue]
enabled = true
api_key = { env = "ITGLUE_API_KEY" }

[connectors.dattormm]
enabled = "yes"
network_types = "Firewall"
lookback = ["30d"]

[log]
levle = "debug"

[store]
max_open_conns = 0

[[notify.receivers]]
name = "noc"
type = "teams"
teams.url = "https://inline.example/secret"
`
	problems := configtest.Problems(t, "custos.toml", []byte(doc))
	want := []struct{ key, reason string }{
		{"sync.batch_size", "line 3: incompatible types: the value is a string; write a whole number"},
		{"sync.concurrency", "line 4: incompatible types: the value is a float; write a whole number"},
		{"daemon.shutdown_timeout", `line 7: invalid duration "30 secs"`},
		{"daemon.lease_ttl", `line 8: invalid duration "5"`},
		{"daemon.listen", "line 9: incompatible types: the value is an integer; write a string"},
		{"conectors", `line 11: unknown key; did you mean "connectors"?`},
		{"connectors.dattormm.enabled", "line 16: incompatible types: the value is a string; write true or false"},
		{"connectors.dattormm.network_types", "line 17: unknown key"},
		{"connectors.dattormm.lookback", "line 18: incompatible types: the value is an array; write a string"},
		{"log.levle", `line 21: unknown key; did you mean "level"?`},
		{"store.max_open_conns", "must be at least 1"},
		{"notify.receivers[0].teams.url", "secrets are never inline"},
		{"seal.key", "must name the sealing key when notify has receivers"},
	}
	for _, w := range want {
		if !configtest.HasProblem(problems, w.key, w.reason) {
			t.Errorf("missing problem %s: %s", w.key, w.reason)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(want), problemLines(problems))
	}
	for _, p := range problems {
		if strings.Contains(p.String(), "inline.example") {
			t.Errorf("problem %q shows the inline secret", p)
		}
	}
}

func problemLines(problems []config.Problem) string {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
