package main

import (
	"strings"
	"testing"
	"time"
)

func TestBackup_AddListWithdraw(t *testing.T) {
	config, _ := authoriseSetup(t)
	t.Setenv("USER", "tester")
	cli := func(args ...string) []string {
		return append([]string{"--config", config, "backup", "--timezone", "UTC"}, args...)
	}
	taken := time.Now().UTC().Add(-2 * time.Hour).Format("2006-01-02 15:04")
	verified := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04")

	id := strings.TrimSpace(mustRun(t, cli("add", "--customer", "Contoso Ltd", "--device", "PC-042", "--what", "user profiles",
		"--taken", taken, "--verified", verified, "--verified-by", "Bob Jones", "--evidence", "Veeam job 881")...))
	if id != "1" {
		t.Fatalf("add printed %q, want the new id 1", id)
	}
	_, err := run(t, cli("add", "--customer", "Contso", "--device", "any", "--what", "x",
		"--taken", verified, "--verified", taken, "--verified-by", "Bob Jones", "--evidence", "e")...)
	if err == nil || !strings.Contains(err.Error(), `customer: no customer is called "Contso"`) || !strings.Contains(err.Error(), "verified_at:") {
		t.Errorf("a bad backup: %v, want the unknown customer and the verification before the backup named", err)
	}
	if out := mustRun(t, cli("list")...); !strings.Contains(out, "PC-042") || !strings.Contains(out, "Veeam job 881") {
		t.Errorf("list:\n%s", out)
	}
	mustRun(t, cli("withdraw", id, "--reason", "restore failed")...)
	if out := mustRun(t, cli("list")...); !strings.Contains(out, "No verified backups.") {
		t.Errorf("list after the withdrawal:\n%s", out)
	}
	if out := mustRun(t, cli("list", "--all")...); !strings.Contains(out, "by tester: restore failed") {
		t.Errorf("list --all:\n%s", out)
	}
}
