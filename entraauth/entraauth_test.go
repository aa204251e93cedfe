package entraauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

const (
	tenant    = "6a1e3c4b-22f0-4d1a-9f3e-1f2b3c4d5e6f"
	other     = "0b8d1c22-7e45-4f7a-8c3d-9a0b1c2d3e4f"
	client    = "3f0c1e2d-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
	theSecret = "s3cr3t~Value.For-Tests_0123456789"
	graph     = "https://graph.microsoft.com/.default"
)

// selfSigned writes a certificate and its key to a PEM file and returns both.
func selfSigned(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "custos"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, path
}

func secretAuth(t *testing.T, value string) config.M365Auth {
	t.Setenv("CUSTOS_TEST_M365_SECRET", value)
	return config.M365Auth{PartnerTenantID: tenant, ClientID: client, ClientSecret: secret.Ref{Env: "CUSTOS_TEST_M365_SECRET"}}
}

func opts(srv *entra.Server) entraauth.Options {
	return entraauth.Options{AuthorityHost: srv.AuthorityHost(), Transport: srv.Client(), Redactor: secret.NewRedactor()}
}

func bearer(tok string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://graph.example/v1.0/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func TestCredential_GetsTokenForItsTenant(t *testing.T) {
	srv := entra.NewServer()
	defer srv.Close()
	cert, certFile := selfSigned(t)
	srv.AddApp(tenant, client, theSecret)
	srv.AddCertificate(tenant, client, cert)

	tests := []struct {
		name string
		auth config.M365Auth
	}{
		{"client secret", secretAuth(t, theSecret)},
		{"client certificate", config.M365Auth{ClientID: client, CertificateFile: certFile}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.TokensIssued(tenant, graph)
			cred, err := entraauth.New(tc.auth, tenant, opts(srv))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second request is served from the credential's cache
				tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{graph}})
				if err != nil {
					t.Fatalf("GetToken: %v", err)
				}
				if err := srv.Verify(bearer(tok.Token), tenant, "https://graph.microsoft.com"); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if err := srv.Verify(bearer(tok.Token), other, "https://graph.microsoft.com"); err == nil {
					t.Fatal("Verify accepted the token for another tenant")
				}
			}
			if got := srv.TokensIssued(tenant, graph) - before; got != 1 {
				t.Errorf("tokens issued = %d, want 1", got)
			}
		})
	}
}

func TestCredential_ClassifiesRefusals(t *testing.T) {
	srv := entra.NewServer()
	defer srv.Close()
	srv.AddApp(tenant, client, theSecret)
	srv.AddApp(other, client, theSecret)
	srv.RevokeConsent(other)
	unknownTenant := "9e9e9e9e-0000-4000-8000-000000000001"
	_, foreignCertFile := selfSigned(t)

	tests := []struct {
		name    string
		auth    config.M365Auth
		tenant  string
		want    error
		outcome vocab.Outcome
		code    string
	}{
		{"consent revoked", secretAuth(t, theSecret), other, entraauth.ErrConsent, vocab.OutcomeAccessDenied, "AADSTS7000229"},
		{"tenant unknown", secretAuth(t, theSecret), unknownTenant, entraauth.ErrConsent, vocab.OutcomeAccessDenied, "AADSTS90002"},
		{"wrong secret", secretAuth(t, "wrong-"+theSecret), tenant, entraauth.ErrCredential, vocab.OutcomeMisconfigured, "AADSTS7000215"},
		{"unknown certificate", config.M365Auth{ClientID: client, CertificateFile: foreignCertFile}, tenant, entraauth.ErrCredential, vocab.OutcomeMisconfigured, "AADSTS700027"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := entraauth.New(tc.auth, tc.tenant, opts(srv))
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{graph}})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var te *entraauth.TokenError
			if !errors.As(err, &te) || te.Code != tc.code || te.Tenant != tc.tenant {
				t.Errorf("TokenError = %+v, want code %s for tenant %s", te, tc.code, tc.tenant)
			}
			if te != nil {
				want := srv.AuthorityHost() + tc.tenant + "/adminconsent?client_id=" + tc.auth.ClientID
				if got := te.AdminConsentURL(); got != want {
					t.Errorf("AdminConsentURL = %s, want %s", got, want)
				}
			}
			if got := connectors.Classify(err); got != tc.outcome {
				t.Errorf("outcome = %s, want %s", got, tc.outcome)
			}
			if strings.Contains(err.Error(), theSecret) || strings.Contains(err.Error(), "Trace ID") {
				t.Errorf("error carries a secret or trace noise: %v", err)
			}
			if srv.TokensIssued(tc.tenant, graph) != 0 && tc.want == entraauth.ErrConsent {
				t.Error("a token was issued for a tenant without consent")
			}
		})
	}
}

func TestCredentials_OnePerTenant(t *testing.T) {
	srv := entra.NewServer()
	defer srv.Close()
	creds, err := entraauth.NewCredentials(secretAuth(t, theSecret), opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := creds.For(tenant)
	a2, _ := creds.For(tenant)
	b, _ := creds.For(other)
	if a1 != a2 || a1 == b {
		t.Errorf("For: same tenant gave %p and %p, other tenant %p", a1, a2, b)
	}
}

func TestNewCredentials_RefusesIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		auth config.M365Auth
		want string
	}{
		{"no client id", config.M365Auth{ClientSecret: secret.Ref{Env: "X"}}, "client_id"},
		{"no credential", config.M365Auth{ClientID: client}, "neither client_secret nor certificate_file"},
		{"missing certificate", config.M365Auth{ClientID: client, CertificateFile: filepath.Join(t.TempDir(), "none.pem")}, "reading certificate_file"},
		{"secret unset", config.M365Auth{ClientID: client, ClientSecret: secret.Ref{Env: "CUSTOS_TEST_UNSET_SECRET"}}, "loading client_secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := entraauth.NewCredentials(tc.auth, entraauth.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
