package notify_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/secret"
)

// TestPost_RedirectToAnotherHostIsPermanent: a receiver that answers 307 to another
// host gets no second request there, so the signature header stays home, and the
// failure is permanent and names the location.
func TestPost_RedirectToAnotherHostIsPermanent(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/hook", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	h := http.Header{"X-Custos-Signature": {"sha256=abc"}}
	err := notify.PostJSON(t.Context(), srv.Client(), "webhook ops", secret.New(srv.URL), []byte(`{}`), h)
	var re *httpsafe.RedirectError
	if !errors.As(err, &re) || re.Location != other.URL+"/hook" {
		t.Fatalf("err = %v, want a redirect error naming %s/hook", err, other.URL)
	}
	if retry, _ := notify.Retryable(err); retry {
		t.Errorf("a refused redirect is retryable: %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d posts", n)
	}
}
