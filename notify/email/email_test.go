package email

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/secret"
)

var env = Envelope{From: "alerts@msp.example", To: []string{"noc@msp.example"}}

func message() notify.Message {
	return notify.Message{
		Key: "custos-0123456789abcdef", Kind: notify.KindAlert, Title: "Custos [HIGH] new for Contoso Ltd: fw01 has no backup",
		Customer: "Contoso Ltd", CreatedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Items: []notify.Item{{FindingID: 1, Event: "opened", Rule: "CONFIG-BACKUP-MISSING", Severity: "high", Customer: "Contoso Ltd", Summary: "fw01 has no backup <b>"}},
	}
}

// parts checks a raw message: its Message-ID, subject, and a plain-text and an HTML part.
func checkMIME(t *testing.T, raw []byte) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<custos-0123456789abcdef@msp.example>" {
		t.Errorf("Message-ID = %q", got)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "fw01 has no backup") {
		t.Errorf("Subject = %q", msg.Header.Get("Subject"))
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain and text/html", types)
	}
}

func TestGraph_SendsMIMEThroughSendMail(t *testing.T) {
	var got struct {
		path, auth, ct string
		body           []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.auth, got.ct = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	token := func(context.Context) (string, error) { return "tok-123", nil }
	g := NewGraph("mail", env, srv.URL+"/v1.0", token, srv.Client())
	if err := g.Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	if got.path != "/v1.0/users/alerts@msp.example/sendMail" || got.auth != "Bearer tok-123" || got.ct != "text/plain" {
		t.Errorf("request = %s, %q, %q", got.path, got.auth, got.ct)
	}
	raw, err := base64.StdEncoding.DecodeString(string(got.body))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	checkMIME(t, raw)
}

func TestGraph_ThrottlingIsRetryable(t *testing.T) {
	hook := notifytest.NewHook(t, http.StatusTooManyRequests)
	g := NewGraph("mail", env, hook.URL, func(context.Context) (string, error) { return "tok-123", nil }, hook.Client())
	err := g.Send(context.Background(), message())
	if retry, _ := notify.Retryable(err); err == nil || !retry {
		t.Errorf("429: %v, retryable %v", err, retry)
	}
	notifytest.AssertNoSecret(t, "tok-123", fmt.Sprint(err))
}

func TestSMTP_SendsOverSTARTTLSAndTLS(t *testing.T) {
	for _, tt := range []struct {
		name     string
		tls      string
		implicit bool
		token    bool
		wantAuth string
	}{
		{"587 STARTTLS password", "starttls", false, false, "PLAIN alerts@msp.example pw-secret"},
		{"587 STARTTLS XOAUTH2", "starttls", false, true, "XOAUTH2 alerts@msp.example tok-abc"},
		{"465 TLS password", "tls", true, false, "PLAIN alerts@msp.example pw-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := notifytest.NewSMTP(t, tt.implicit)
			opts := SMTPOptions{Host: "127.0.0.1", Port: s.Port, TLS: tt.tls, Username: "alerts@msp.example",
				Password: secret.New("pw-secret"), TLSConfig: s.ClientTLS, Timeout: 5 * time.Second}
			if tt.token {
				opts.Token = func(context.Context) (string, error) { return "tok-abc", nil }
			}
			if err := NewSMTP("mail", env, opts).Send(context.Background(), message()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs, auth := s.Messages(), s.Auth()
			if len(msgs) != 1 || len(auth) != 1 || auth[0] != tt.wantAuth {
				t.Fatalf("server saw %d messages, auth %v", len(msgs), auth)
			}
			checkMIME(t, msgs[0].Data)
		})
	}
}

func TestSMTP_BasicAuthRefusedIsPermanent(t *testing.T) {
	s := notifytest.NewSMTP(t, false)
	s.RejectAuth(&smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 30},
		Message: "Basic authentication is not supported for Client Submission."})
	err := NewSMTP("mail", env, SMTPOptions{Host: "127.0.0.1", Port: s.Port, TLS: "starttls", Username: "alerts@msp.example",
		Password: secret.New("pw-secret"), TLSConfig: s.ClientTLS, Timeout: 5 * time.Second}).Send(context.Background(), message())
	if retry, _ := notify.Retryable(err); err == nil || retry {
		t.Errorf("535 5.7.30: %v, retryable %v; want a permanent error", err, retry)
	}
	notifytest.AssertNoSecret(t, "pw-secret", fmt.Sprint(err))
}

