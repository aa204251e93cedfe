package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/notify/notifytest"
)

func TestNotify_DryRunAndTest(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// No receiver yet: the demo's alerts stay queued, notify says so and fails.
	out, err := run(t, "--config", filepath.Join(dir, "custos.toml"), "notify")
	if err == nil || !strings.Contains(err.Error(), "waiting for a receiver") ||
		!regexp.MustCompile(`\d+ alerts waiting: no receiver is configured \(notify.receivers\) for [A-Z-]+ \(\d+\)`).MatchString(out) {
		t.Fatalf("notify without a receiver: %v\n%s", err, out)
	}
	hook := notifytest.NewHook(t)
	url := hook.URL + "/hook?token=cli-secret-token"
	t.Setenv("CUSTOS_TEST_HOOK_URL", url)
	t.Setenv("CUSTOS_TEST_HOOK_SECRET", "hmac-key")
	cfg := filepath.Join(dir, "custos.toml")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`
[[notify.receivers]]
name = "hook"
type = "webhook"
webhook = { url = { env = "CUSTOS_TEST_HOOK_URL" }, hmac_secret = { env = "CUSTOS_TEST_HOOK_SECRET" } }

[[notify.routes]]
receivers = ["hook"]
`)
	_ = f.Close()

	out, err = run(t, "--config", cfg, "notify", "--dry-run")
	if err != nil {
		t.Fatalf("notify --dry-run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "→ hook:") || !strings.Contains(out, "Contoso Ltd") {
		t.Errorf("dry run shows nothing for the demo's findings:\n%s", out)
	}
	if hook.Requests() != 0 {
		t.Error("the dry run sent something")
	}

	out, err = run(t, "--config", cfg, "notify", "test", "hook")
	if err != nil || hook.Requests() != 1 || !strings.Contains(string(hook.Delivered()[0]), "Custos test message") {
		t.Fatalf("notify test: %v, %d requests\n%s", err, hook.Requests(), out)
	}
	_, err = run(t, "--config", cfg, "notify", "test", "pager")
	if err == nil || !strings.Contains(err.Error(), `no receiver is named "pager"`) {
		t.Errorf("notify test of an unknown receiver: %v", err)
	}
	notifytest.AssertNoSecret(t, url, out, err.Error())
}
