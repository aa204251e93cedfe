// Package entraauth signs Custos's Microsoft Entra app in to one tenant at a time, for
// whoever needs its tokens: the Microsoft 365 connectors and e-mail through Microsoft
// Graph or XOAUTH2 SMTP; it depends on neither, so both import it. It builds an
// azidentity credential (client secret or client certificate, as the configuration
// says) per tenant, because the Graph SDK never asks for a tenant: a credential only
// ever gets tokens for the tenant it was made for. It turns Entra's token errors into
// typed errors: ErrConsent when the app has no consented service principal in the
// tenant, ErrCredential when the secret or certificate is refused. Secrets never
// appear in its errors.
package entraauth

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	stdsync "sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/secret"
)

// Options adjust how credentials are built, for tests and the demo.
type Options struct {
	// AuthorityHost, when set, replaces the configured authority host.
	AuthorityHost string
	// Transport, when set, carries the token requests instead of azcore's default
	// HTTP client (a test server's client that trusts its certificate).
	Transport *http.Client
	// Redactor, when set, learns the client secret.
	Redactor *secret.Redactor
}

// knownHosts are the authority hosts of Microsoft's clouds, where instance discovery
// works; for any other host (a test server) it is turned off.
var knownHosts = map[string]bool{
	cloud.AzurePublic.ActiveDirectoryAuthorityHost:     true,
	cloud.AzureGovernment.ActiveDirectoryAuthorityHost: true,
	cloud.AzureChina.ActiveDirectoryAuthorityHost:      true,
}

// Credentials makes and keeps one credential per tenant for the same app, so each
// tenant's tokens are cached by its own credential. It is safe for concurrent use.
type Credentials struct {
	clientID  string
	host      string
	transport *http.Client

	secret secret.Value
	certs  []*x509.Certificate
	key    crypto.PrivateKey

	mu     stdsync.Mutex
	byTent map[string]azcore.TokenCredential
}

// NewCredentials loads the app's client secret or certificate once.
func NewCredentials(cfg config.M365Auth, opts Options) (*Credentials, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("entraauth: client_id is empty")
	}
	c := &Credentials{
		clientID: cfg.ClientID,
		host:     cfg.AuthorityHost,
		// Token requests carry the app's secret or assertion in their body, which a
		// 307 would send on: they follow only httpsafe's redirect policy.
		transport: httpsafe.Client(opts.Transport),
		byTent:    map[string]azcore.TokenCredential{},
	}
	if opts.AuthorityHost != "" {
		c.host = opts.AuthorityHost
	}
	if c.host == "" {
		c.host = cloud.AzurePublic.ActiveDirectoryAuthorityHost
	}
	switch {
	case !cfg.ClientSecret.IsZero():
		v, err := cfg.ClientSecret.Load()
		if err != nil {
			return nil, fmt.Errorf("entraauth: loading client_secret from %s: %w", cfg.ClientSecret, err)
		}
		if opts.Redactor != nil {
			opts.Redactor.Add(v)
		}
		c.secret = v
	case cfg.CertificateFile != "":
		certs, key, err := loadCertificate(cfg)
		if err != nil {
			return nil, err
		}
		c.certs, c.key = certs, key
	default:
		return nil, errors.New("entraauth: neither client_secret nor certificate_file is set")
	}
	return c, nil
}

func loadCertificate(cfg config.M365Auth) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(cfg.CertificateFile)
	if err != nil {
		return nil, nil, fmt.Errorf("entraauth: reading certificate_file: %w", err)
	}
	var password []byte
	if !cfg.CertificatePassword.IsZero() {
		v, err := cfg.CertificatePassword.Load()
		if err != nil {
			return nil, nil, fmt.Errorf("entraauth: loading certificate_password from %s: %w", cfg.CertificatePassword, err)
		}
		password = []byte(v.Reveal())
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		// The parser's message names no key material, only what it could not read.
		return nil, nil, fmt.Errorf("entraauth: parsing certificate_file %s: %w", cfg.CertificateFile, err)
	}
	return certs, key, nil
}

// New builds a credential for one tenant; see Credentials.For.
func New(cfg config.M365Auth, tenantID string, opts Options) (azcore.TokenCredential, error) {
	c, err := NewCredentials(cfg, opts)
	if err != nil {
		return nil, err
	}
	return c.For(tenantID)
}

// For returns the credential that gets the app's tokens in tenantID, made on first
// use and kept. Its GetToken errors are classified: see ErrConsent and ErrCredential.
func (c *Credentials) For(tenantID string) (azcore.TokenCredential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cred, ok := c.byTent[tenantID]; ok {
		return cred, nil
	}
	client := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: c.host}}
	if c.transport != nil {
		client.Transport = c.transport
	}
	noDiscovery := !knownHosts[strings.TrimSuffix(c.host, "/")+"/"]
	var (
		inner azcore.TokenCredential
		err   error
	)
	if c.key != nil {
		inner, err = azidentity.NewClientCertificateCredential(tenantID, c.clientID, c.certs, c.key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: noDiscovery})
	} else {
		inner, err = azidentity.NewClientSecretCredential(tenantID, c.clientID, c.secret.Reveal(),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: noDiscovery})
	}
	if err != nil {
		return nil, fmt.Errorf("entraauth: credential for tenant %s: %w", tenantID, err)
	}
	cred := &tenantCredential{tenant: tenantID, clientID: c.clientID, host: c.host, inner: inner}
	c.byTent[tenantID] = cred
	return cred, nil
}
