package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/secret"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want error
	}{
		{"https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz", nil},
		{"https://default0a1b.2c.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=xyz", nil},
		{"https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456", ErrRetiredConnector},
		{"https://outlook.office.com/webhook/abc@def/IncomingWebhook/123/456", ErrRetiredConnector},
		{"http://prod-12.westeurope.logic.azure.com/workflows/abc?sig=xyz", ErrHost},
		{"https://logic.azure.com.evil.example/workflows?sig=xyz", ErrHost},
		{"not a url\x7f", ErrHost},
	}
	for _, tt := range tests {
		err := CheckURL(secret.New(tt.url))
		if !errors.Is(err, tt.want) {
			t.Errorf("CheckURL(%q) = %v, want %v", tt.url, err, tt.want)
		}
		_, err = New("noc", secret.New(tt.url), nil)
		notifytest.AssertNoSecret(t, tt.url, fmt.Sprint(err))
	}
}

// checkCard is the fake Workflows trigger's schema check.
func checkCard(body []byte) string {
	if len(body) > 28*1024 {
		return fmt.Sprintf("Request Entity Too Large: %d bytes", len(body))
	}
	var env struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string          `json:"contentType"`
			ContentURL  *string         `json:"contentUrl"`
			Content     json.RawMessage `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err.Error()
	}
	if env.Type != "message" || len(env.Attachments) != 1 || env.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		return "bad envelope"
	}
	var card struct {
		Type    string           `json:"type"`
		Version string           `json:"version"`
		Body    []map[string]any `json:"body"`
	}
	if err := json.Unmarshal(env.Attachments[0].Content, &card); err != nil {
		return "content is not a card object: " + err.Error()
	}
	if card.Type != "AdaptiveCard" || card.Version != "1.4" || len(card.Body) == 0 {
		return fmt.Sprintf("bad card %s %s", card.Type, card.Version)
	}
	return ""
}

func message(items int) notify.Message {
	m := notify.Message{Key: "custos-abc", Kind: notify.KindAlert, Title: "Custos: findings for Contoso Ltd", Customer: "Contoso Ltd", Link: "https://custos.msp.example/findings"}
	for i := range items {
		m.Items = append(m.Items, notify.Item{FindingID: uint(i), Event: "opened", Rule: "CONFIG-BACKUP-MISSING", Severity: "high",
			Customer: "Contoso Ltd", Summary: fmt.Sprintf("firewall fw%04d has no configuration backup %s", i, strings.Repeat("x", 80)), FirstSeen: time.Now()})
	}
	return m
}

func TestSend_CardShapeAndSize(t *testing.T) {
	for _, n := range []int{1, 10, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			hook := notifytest.NewHook(t)
			hook.Check = checkCard
			r := &Receiver{name: "noc", url: secret.New(hook.URL + "/workflows/x?sig=secret-sig"), client: hook.Client()}
			if err := r.Send(context.Background(), message(n)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := hook.Delivered()
			if len(got) != 1 {
				t.Fatalf("delivered %d", len(got))
			}
			if len(got[0]) > MaxCardBytes {
				t.Errorf("card is %d bytes, over %d", len(got[0]), MaxCardBytes)
			}
			cut := strings.Contains(string(got[0]), "more findings not shown")
			if cut != (n == 1000) {
				t.Errorf("cut = %v for %d items", cut, n)
			}
			if n == 1000 && !strings.Contains(string(got[0]), `"Action.OpenUrl"`) {
				t.Error("a cut card has no link to the rest")
			}
			if hook.Headers()[0].Get("Idempotency-Key") != "custos-abc" {
				t.Error("no idempotency key")
			}
		})
	}
}

func TestSend_ErrorsAreClassifiedAndHideTheURL(t *testing.T) {
	for _, tt := range []struct {
		status    int
		retryable bool
	}{{400, false}, {404, false}, {429, true}, {500, true}} {
		hook := notifytest.NewHook(t, tt.status)
		url := hook.URL + "/workflows/x?sig=secret-sig"
		err := (&Receiver{name: "noc", url: secret.New(url), client: hook.Client()}).Send(context.Background(), message(1))
		if retry, _ := notify.Retryable(err); err == nil || retry != tt.retryable {
			t.Errorf("HTTP %d: err %v, retryable %v", tt.status, err, retry)
		}
		notifytest.AssertNoSecret(t, url, fmt.Sprint(err))
	}
	// A connection error names no URL either.
	url := "http://127.0.0.1:1/workflows/x?sig=secret-sig"
	err := (&Receiver{name: "noc", url: secret.New(url), client: notifytestClient()}).Send(context.Background(), message(1))
	if retry, _ := notify.Retryable(err); err == nil || !retry {
		t.Errorf("connection refused: %v, retryable %v", err, retry)
	}
	notifytest.AssertNoSecret(t, url, fmt.Sprint(err))
}

func notifytestClient() *http.Client { return &http.Client{Timeout: 2 * time.Second} }
