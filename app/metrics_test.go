package app_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

func TestRefreshMetrics_CoverageOfEnabledConnectorsAndConfiguredReceivers(t *testing.T) {
	ctx := context.Background()
	configPath := demoConfig(t, "sqlite")
	f, err := os.OpenFile(configPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_TEST_HOOK_URL", "http://127.0.0.1:1/never-called")
	t.Setenv("CUSTOS_TEST_HOOK_SECRET", "hmac-key")
	_, _ = f.WriteString(`
[[notify.receivers]]
name = "hook"
type = "webhook"
webhook = { url = { env = "CUSTOS_TEST_HOOK_URL" }, hmac_secret = { env = "CUSTOS_TEST_HOOK_SECRET" } }

[[notify.receivers]]
name = "pager"
type = "webhook"
webhook = { url = { env = "CUSTOS_TEST_HOOK_URL" }, hmac_secret = { env = "CUSTOS_TEST_HOOK_SECRET" } }
`)
	_ = f.Close()
	a := openDemoApp(t, ctx, configPath)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, row := range []any{
		&store.Coverage{Connector: "itglue", Stream: "configurations", Scope: "2001", StartedAt: at, FinishedAt: at, Outcome: vocab.OutcomeOK},
		&store.Coverage{Connector: "itglue", Stream: "configurations", Scope: "2002", StartedAt: at, FinishedAt: at, Outcome: vocab.OutcomeFailed},
		// A connector no longer enabled: its scopes are nobody's concern any more.
		&store.Coverage{Connector: "legacy", Stream: "things", Scope: "account", StartedAt: at, FinishedAt: at, Outcome: vocab.OutcomeOK},
		&store.NotifyReceiver{Receiver: "hook", FailingSince: &at, LastFailedAt: &at},
		&store.NotifyReceiver{Receiver: "pager", LastAcceptedAt: &at},
		// A receiver no longer configured.
		&store.NotifyReceiver{Receiver: "gone", FailingSince: &at, LastFailedAt: &at},
	} {
		if err := storetest.DB(ctx, a.Store).Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := a.RefreshMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP custos_coverage_last_success_timestamp_seconds Unix time at which the latest successful pull of a connector stream for one scope finished; 0 when none of its pulls succeeded.
# TYPE custos_coverage_last_success_timestamp_seconds gauge
custos_coverage_last_success_timestamp_seconds{connector="itglue",scope="2001",stream="configurations"} 1.7723592e+09
custos_coverage_last_success_timestamp_seconds{connector="itglue",scope="2002",stream="configurations"} 0
# HELP custos_notify_receiver_failing 1 when the latest delivery attempt to a configured notify receiver failed, else 0.
# TYPE custos_notify_receiver_failing gauge
custos_notify_receiver_failing{receiver="hook"} 1
custos_notify_receiver_failing{receiver="pager"} 0
`
	if err := testutil.GatherAndCompare(a.Metrics.Registry(), strings.NewReader(want),
		"custos_coverage_last_success_timestamp_seconds", "custos_notify_receiver_failing"); err != nil {
		t.Error(err)
	}
}
