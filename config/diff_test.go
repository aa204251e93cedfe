package config_test

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
)

// TestDiff_OnlyWhatTheFileChanges: the difference from the defaults is the keys the
// file sets to other values, in their tables, and loads back as the same
// configuration; a key set to its default, or to an empty list where the default is
// none, is no difference.
func TestDiff_OnlyWhatTheFileChanges(t *testing.T) {
	doc := `
technicians = []

[log]
level = "debug"
format = "auto"

[seal]
key = { file = "/etc/custos/seal.key" }

[connectors.itglue]
enabled = true
api_key = { env = "ITGLUE_API_KEY" }
timeout = "60s"
schedule = "@hourly"

[notify]
timezone = "Europe/London"

[[notify.receivers]]
name = "noc"
type = "teams"
digest = "daily"
digest_at = "08:00"
teams.url = { env = "T" }
`
	cfg, err := config.Parse("/etc/custos/custos.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	base := config.Default()
	if d := config.Diff(&base, config.Default()); len(d) > 0 {
		t.Errorf("the defaults differ from themselves: %v", d)
	}
	var out strings.Builder
	if err := toml.NewEncoder(&out).Encode(config.Diff(cfg, &base)); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	md, err := toml.Decode(out.String(), &got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"log.level", "seal.key", "connectors.itglue.enabled", "connectors.itglue.api_key",
		"connectors.itglue.schedule", "notify.timezone", "notify.receivers"} {
		if !md.IsDefined(strings.Split(key, ".")...) {
			t.Errorf("the difference lacks %s:\n%s", key, out.String())
		}
	}
	for _, key := range []string{"technicians", "log.format", "connectors.itglue.timeout", "connectors.itglue.page_size",
		"connectors.screenconnect", "store", "notify.group_wait"} {
		if md.IsDefined(strings.Split(key, ".")...) {
			t.Errorf("the difference has %s, which the file leaves at its default:\n%s", key, out.String())
		}
	}
	again, err := config.Parse("/etc/custos/custos.toml", []byte(out.String()))
	if err != nil {
		t.Fatalf("the difference does not load: %v\n%s", err, out.String())
	}
	assertEqualConfig(t, *again, *cfg)
}
