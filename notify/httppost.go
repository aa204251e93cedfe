package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/secret"
)

// PostJSON posts a JSON body; see Post.
func PostJSON(ctx context.Context, client *http.Client, receiver string, target secret.Value, body []byte, headers http.Header) error {
	return Post(ctx, client, receiver, target, "application/json", body, headers)
}

// Post posts body to target with the given headers and classifies the answer:
// any 2xx is success; 408, 429 and 5xx are retryable (honouring Retry-After); any
// other status is permanent. Errors name the receiver and never the URL, which is a
// secret: the transport's *url.Error is unwrapped to its cause. Whatever client it
// is given, it follows httpsafe's redirect policy, so a signature or token header
// never goes to another host; a refused redirect is permanent.
func Post(ctx context.Context, client *http.Client, receiver string, target secret.Value, contentType string, body []byte, headers http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.Reveal(), bytes.NewReader(body))
	if err != nil {
		// The parse error quotes the URL; say only that it is malformed.
		return Permanent(fmt.Errorf("%s: the webhook URL is malformed", receiver))
	}
	for k, vs := range headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := httpsafe.Client(client).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, httpsafe.ErrRedirect) {
			return Permanent(fmt.Errorf("%s: posting to the webhook: %w", receiver, err))
		}
		return Temporary(fmt.Errorf("%s: posting to the webhook: %w", receiver, err), 0)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("%s: the webhook answered HTTP %d: %s", receiver, resp.StatusCode, bytes.TrimSpace(snippet))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return Temporary(err, retryAfter(resp.Header.Get("Retry-After"), time.Now()))
	default:
		return Permanent(err)
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
