package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	graphfake "github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/progress"
)

// TestSync_SummaryGroupsACauseAndNamesCustomers syncs the demo's fake vendors with
// IT Glue failing every organization's configurations the same way (its error body
// echoing the API key): the summary says it once, listing the organizations by
// customer name, gives each connector's and the total counts, and shows no id, no
// tenant GUID and no secret; the command ends with one short error.
func TestSync_SummaryGroupsACauseAndNamesCustomers(t *testing.T) {
	env, err := demo.StartWith(t.TempDir(), clock(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	env.ITGlue().Faults().Inject(fakehttp.Fault{Path: "/configurations", Status: http.StatusInternalServerError, EchoCredentials: true})
	out, stderr, err := runSplit(t, "--config", env.ConfigPath, "sync", "--no-reconcile")
	if err == nil || err.Error() != "sync: 13 pulls failed; the summary above gives each cause" {
		t.Errorf("sync error %v, want one line counting the failed pulls", err)
	}

	if n := strings.Count(out, "HTTP 500"); n != 1 {
		t.Errorf("the IT Glue failure is told %d times, want once:\n%s", n, out)
	}
	cause := regexp.MustCompile(`(?m)^itglue: failed on 3 scopes: itglue: GET /configurations: HTTP 500: .*\n    (.*)$`).FindStringSubmatch(out)
	if cause == nil {
		t.Fatalf("no line for IT Glue's failure on 3 scopes:\n%s", out)
	}
	for _, customer := range []string{"Contoso Ltd", "Fabrikam Inc", "Northwind Traders"} {
		if !strings.Contains(cause[1], customer) {
			t.Errorf("the scopes IT Glue's failure affected (%s) do not name %s", cause[1], customer)
		}
	}
	// The revoked tenant is named, not its GUID.
	if !regexp.MustCompile(`(?m)^m365: access_denied on 1 scope: .*\n    Woodgrove Bank$`).MatchString(out) {
		t.Errorf("the revoked tenant is not named Woodgrove Bank:\n%s", out)
	}
	// The customers' tenants (the partner's own, first, may stand in a vendor's
	// error body: it is the MSP's, not a scope).
	for _, hidden := range append([]string{"ITG.demo"}, graphfake.DemoTenants[1:]...) {
		if strings.Contains(out, hidden) || strings.Contains(stderr, "ITG.demo") {
			t.Errorf("the summary shows %q:\n%s", hidden, out)
		}
	}
	if regexp.MustCompile(`\b25196\d\d\b`).MatchString(out) {
		t.Errorf("the summary names an IT Glue organization by id:\n%s", out)
	}

	rows := summaryRows(t, out)
	sum := map[string]int{}
	for name, r := range rows {
		if name == "total" {
			continue
		}
		for col, v := range r {
			sum[col] += v
		}
	}
	if total := rows["total"]; total == nil || total["RECORDS"] != sum["RECORDS"] || total["REQUESTS"] != sum["REQUESTS"] ||
		total["FAILED"] != sum["FAILED"] || total["SCOPES"] != sum["SCOPES"] {
		t.Errorf("total row %v, want the sums %v", rows["total"], sum)
	}
	if it := rows["itglue"]; it["SCOPES"] != 4 || it["FAILED"] != 3 || it["REQUESTS"] < 4 || rows["screenconnect"]["RECORDS"] == 0 {
		t.Errorf("itglue row %v, want 4 scopes (the account and 3 organizations), 3 failed, a request each at least; screenconnect %v", it, rows["screenconnect"])
	}
}

// summaryRows reads the summary table's numeric columns by connector.
func summaryRows(t *testing.T, out string) map[string]map[string]int {
	t.Helper()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "CONNECTOR") {
		t.Fatalf("the summary does not start with its table:\n%s", out)
	}
	header := strings.Fields(lines[0])
	rows := map[string]map[string]int{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != len(header) {
			break
		}
		r := map[string]int{}
		for i, col := range header[1 : len(header)-1] {
			n, err := strconv.Atoi(f[i+1])
			if err != nil {
				t.Fatalf("%s of %s: %q is not a number", col, f[0], f[i+1])
			}
			r[col] = n
		}
		rows[f[0]] = r
	}
	return rows
}

func TestWriteSyncSummary(t *testing.T) {
	fail := func(stream, scope, name, cause string) progress.Failure {
		return progress.Failure{Stream: stream, Scope: scope, ScopeName: name, Outcome: "failed", Cause: cause}
	}
	names := func(_, scope, scopeName string) string {
		if scope == "101" {
			return "Contoso Ltd"
		}
		return scopeName
	}
	tests := []struct {
		name     string
		statuses []progress.Status
		want     string
	}{
		{"one connector, no failure: no total", []progress.Status{
			{Connector: "itglue", Scopes: 4, Done: 4, Records: 12, Requests: 9, Elapsed: 1500 * time.Millisecond},
		}, "CONNECTOR  SCOPES  FAILED  RECORDS  REQUESTS  THROTTLED  TIME\n" +
			"itglue     4       0       12       9         0          1.5s\n"},
		{"two connectors, stopped early, failures by cause", []progress.Status{
			{Connector: "itglue", Scopes: 4, Done: 3, Failed: 3, Records: 2, Requests: 9, Elapsed: time.Second, Failures: []progress.Failure{
				fail("configurations", "101", "org 101", "HTTP 500"),
				fail("configurations", "102", "Fabrikam", "HTTP 500"),
				fail("organizations", "account", "whole account", "refused"),
			}},
			{Connector: "autotask", Scopes: 1, Done: 1, Failed: 1, Throttled: 2, Elapsed: 2 * time.Second, Failures: []progress.Failure{
				fail("tickets", "*", "listing scopes", "refused"),
			}},
		}, "CONNECTOR  SCOPES  FAILED  RECORDS  REQUESTS  THROTTLED  TIME\n" +
			"itglue     3 of 4  3       2        9         0          1s\n" +
			"autotask   1       1       0        0         2          2s\n" +
			"total      4 of 5  4       2        9         2          3s\n" +
			"\nFailures by cause:\n" +
			"itglue: failed on 2 scopes: HTTP 500\n    Contoso Ltd, Fabrikam\n" +
			"itglue: failed on 1 scope: refused\n    organizations (whole account)\n" +
			"autotask: failed on 1 scope: refused\n    tickets (listing scopes)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeSyncSummary(&b, tt.statuses, names)
			if got := b.String(); got != tt.want {
				t.Errorf("summary\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
