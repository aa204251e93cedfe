package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/custos-msp/custos/daemon"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/web/browsertest"
)

// The MSP's tenant and the console's app registration at the fake Entra ID.
const (
	consoleTenant = "5f0e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
	consoleClient = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"
	consoleSecret = "console-client-secret-for-tests"
)

// consoleUnderTest is `custos run` serving the demo's store with the console on a
// loopback address, signing people in through a fake Entra ID.
type consoleUnderTest struct {
	URL, Config string
}

// startConsole runs the demo, then `custos run` with [web] set, until the test ends.
func startConsole(t *testing.T) (consoleUnderTest, *entra.Server) {
	t.Helper()
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	idp := entra.NewServer()
	t.Cleanup(idp.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	base := "http://" + addr
	idp.AddWebApp(consoleTenant, consoleClient, consoleSecret, base+"/auth/callback")
	idp.SignIn(consoleTenant, entra.User{OID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Name: "Dana Lee",
		PreferredUsername: "dana.lee@msp.example", Roles: []string{"Custos.Operator"}})
	caFile := filepath.Join(dir, "entra-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: idp.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_TEST_ENTRA_SECRET", consoleSecret)
	cfgPath := filepath.Join(dir, "custos.toml")
	web := fmt.Sprintf(`
[daemon]
listen = "127.0.0.1:0"

[web]
listen = %q
public_url = %q

[web.entra]
tenant_id = %q
client_id = %q
client_secret = { env = "CUSTOS_TEST_ENTRA_SECRET" }
authority = %q
ca_file = %q

[web.entra.roles]
"Custos.Operator" = "operator"
`, addr, base, consoleTenant, consoleClient, idp.AuthorityHost(), caFile)
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(web); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{ConfigPath: cfgPath, Version: "test", LogOutput: io.Discard}, nil)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("custos run: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/static/console.css")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("custos run stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console did not answer on %s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return consoleUnderTest{URL: base, Config: cfgPath}, idp
}

// stepTimeout bounds one step in the browser, so that a page that never shows what a
// step waits for fails the test at once.
const stepTimeout = 30 * time.Second

// text returns the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// do runs browser steps, failing the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// findingByID returns the finding of the CLI's `findings --json` with the id.
func findingByID(t *testing.T, cfg string, id uint) findingJSON {
	t.Helper()
	for _, f := range findingsJSON(t, "--config", cfg, "findings", "--json") {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("findings --json has no finding %d", id)
	return findingJSON{}
}

// TestConsole_InABrowser walks what a service manager does in the console, in a real
// browser, against `custos run` on the demo's store: sign in through Entra ID, see
// the findings, acknowledge one with a note (and the command line sees it), add the
// authorisation that resolves another, open a customer's timeline, and download a
// report whose hash is the archive's.
func TestConsole_InABrowser(t *testing.T) {
	c, idp := startConsole(t)
	ctx := browsertest.New(t, 4*time.Minute, idp.Certificate())

	do(t, ctx, "signing in through Entra ID", chromedp.Navigate(c.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := text(t, ctx, "main h1"); !strings.Contains(h, "Overview") {
		t.Fatalf("after sign-in the page is %q, want the overview", h)
	}
	if who := text(t, ctx, ".who"); !strings.Contains(who, "dana.lee@msp.example") || !strings.Contains(who, "operator") {
		t.Errorf("signed in as %q, want dana.lee@msp.example, operator", who)
	}
	shoot(t, ctx, "overview")

	// The demo's findings are listed.
	do(t, ctx, "opening the findings", chromedp.Navigate(c.URL+"/findings"), chromedp.WaitVisible(chromedp.CSS("main table")))
	list := text(t, ctx, "main table")
	for _, want := range []string{"Firewall CON-FW01 has no configuration backup", "Bob Jones had a remote control session on CON-PC-002"} {
		if !strings.Contains(list, want) {
			t.Errorf("the findings page lacks %q", want)
		}
	}

	// Acknowledge one with a note, and see it from the command line.
	var ackID uint
	for _, f := range findingsJSON(t, "--config", c.Config, "findings", "--json") {
		if f.Rule == "CONFIG-BACKUP-MISSING" {
			ackID = f.ID
		}
	}
	note := "ticket 5120: the firewall's backup is being set up"
	do(t, ctx, "acknowledging a finding",
		chromedp.Navigate(fmt.Sprintf("%s/findings/%d", c.URL, ackID)),
		chromedp.WaitVisible(chromedp.CSS("#note-acknowledge")),
		chromedp.SendKeys(chromedp.CSS("#note-acknowledge"), note),
		chromedp.Submit(chromedp.CSS("#note-acknowledge")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	shoot(t, ctx, "finding")
	if f := findingByID(t, c.Config, ackID); f.Status != "acknowledged" {
		t.Errorf("after acknowledging in the console, findings --json says finding %d is %s", ackID, f.Status)
	}
	out, err := run(t, "--config", c.Config, "explain", fmt.Sprint(ackID))
	if err != nil || !strings.Contains(out, "acknowledged by dana.lee@msp.example: "+note) {
		t.Errorf("explain %d lacks the acknowledgement by dana.lee@msp.example with the note (%v):\n%s", ackID, err, out)
	}

	// Add the authorisation that covers Bob Jones's session on CON-PC-002.
	var uncovered findingJSON
	for _, f := range findingsJSON(t, "--config", c.Config, "findings", "--json") {
		if f.Rule == "ACCESS-UNAUTHORISED" && strings.Contains(f.Summary, "Bob Jones had a remote control session on CON-PC-002") {
			uncovered = f
		}
	}
	if uncovered.ID == 0 {
		t.Fatal("the demo has no uncovered session of Bob Jones on CON-PC-002")
	}
	from, to := uncovered.Happened.Add(-time.Hour).UTC(), uncovered.Happened.Add(3*time.Hour).UTC()
	do(t, ctx, "opening the authorisations", chromedp.Navigate(c.URL+"/authorisations"), chromedp.WaitVisible(chromedp.CSS("#a-customer")))
	do(t, ctx, "adding an authorisation",
		chromedp.SetValue(chromedp.CSS("#a-customer"), customerOption(t, ctx, "#a-customer", uncovered.Customer)),
		chromedp.SendKeys(chromedp.CSS("#a-technician"), "Bob Jones"),
		chromedp.SendKeys(chromedp.CSS("#a-device"), "CON-PC-002"),
		chromedp.SetValue(chromedp.CSS("#a-scope"), "remote"),
		chromedp.SendKeys(chromedp.CSS("#a-from"), from.Format("2006-01-02 15:04")),
		chromedp.SendKeys(chromedp.CSS("#a-to"), to.Format("2006-01-02 15:04")),
		chromedp.SendKeys(chromedp.CSS("#a-granted"), "Jane Customer"),
		chromedp.SendKeys(chromedp.CSS("#a-evidence"), "T20261205.0042"),
		chromedp.Submit(chromedp.CSS("#a-evidence")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if f := findingByID(t, c.Config, uncovered.ID); f.Status != "resolved" {
		t.Errorf("after the authorisation was added in the console, finding %d is %s, want resolved", uncovered.ID, f.Status)
	}

	// A customer's timeline.
	do(t, ctx, "opening a customer",
		chromedp.Navigate(c.URL+"/customers"),
		chromedp.WaitVisible(chromedp.CSS("main table")),
		chromedp.Click(chromedp.Search("//a[normalize-space()='Contoso Ltd']")),
		chromedp.WaitVisible(chromedp.CSS("#timeline-h")),
	)
	timeline := text(t, ctx, "main")
	for _, want := range []string{"Access timeline", "CON-PC-002", "not covered", "covered"} {
		if !strings.Contains(strings.ToLower(timeline), strings.ToLower(want)) {
			t.Errorf("the customer's page lacks %q", want)
		}
	}
	shoot(t, ctx, "customer")

	do(t, ctx, "opening the coverage grid", chromedp.Navigate(c.URL+"/coverage"), chromedp.WaitVisible(chromedp.CSS("main table")))
	shoot(t, ctx, "coverage")

	// Download a report in the browser and check its hash against the archive's.
	do(t, ctx, "opening the reports", chromedp.Navigate(c.URL+"/reports"), chromedp.WaitVisible(chromedp.CSS("code.hash")))
	listed := strings.TrimSpace(text(t, ctx, "code.hash"))
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href$="/download"]').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+"`"+href+"`"+`).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b)).then(d => Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join(''))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 64 || got != listed {
		t.Errorf("the downloaded report's SHA-256 is %s, the archive lists %s", got, listed)
	}
}

// customerOption returns the value of the option of the select sel that names the
// customer.
func customerOption(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q + ' option')).find(o => o.textContent.trim() === %q).value`, sel, name)))
	if err != nil {
		t.Fatalf("no option %q in %s: %v", name, sel, err)
	}
	return v
}

// shoot saves the page at 1280 and 390 pixels wide as docs/console/NAME-WIDTH.png
// when CUSTOS_SCREENSHOTS names the directory, for the README.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CUSTOS_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, width := range []int64{1280, 390} {
		if err := browsertest.Screenshot(ctx, width, filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width))); err != nil {
			t.Errorf("screenshot of %s at %d px: %v", name, width, err)
		}
	}
}
