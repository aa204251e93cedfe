package httpsafe_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/custos-msp/custos/httpsafe"
)

// TestCheckRedirect_KeepsCredentialsOnTheFirstHost: a redirect to another host
// (another port counts) is refused, naming where it pointed, and that host never
// sees the request or its credential headers; same-host redirects are followed up
// to the bound; a loop ends.
func TestCheckRedirect_KeepsCredentialsOnTheFirstHost(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get("X-Api-Key") != "" || r.Header.Get("Secret") != "" {
			t.Errorf("the other host received a credential header")
		}
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/away":
			http.Redirect(w, r, other.URL+"/stolen?sig=abc", http.StatusTemporaryRedirect)
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/hop/"):
			n := len(r.URL.Path) - len("/hop/")
			if n == 0 {
				_, _ = io.WriteString(w, "done")
				return
			}
			http.Redirect(w, r, r.URL.Path[:len(r.URL.Path)-1], http.StatusFound)
		}
	}))
	defer srv.Close()
	client := httpsafe.Client(srv.Client())
	tests := []struct {
		name, path  string
		wantErr     bool
		wantInError string
	}{
		{"another host is refused and named", "/away", true, other.URL + "/stolen"},
		{"same host within the bound is followed", "/hop/" + strings.Repeat("x", httpsafe.MaxRedirects), false, ""},
		{"same host past the bound is refused", "/hop/" + strings.Repeat("x", httpsafe.MaxRedirects+1), true, "more than"},
		{"a loop ends", "/loop", true, srv.URL + "/loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			req.Header.Set("X-Api-Key", "key")
			req.Header.Set("Secret", "secret")
			resp, err := client.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				return
			}
			var re *httpsafe.RedirectError
			if !errors.As(err, &re) || !errors.Is(err, httpsafe.ErrRedirect) {
				t.Fatalf("err = %v, want a *RedirectError", err)
			}
			if !strings.Contains(re.Error(), tt.wantInError) {
				t.Errorf("err = %q, want it to name %q", re, tt.wantInError)
			}
			if strings.Contains(re.Error(), "sig=") {
				t.Errorf("err = %q shows the location's query", re)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want 0", n)
	}
}

// TestLimitBodies_FailsPastTheCap: a body up to the cap reads whole; one byte more
// fails with the vendor and the limit, with or without a Content-Length.
func TestLimitBodies_FailsPastTheCap(t *testing.T) {
	const limit = 100
	tests := []struct {
		name    string
		size    int
		chunked bool
		wantErr bool
	}{
		{"under the cap", limit - 1, false, false},
		{"exactly the cap", limit, true, false},
		{"over the cap with a length", limit + 1, false, true},
		{"over the cap chunked", limit + 1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				body := strings.Repeat("a", tt.size)
				if tt.chunked {
					w.(http.Flusher).Flush()
				}
				_, _ = io.WriteString(w, body)
			}))
			defer srv.Close()
			client := &http.Client{Transport: httpsafe.LimitBodies("itglue", limit, srv.Client().Transport)}
			resp, err := client.Get(srv.URL)
			var data []byte
			if err == nil {
				data, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if !tt.wantErr {
				if err != nil || len(data) != tt.size {
					t.Fatalf("read %d bytes, err %v; want %d bytes", len(data), err, tt.size)
				}
				return
			}
			var be *httpsafe.BodyTooLargeError
			if !errors.As(err, &be) || be.Vendor != "itglue" || be.Limit != limit {
				t.Fatalf("err = %v, want a *BodyTooLargeError for itglue at %d", err, limit)
			}
		})
	}
}
