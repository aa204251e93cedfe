package autotask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/custos-msp/custos/connectors"
)

// zoneTTL is how long a discovered zone is trusted.
const zoneTTL = 24 * time.Hour

// zone is where the tenant's API lives: the REST root with its version, e.g.
// https://webservices5.autotask.net/ATServicesRest/V1.0.
type zone struct {
	api string
	// configured says api came from base_url and is never re-discovered.
	configured bool
	// ci identifies the tenant database; a change means the credentials now belong
	// to another tenant.
	ci           int64
	discoveredAt time.Time
}

// apiRoot turns a zone URL (…/ATServicesRest/) into the versioned REST root.
func apiRoot(zoneURL string) string {
	return strings.TrimRight(strings.TrimSpace(zoneURL), "/") + "/V1.0"
}

// apiBase returns the versioned REST root, discovering the zone when base_url is
// empty and the cached zone is missing or stale.
func (c *Connector) apiBase(ctx context.Context) (string, error) {
	c.mu.Lock()
	z := c.zone
	c.mu.Unlock()
	if z.configured || (z.api != "" && c.now().Sub(z.discoveredAt) < zoneTTL) {
		return z.api, nil
	}
	found, err := c.discoverZone(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.zone.ci != 0 && found.ci != c.zone.ci {
		c.log.Warn().Int64("previous_ci", c.zone.ci).Int64("ci", found.ci).
			Msg("the API user now belongs to another Autotask tenant database")
	}
	c.zone = found
	return found.api, nil
}

// forgetZone drops a discovered zone, so that the next request discovers it again
// (after a 401, which a moved tenant answers).
func (c *Connector) forgetZone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.zone.configured {
		c.zone.api = ""
	}
}

// zoneInformation is the answer of the zoneInformation call.
type zoneInformation struct {
	ZoneName string `json:"zoneName"`
	URL      string `json:"url"`
	WebURL   string `json:"webUrl"`
	CI       int64  `json:"ci"`
}

// discoverZone asks zoneInformation which zone the API user's tenant lives in.
func (c *Connector) discoverZone(ctx context.Context) (zone, error) {
	u := c.zoneLookup + "?" + url.Values{"user": {c.username}}.Encode()
	body, _, err := c.client.Do(ctx, connectors.Request{Method: http.MethodGet, URL: u, Header: c.header})
	if err != nil {
		return zone{}, fmt.Errorf("discovering the zone: %w", err)
	}
	var info zoneInformation
	if err := json.Unmarshal(body, &info); err != nil {
		return zone{}, fmt.Errorf("discovering the zone: decoding zoneInformation: %w", err)
	}
	parsed, err := url.Parse(info.URL)
	if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
		return zone{}, connectors.Misconfigured(errors.New(
			"discovering the zone: zoneInformation returned no usable url; is the user name an API user's?"))
	}
	c.log.Info().Str("zone", info.ZoneName).Str("url", info.URL).Int64("ci", info.CI).Msg("discovered the Autotask zone")
	return zone{api: apiRoot(info.URL), ci: info.CI, discoveredAt: c.now()}, nil
}