// reportMessage is a report for a customer's own addresses, with a PDF attached.
func reportMessage() notify.Message {
	m := message()
	m.Kind, m.Items, m.Text = notify.KindReport, nil, "Attached is your report."
	m.To = []string{"it@contoso.example", "ceo@contoso.example"}
	m.Attachments = []notify.Attachment{{Name: "contoso_2026-10.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 report")}}
	return m
}

// checkTo checks that a raw message is addressed to want and carries the PDF.
func checkTo(t *testing.T, raw []byte, want []string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	var got []string
	for _, a := range to {
		got = append(got, a.Address)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("To = %v, want %v", got, want)
	}
	if !bytes.Contains(raw, []byte(`filename="contoso_2026-10.pdf"`)) {
		t.Error("the PDF is not attached")
	}
}

func TestSend_MessageToReplacesTheReceiversAddresses(t *testing.T) {
	want := []string{"it@contoso.example", "ceo@contoso.example"}
	t.Run("smtp", func(t *testing.T) {
		s := notifytest.NewSMTP(t, false)
		err := NewSMTP("mail", env, SMTPOptions{Host: "127.0.0.1", Port: s.Port, TLS: "starttls", Username: "alerts@msp.example",
			Password: secret.New("pw-secret"), TLSConfig: s.ClientTLS, Timeout: 5 * time.Second}).Send(context.Background(), reportMessage())
		if err != nil {
			t.Fatal(err)
		}
		msgs := s.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages", len(msgs))
		}
		if strings.Join(msgs[0].Rcpt, ",") != strings.Join(want, ",") {
			t.Errorf("RCPT TO = %v, want only %v", msgs[0].Rcpt, want)
		}
		checkTo(t, msgs[0].Data, want)
	})
	t.Run("graph", func(t *testing.T) {
		var body []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()
		g := NewGraph("mail", env, srv.URL, func(context.Context) (string, error) { return "tok", nil }, srv.Client())
		if err := g.Send(context.Background(), reportMessage()); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(string(body))
		if err != nil {
			t.Fatal(err)
		}
		checkTo(t, raw, want)
	})
}

func TestSMTP_AnswersAreClassified(t *testing.T) {
	for _, tt := range []struct {
		code      int
		enhanced  smtp.EnhancedCode
		retryable bool
	}{
		{451, smtp.EnhancedCode{4, 3, 0}, true},
		{452, smtp.EnhancedCode{4, 2, 2}, true},
		{554, smtp.EnhancedCode{5, 6, 0}, false},
	} {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			s := notifytest.NewSMTP(t, false)
			s.FailData(&smtp.SMTPError{Code: tt.code, EnhancedCode: tt.enhanced, Message: "scripted"})
			err := NewSMTP("mail", env, SMTPOptions{Host: "127.0.0.1", Port: s.Port, TLS: "starttls", Username: "alerts@msp.example",
				Password: secret.New("pw-secret"), TLSConfig: s.ClientTLS, Timeout: 5 * time.Second}).Send(context.Background(), message())
			if retry, _ := notify.Retryable(err); err == nil || retry != tt.retryable {
				t.Errorf("%d: %v, retryable %v; want retryable %v", tt.code, err, retry, tt.retryable)
			}
			if len(s.Messages()) != 0 {
				t.Error("the server kept a refused message")
			}
		})
	}
}

func TestGraph_RefusesAMessageOverTheRequestLimit(t *testing.T) {
	hook := notifytest.NewHook(t)
	m := reportMessage()
	m.Attachments[0].Data = bytes.Repeat([]byte("x"), MaxGraphRequestBytes*6/10)
	err := NewGraph("mail", env, hook.URL, func(context.Context) (string, error) { return "tok", nil }, hook.Client()).Send(context.Background(), m)
	if retry, _ := notify.Retryable(err); err == nil || retry || !strings.Contains(err.Error(), "smtp receiver") {
		t.Errorf("a %d-byte attachment: %v, retryable %v; want a permanent error that points to smtp", MaxGraphRequestBytes*6/10, err, retry)
	}
	if hook.Requests() != 0 {
		t.Error("the oversized message was posted")
	}
}
