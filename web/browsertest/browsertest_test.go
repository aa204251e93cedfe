package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestNew_DrivesARealBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>t</title><p id="said">%s</p>`, r.URL.Query().Get("say"))
	}))
	defer srv.Close()
	ctx := New(t, time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?say=hello")); err != nil {
		t.Fatal(err)
	}
	said, err := chromedp.Run(ctx, chromedp.Text("#said"))
	if err != nil {
		t.Fatal(err)
	}
	if said != "hello" {
		t.Fatalf("the page said %q", said)
	}
	var b []byte
	file := filepath.Join(t.TempDir(), "page.png")
	if err := Screenshot(ctx, 390, file); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(file)
	if err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Fatalf("screenshot is not a PNG (%d bytes, %v)", len(b), err)
	}
}
