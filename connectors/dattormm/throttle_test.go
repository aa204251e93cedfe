package dattormm

import (
	"errors"
	"net/http"
	"testing"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/vocab"
)

func TestThrottle_403AfterRepeated429sIsThrottled(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.srv.ThrottleThenBlock(fx.SitesPath, 2, "0")
	_, _, err := e.pull(t, "sites", "", nil)
	if got := connectors.Classify(err); got != vocab.OutcomeThrottled {
		t.Fatalf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeThrottled)
	}
	connectortest.MustContain(t, err.Error(), "dattormm", "sites page 0", "GET /api/v2/account/sites", "HTTP 403", "blocks this address")
	// Two 429s retried, then one 403, which is not retried.
	if n := e.srv.Requests(fx.SitesPath); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	// The block lasts; the next pull stops at its first request.
	_, _, err = e.pull(t, "sites", "", nil)
	if got := connectors.Classify(err); got != vocab.OutcomeThrottled {
		t.Errorf("second pull: Classify(%v) = %q, want %q", err, got, vocab.OutcomeThrottled)
	}
	if n := e.srv.Requests(fx.SitesPath); n != 4 {
		t.Errorf("%d requests after the second pull, want 4", n)
	}
}

func TestThrottle_Plain403IsAccessDenied(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.srv.Inject(fakehttp.Fault{Path: fx.UsersPath, Status: http.StatusForbidden})
	_, _, err := e.pull(t, "users", "", nil)
	if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
		t.Fatalf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
	}
	var se *connectors.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Errorf("err = %v, want the 403 inside", err)
	}
	if n := e.srv.Requests(fx.UsersPath); n != 1 {
		t.Errorf("%d requests, want 1 (403 is not retried)", n)
	}
}

func TestThrottle_429BeyondRetriesIsThrottled(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.srv.Inject(fakehttp.Fault{Path: fx.DevicesPath, Status: http.StatusTooManyRequests, RetryAfter: "0"})
	_, _, err := e.pull(t, "devices", "", nil)
	if got := connectors.Classify(err); got != vocab.OutcomeThrottled {
		t.Errorf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeThrottled)
	}
	if n := e.srv.Requests(fx.DevicesPath); n != 3 {
		t.Errorf("%d requests, want 3 (one and max_retries 2)", n)
	}
}
