package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

func TestZZServe(t *testing.T) {
	if os.Getenv("SERVE") == "" {
		t.Skip()
	}
	tc := syncedConsole(t)
	if _, err := tc.App.ReportJob().Run(t.Context()); err != nil {
		t.Log(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(roleHeader, "admin")
		tc.ServeHTTP(w, r)
	}))
	fmt.Println("URL", srv.URL)
	os.WriteFile("/tmp/serve-url", []byte(srv.URL), 0o644)
	time.Sleep(20 * time.Minute)
}
