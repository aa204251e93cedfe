package connectors_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
)

// TestBaseTransport_TrustsTheCAFile: a connector's client reaches a TLS server whose
// certificate is in its ca_file; without the file it fails naming the host, and
// with a missing or empty file it fails naming the file.
func TestBaseTransport_TrustsTheCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(good, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	tests := []struct {
		name, caFile string
		wantInError  string // "" means success
	}{
		{"the server's CA in ca_file", good, ""},
		{"no ca_file", "", host},
		{"a missing ca_file", filepath.Join(dir, "none.pem"), "none.pem"},
		{"a ca_file with no certificate", empty, "empty.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := connectortest.FastHTTP(0)
			h.MaxRetries = 0
			client := connectors.Deps{}.Client("itglue", h, zerolog.Nop(), connectors.BaseTransport("itglue", tt.caFile))
			_, _, err := client.Do(context.Background(), connectors.Request{Method: http.MethodGet, URL: srv.URL + "/organizations"})
			if tt.wantInError == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantInError) || !strings.Contains(err.Error(), "itglue") {
				t.Fatalf("err = %v, want one naming itglue and %q", err, tt.wantInError)
			}
		})
	}
}
