package preflight_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/evidence"
	"github.com/custos-msp/custos/preflight"
	"github.com/custos-msp/custos/seal"
)

// TestCheck_SecretsOfWhatIsEnabled: each secret the enabled parts need is loaded and
// its form checked, a problem under its key when it fails and none when it is right;
// a secret of something not enabled is not loaded. No problem shows a value.
func TestCheck_SecretsOfWhatIsEnabled(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "seal.key")
	if err := seal.WriteKeyFile(key); err != nil {
		t.Fatal(err)
	}
	if err := evidence.WriteKeyPair(filepath.Join(dir, "evidence.key")); err != nil {
		t.Fatal(err)
	}
	public, err := os.ReadFile(filepath.Join(dir, "evidence.key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "public.key"), public, 0o600); err != nil {
		t.Fatal(err)
	}
	const secretValue = "s3cr3t-value-never-shown"
	t.Setenv("PREFLIGHT_TEST_SECRET", secretValue)
	t.Setenv("PREFLIGHT_TEST_SHORT_KEY", secretValue)
	t.Setenv("PREFLIGHT_TEST_WORKFLOW", "https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual?sig="+secretValue)
	t.Setenv("PREFLIGHT_TEST_CONNECTOR", "https://contoso.webhook.office.com/webhookb2/"+secretValue)
	t.Setenv("PREFLIGHT_TEST_NOT_URL", secretValue)
	t.Setenv("PREFLIGHT_TEST_HTTPS", "https://psa.example/hook?token="+secretValue)
	const receivers = "[seal]\nkey = { file = \"seal.key\" }\n[[notify.receivers]]\nname = \"r\"\n"
	tests := []struct {
		name   string
		doc    string
		key    string // the problem's key; "" for none
		reason string
	}{
		{"credential set", "[connectors.itglue]\nenabled = true\napi_key = { env = \"PREFLIGHT_TEST_SECRET\" }\n", "", ""},
		{"credential not set", "[connectors.itglue]\nenabled = true\napi_key = { env = \"PREFLIGHT_TEST_UNSET\" }\n",
			"connectors.itglue.api_key", "environment variable PREFLIGHT_TEST_UNSET is not set"},
		{"connector not enabled", "[connectors.itglue]\napi_key = { env = \"PREFLIGHT_TEST_UNSET\" }\n", "", ""},
		// Once named, the sealing key seals every write of personal data.
		{"sealing key named, not set", "[seal]\nkey = { env = \"PREFLIGHT_TEST_UNSET\" }\n",
			"seal.key", "environment variable PREFLIGHT_TEST_UNSET is not set"},
		{"signing key", "[report]\nsigning_key = { file = \"evidence.key\" }\n", "", ""},
		{"signing key not a key", "[report]\nsigning_key = { file = \"public.key\" }\n",
			"report.signing_key", "a PEM PUBLIC KEY where a PRIVATE KEY belongs"},
		{"sealing key not a key", "[seal]\nkey = { env = \"PREFLIGHT_TEST_SHORT_KEY\" }\nkeep_raw_payloads = true\n",
			"seal.key", "environment variable PREFLIGHT_TEST_SHORT_KEY: sealing key is 24 bytes long"},
		{"Teams Workflows URL", receivers + "type = \"teams\"\nteams.url = { env = \"PREFLIGHT_TEST_WORKFLOW\" }\n", "", ""},
		{"retired Teams connector URL", receivers + "type = \"teams\"\nteams.url = { env = \"PREFLIGHT_TEST_CONNECTOR\" }\n",
			"notify.receivers[0].teams.url", "retired Office 365 connector webhook"},
		{"webhook URL", receivers + "type = \"webhook\"\nwebhook = { url = { env = \"PREFLIGHT_TEST_HTTPS\" }, hmac_secret = { env = \"PREFLIGHT_TEST_SECRET\" } }\n", "", ""},
		{"webhook URL not a URL", receivers + "type = \"webhook\"\nwebhook = { url = { env = \"PREFLIGHT_TEST_NOT_URL\" }, hmac_secret = { env = \"PREFLIGHT_TEST_SECRET\" } }\n",
			"notify.receivers[0].webhook.url", "environment variable PREFLIGHT_TEST_NOT_URL: the URL is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse(filepath.Join(dir, "custos.toml"), []byte(tt.doc))
			if err != nil {
				t.Fatalf("the file does not load: %v", err)
			}
			problems := preflight.Check(cfg)
			if tt.key == "" {
				if len(problems) > 0 {
					t.Errorf("problems = %q, want none", problems)
				}
				return
			}
			if len(problems) != 1 || problems[0].Key != tt.key || !strings.Contains(problems[0].Reason, tt.reason) {
				t.Errorf("problems = %q, want one at %s containing %q", problems, tt.key, tt.reason)
			}
			for _, p := range problems {
				if strings.Contains(p.String(), secretValue) {
					t.Errorf("problem %q shows the secret's value", p)
				}
			}
		})
	}
}
