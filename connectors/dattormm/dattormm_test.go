package dattormm

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/secret"
)

func TestNew_BaseURLAndRedaction(t *testing.T) {
	cfg := config.Default().Connectors.DattoRMM
	cfg.Platform = "Merlot"
	red := secret.NewRedactor()
	c := New(cfg, secret.New(testKey), secret.New(testSecret), connectors.Deps{Redactor: red})
	if got := c.endpoint(tokenPath, nil).String(); got != "https://merlot-api.centrastage.net/auth/oauth/token" {
		t.Errorf("token URL = %s", got)
	}
	cfg.BaseURL = "https://gateway.example/datto/"
	c = New(cfg, secret.New(testKey), secret.New(testSecret), connectors.Deps{Redactor: red})
	if got := c.endpoint(sitesPath, url.Values{"max": {"5"}}).String(); got != "https://gateway.example/datto/api/v2/account/sites?max=5" {
		t.Errorf("sites URL = %s", got)
	}
	for _, s := range []string{testKey, testSecret, url.QueryEscape(testSecret)} {
		if got := red.String("x " + s + " y"); got != "x [REDACTED] y" {
			t.Errorf("redactor leaves %q: %q", s, got)
		}
	}
}

func TestStreams_OrderModesScopesNeeds(t *testing.T) {
	e := newDemoEnv(t, nil)
	var names []string
	for _, s := range e.conn.Streams() {
		names = append(names, s.Name()+"/"+s.Mode().String())
		scopes, err := s.Scopes(t.Context())
		if err != nil || !reflect.DeepEqual(scopes, []connectors.Scope{connectors.Account}) {
			t.Errorf("%s scopes = %v (%v), want the account", s.Name(), scopes, err)
		}
		connectortest.MustContain(t, strings.Join(s.Needs(), "\n"), "Enable API Access", "API Secret Key", "Administrator", "platform")
	}
	if want := []string{"sites/snapshot", "users/snapshot", "devices/snapshot", "activity/incremental"}; !reflect.DeepEqual(names, want) {
		t.Errorf("streams = %v, want %v", names, want)
	}
	if e.conn.Name() != "dattormm" {
		t.Errorf("Name = %q", e.conn.Name())
	}
}

func TestSecrets_NeverInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		fault  fakehttp.Fault
	}{
		{"token endpoint 500 echoing the secret on every retry", "sites", fakehttp.Fault{Path: fx.TokenPath, Status: http.StatusInternalServerError, EchoCredentials: true}},
		{"401 echoing the token", "users", fakehttp.Fault{Path: fx.UsersPath, Status: http.StatusUnauthorized, EchoCredentials: true}},
		{"503 echoing the token on every retry", "devices", fakehttp.Fault{Path: fx.DevicesPath, Status: http.StatusServiceUnavailable, EchoCredentials: true}},
		{"429 echoing the token", "activity", fakehttp.Fault{Path: fx.ActivityPath, Status: http.StatusTooManyRequests, RetryAfter: "0", EchoCredentials: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, nil)
			e.srv.Inject(tt.fault)
			_, _, err := e.pull(t, tt.stream, "", nil)
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			// The server did echo something: the placeholder shows where.
			connectortest.MustContain(t, err.Error(), "Request with credential [REDACTED] refused")
			leaks := []string{testKey, testSecret, url.QueryEscape(testSecret), e.conn.tokens.tok}
			mustNotLeak(t, "error", err.Error(), leaks...)
			mustNotLeak(t, "logs", e.logs.String(), leaks...)
		})
	}
}
