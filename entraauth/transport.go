package entraauth

import (
	"fmt"
	"net/http"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/httpsafe"
)

// HTTPClient returns the client for sign-in and Microsoft's APIs: nil (the
// default) when cfg names no CA file, else one that also trusts the file's
// certificate authorities.
func HTTPClient(cfg config.M365Auth) (*http.Client, error) {
	if cfg.CAFile == "" {
		return nil, nil
	}
	t, err := httpsafe.Transport(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("entraauth: %w", err)
	}
	return &http.Client{Transport: t}, nil
}
