package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/custos-msp/custos/connectors"
)

// call sends one request to path below the REST root (e.g. "Tickets/query") and
// returns the body of a 2xx response. A 401 drops a discovered zone, so the next call
// discovers it again.
func (c *Connector) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	base, err := c.apiBase(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.pace(ctx); err != nil {
		return nil, err
	}
	data, _, err := c.client.Do(ctx, connectors.Request{Method: method, URL: base + "/" + path, Header: c.header, Body: body})
	var se *connectors.StatusError
	if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
		c.forgetZone()
	}
	if err != nil {
		return nil, err
	}
	if msgs := bodyErrors(data); msgs != "" {
		return nil, fmt.Errorf("%s %s: the answer carries errors: %s", method, path, msgs)
	}
	return data, nil
}

// pace waits between requests while the tenant is close to its hourly threshold.
func (c *Connector) pace(ctx context.Context) error {
	c.mu.Lock()
	d := c.budget.pause
	c.mu.Unlock()
	if d <= 0 {
		return nil
	}
	return connectors.Sleep(ctx, d)
}

// bodyErrors returns the messages of an {"errors":[…]} member of a 2xx answer, which
// Autotask sends for some failures, joined; "" when there are none.
func bodyErrors(body []byte) string {
	if !bytes.Contains(body, []byte(`"errors"`)) {
		return ""
	}
	var e struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	msgs := make([]string, 0, len(e.Errors))
	for _, m := range e.Errors {
		var s string
		if json.Unmarshal(m, &s) != nil {
			s = string(m)
		}
		msgs = append(msgs, excerpt([]byte(s)))
	}
	return strings.Join(msgs, "; ")
}
