package entraauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/custos-msp/custos/config"
)

// HTTPClient returns the client for sign-in and Microsoft's APIs: nil (the
// default) when cfg names no CA file, else one that also trusts the file's
// certificate authorities.
func HTTPClient(cfg config.M365Auth) (*http.Client, error) {
	if cfg.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("entraauth: reading ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("entraauth: ca_file " + cfg.CAFile + " holds no PEM certificate")
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}, nil
}
