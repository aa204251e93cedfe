package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// authoriseSetup writes a configuration whose store knows Contoso, Bob Jones and
// PC-042, and returns the configuration's and the database's paths.
func authoriseSetup(t *testing.T) (config, db string) {
	t.Helper()
	dir := t.TempDir()
	config, db = filepath.Join(dir, "custos.toml"), filepath.Join(dir, "custos.db")
	if err := os.WriteFile(config, []byte("[store]\ndriver = \"sqlite\"\npath = \"custos.db\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, db)
	defer st.Close()
	contoso := store.Customer{Name: "Contoso Ltd", Key: "contoso", Status: store.CustomerActive}
	for _, row := range []any{&contoso, &store.Technician{Name: "Bob Jones", Key: "bob jones"}} {
		if err := storetest.DB(context.Background(), st).Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := storetest.DB(context.Background(), st).Create(&store.Device{CustomerID: &contoso.ID, Name: "PC-042", HostKey: "pc042"}).Error; err != nil {
		t.Fatal(err)
	}
	return config, db
}

func openTestStore(t *testing.T, path string) *store.Store {
	t.Helper()
	opts := store.Options{Driver: "sqlite", Path: path}
	if key := filepath.Join(filepath.Dir(path), "seal.key"); fileExists(key) {
		opts.Sealer = storetest.KeyFile(t, key)
	}
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// storedAuthorisations reads the authorisations in the database, by id.
func storedAuthorisations(t *testing.T, db string) map[uint]store.Authorisation {
	t.Helper()
	st := openTestStore(t, db)
	defer st.Close()
	var list []store.Authorisation
	if err := storetest.DB(context.Background(), st).Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	out := map[uint]store.Authorisation{}
	for _, a := range list {
		out[a.ID] = a
	}
	return out
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

func TestAuthorise_AddListRevoke(t *testing.T) {
	config, db := authoriseSetup(t)
	t.Setenv("USER", "tester")
	now := time.Now().UTC()
	from, to := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
	cli := func(args ...string) []string { return append([]string{"--config", config, "authorise"}, args...) }

	window := mustRun(t, cli("add", "--customer", "Contoso", "--technician", "Bob Jones", "--device", "PC-042", "--scope", "remote",
		"--from", from, "--to", to, "--granted-by", "Jane Doe", "--evidence", "T20261121.0001")...)
	// The id comes first; the findings the reconcile after it changed follow.
	window, _, _ = strings.Cut(window, "\n")
	windowID, err := strconv.ParseUint(window, 10, 0)
	if err != nil {
		t.Fatalf("add printed %q, want the new id", window)
	}
	standing := mustRun(t, cli("add", "--customer", "Contoso Ltd", "--technician", "any", "--device", "any", "--scope", "admin",
		"--from", "2020-01-01", "--standing", "--granted-by", "Jane Doe", "--evidence", "email", "--by", "alice")...)
	expired := mustRun(t, cli("--timezone", "Europe/London", "add", "--customer", "Contoso Ltd", "--technician", "any", "--device", "PC-042",
		"--scope", "remote", "--from", "2020-06-01 09:00", "--to", "2020-06-01", "--granted-by", "Jane Doe", "--evidence", "T1")...)

	stored := storedAuthorisations(t, db)
	w := stored[uint(windowID)]
	if w.CustomerRef != "Contoso" || w.CustomerID == nil || w.TechnicianID == nil || w.DeviceID == nil ||
		w.AccessScope != "remote" || w.ValidTo == nil || w.RecordedBy != "tester" || w.Evidence != "T20261121.0001" {
		t.Errorf("window stored as %+v", w)
	}
	s := stored[atoi(t, standing)]
	if s.TechnicianID != nil || s.DeviceID != nil || s.ValidTo != nil || s.RecordedBy != "alice" {
		t.Errorf("standing permission stored as %+v", s)
	}
	// 09:00 in London in June is 08:00 UTC; a date alone as an end includes the day.
	e := stored[atoi(t, expired)]
	if !e.ValidFrom.Equal(time.Date(2020, 6, 1, 8, 0, 0, 0, time.UTC)) || e.ValidTo == nil ||
		!e.ValidTo.Equal(time.Date(2020, 6, 1, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("expired one stored from %v to %v", e.ValidFrom, e.ValidTo)
	}

	active := mustRun(t, cli("--timezone", "UTC", "list")...)
	for _, want := range []string{"ID", "CUSTOMER", "GRANTED BY", "STATUS", "Contoso Ltd", "Bob Jones", "PC-042", "T20261121.0001", "standing", "active"} {
		if !strings.Contains(active, want) {
			t.Errorf("list lacks %q:\n%s", want, active)
		}
	}
	if strings.Contains(active, "expired") || len(strings.Split(strings.TrimSpace(active), "\n")) != 3 {
		t.Errorf("list shows more than the two active ones:\n%s", active)
	}
	rows := strings.Split(strings.TrimSpace(active), "\n")
	column := strings.Index(rows[0], "SCOPE")
	for _, row := range rows[1:] {
		if scope := strings.Fields(row[column:])[0]; !slices.Contains(record.Scopes, scope) {
			t.Errorf("SCOPE column says %q, not an access scope:\n%s", scope, active)
		}
	}

	if out := mustRun(t, cli("revoke", strings.TrimSpace(window), "--reason", "customer withdrew it")...); !strings.Contains(out, "revoked authorisation "+strings.TrimSpace(window)) {
		t.Errorf("revoke printed %q", out)
	}
	if out, err := run(t, cli("revoke", strings.TrimSpace(window), "--reason", "again")...); err == nil || !strings.Contains(err.Error(), "tester") {
		t.Errorf("second revoke: %v\n%s; want an error naming who revoked it", err, out)
	}

	var all []authorisationJSON
	if err := json.Unmarshal([]byte(mustRun(t, cli("list", "--all", "--json", "--customer", "contoso")...)), &all); err != nil {
		t.Fatal(err)
	}
	statuses := map[uint]string{}
	for _, a := range all {
		statuses[a.ID] = a.Status
	}
	want := map[uint]string{uint(windowID): "revoked", atoi(t, standing): "active", atoi(t, expired): "expired"}
	if len(statuses) != len(want) {
		t.Errorf("list --all lists %v, want %v", statuses, want)
	}
	for id, status := range want {
		if statuses[id] != status {
			t.Errorf("authorisation %d is %q, want %q", id, statuses[id], status)
		}
	}
	if r := storedAuthorisations(t, db)[uint(windowID)]; r.RevokedBy != "tester" || r.RevokeReason != "customer withdrew it" || r.RevokedAt == nil {
		t.Errorf("revocation stored as %v %q %q", r.RevokedAt, r.RevokedBy, r.RevokeReason)
	}
}

// atoi reads the id on the first line of what an add printed (the findings the
// reconcile after it changed follow).
func atoi(t *testing.T, s string) uint {
	t.Helper()
	first, _, _ := strings.Cut(s, "\n")
	n, err := strconv.ParseUint(strings.TrimSpace(first), 10, 0)
	if err != nil {
		t.Fatalf("%q is not an id", s)
	}
	return uint(n)
}

func TestAuthorise_Refuses(t *testing.T) {
	config, db := authoriseSetup(t)
	t.Setenv("USER", "")
	add := []string{"--config", config, "authorise", "add", "--technician", "any", "--device", "any", "--scope", "remote",
		"--granted-by", "Jane Doe", "--evidence", "T1", "--by", "tester"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown customer", append(add, "--customer", "Contso", "--from", "2026-11-21", "--standing"), `customer: no customer is called "Contso"`},
		{"no end", append(add, "--customer", "Contoso", "--from", "2026-11-21"), "to standing"},
		{"end and standing", append(add, "--customer", "Contoso", "--from", "2026-11-21", "--to", "2026-11-22", "--standing"), "to standing"},
		{"bad start", append(add, "--customer", "Contoso", "--from", "21/11/2026", "--standing"), `--from: "21/11/2026" is not a date`},
		{"end before start", append(add, "--customer", "Contoso", "--from", "2026-11-21 10:00", "--to", "2026-11-21 09:00"), "valid_to:"},
		{"unknown time zone", append(add, "--customer", "Contoso", "--from", "2026-11-21", "--standing", "--timezone", "Mars/Olympus"), "--timezone"},
		{"missing flag", []string{"--config", config, "authorise", "add", "--customer", "Contoso"}, "required flag"},
		{"revoke a word", []string{"--config", config, "authorise", "revoke", "last", "--reason", "x"}, `"last" is not a number`},
		{"revoke nothing", []string{"--config", config, "authorise", "revoke", "99", "--reason", "x", "--by", "tester"}, "no authorisation has id 99"},
		{"nobody", []string{"--config", config, "authorise", "revoke", "1", "--reason", "x"}, "--by: required"},
		{"list unknown customer", []string{"--config", config, "authorise", "list", "--customer", "Contso"}, "Contso"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q\n%s", err, tt.want, out)
			}
		})
	}
	if n := len(storedAuthorisations(t, db)); n != 0 {
		t.Errorf("%d authorisations stored by refused commands", n)
	}
}

func TestAuthorise_Import(t *testing.T) {
	config, db := authoriseSetup(t)
	dir := filepath.Dir(config)
	good := filepath.Join(dir, "auth.csv")
	if err := os.WriteFile(good, []byte("\ufeffcustomer,technician,device,scope,valid_from,valid_to,granted_by,evidence\r\n"+
		"Contoso Ltd,Bob Jones,PC-042,remote,2026-11-21 09:00,2026-11-21 17:00,Jane Doe,T1\r\n"+
		"Contoso Ltd,,,admin,2026-11-01,,Jane Doe,T2\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("customer,scope,valid_from,granted_by\n"+
		"Contoso Ltd,remote,2026-11-21,Jane Doe\n"+
		"Contso,remote,2026-11-21,Jane Doe\n"+
		"Contoso Ltd,remote,2026-13-01,Jane Doe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	imp := func(file string) (string, error) {
		return run(t, "--config", config, "authorise", "import", file, "--by", "importer", "--timezone", "UTC")
	}

	if out, err := imp(good); err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := imp(good); err != nil || !strings.Contains(out, "0 new") {
		t.Errorf("second import: %v\n%s; want 0 new", err, out)
	}
	_, err := imp(bad)
	for _, want := range []string{
		bad + `:3: column customer: no customer is called "Contso"`,
		bad + `:4: column valid_from: "2026-13-01" is not a date`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("import of a bad file: %v; want it to say %q", err, want)
		}
	}
	if _, err := imp(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("importing a missing file succeeded")
	}

	stored := storedAuthorisations(t, db)
	if len(stored) != 2 {
		t.Fatalf("%d authorisations stored, want the good file's 2", len(stored))
	}
	for _, a := range stored {
		if a.RecordedBy != "importer" || a.CustomerID == nil || !strings.HasPrefix(a.SourceID, "csv-") {
			t.Errorf("imported %+v", a)
		}
	}
}
