package o365audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/custos-msp/custos/connectors"
)

// subscription is one item of subscriptions/list and the answer of subscriptions/start.
type subscription struct {
	ContentType string `json:"contentType"`
	Status      string `json:"status"`
}

// subscriptions lists the tenant's subscriptions.
func (c *Connector) subscriptions(ctx context.Context, tenant string) ([]subscription, error) {
	body, _, err := c.call(ctx, tenant, http.MethodGet, c.feedURL(tenant, "subscriptions/list", nil))
	if err != nil {
		return nil, fmt.Errorf("listing subscriptions: %w", err)
	}
	var subs []subscription
	if err := json.Unmarshal(body, &subs); err != nil {
		return nil, fmt.Errorf("listing subscriptions: decoding the answer: %w", err)
	}
	return subs, nil
}

// ensureSubscription makes sure the tenant's subscription to contentType is enabled:
// it lists the subscriptions once per connector and starts the missing one. A start
// answered "already enabled" (AF20024) is success.
func (c *Connector) ensureSubscription(ctx context.Context, tenant, contentType string) error {
	key := subKey(tenant, contentType)
	c.mu.Lock()
	known := c.subscribed[key]
	c.mu.Unlock()
	if known {
		return nil
	}
	subs, err := c.subscriptions(ctx, tenant)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.ContentType == contentType && strings.EqualFold(s.Status, "enabled") {
			c.markSubscribed(key, true)
			return nil
		}
	}
	return c.startSubscription(ctx, tenant, contentType)
}

// startSubscription starts the tenant's subscription to contentType.
func (c *Connector) startSubscription(ctx context.Context, tenant, contentType string) error {
	q := url.Values{}
	q.Set("contentType", contentType)
	_, _, err := c.call(ctx, tenant, http.MethodPost, c.feedURL(tenant, "subscriptions/start", q))
	var se *connectors.StatusError
	if err != nil && !(asStatus(err, &se) && afCode(se.Body) == "AF20024") {
		return fmt.Errorf("starting the %s subscription: %w", contentType, err)
	}
	c.log.Info().Str("tenant", tenant).Str("content_type", contentType).Msg("audit subscription enabled")
	c.markSubscribed(subKey(tenant, contentType), true)
	return nil
}

func (c *Connector) markSubscribed(key string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on {
		c.subscribed[key] = true
	} else {
		delete(c.subscribed, key)
	}
}

// subKey is the key of a tenant's subscription to a content type.
func subKey(tenant, contentType string) string { return strings.ToLower(tenant) + "|" + contentType }
