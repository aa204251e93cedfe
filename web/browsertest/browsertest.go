// Package browsertest drives a real headless Chromium for the console's tests: it
// finds the browser, starts it with a fresh profile, and takes screenshots at a
// given width. Tests skip without a browser, unless CUSTOS_REQUIRE_BROWSER is set
// (as CI sets it), and then fail.
package browsertest

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the names Chromium goes by in distributions' packages.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium on PATH (CUSTOS_CHROMIUM overrides), or "".
func Find() string {
	if p := os.Getenv("CUSTOS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for the test and returns a context that drives its
// first tab; everything is closed when the test ends. timeout bounds the whole
// browser. The browser trusts the certificates of trusted (a test server's), by
// their public keys, besides the system's.
func New(t *testing.T, timeout time.Duration, trusted ...*x509.Certificate) context.Context {
	t.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("CUSTOS_REQUIRE_BROWSER") != "" {
			t.Fatal("no Chromium found (install the distribution's chromium package, or set CUSTOS_CHROMIUM)")
		}
		t.Skip("no Chromium found: install the distribution's chromium package to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("hide-scrollbars", true),
	)
	if len(trusted) > 0 {
		var keys []string
		for _, c := range trusted {
			sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
			keys = append(keys, base64.StdEncoding.EncodeToString(sum[:]))
		}
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(keys, ",")))
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox; CI's containers run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return tabCtx
}

// Screenshot sets the viewport to width (phones: 390, laptops: 1280) and writes a
// PNG of the whole page to file.
func Screenshot(ctx context.Context, width int64, file string) error {
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900, opts...)); err != nil {
		return err
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 is PNG; below is JPEG
	if err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
		return err
	}
	return os.WriteFile(file, png, 0o644)
}
