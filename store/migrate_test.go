package store_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// writeTestdataEnv names the directory TestWriteReleaseTestdata writes to. Set it at a
// release, on the release's code, to keep a database of that release for the upgrade
// test of the next one: CUSTOS_WRITE_TESTDATA=store/testdata/NAME (with
// CUSTOS_TEST_POSTGRES_DSN set; sqlite3 and pg_dump on PATH).
const writeTestdataEnv = "CUSTOS_WRITE_TESTDATA"

// TestWriteReleaseTestdata is not a test: it fills a store with rows in every table
// and dumps it as one SQL script per dialect, for the upgrade test of a later release.
func TestWriteReleaseTestdata(t *testing.T) {
	dir := os.Getenv(writeTestdataEnv)
	if dir == "" {
		t.Skipf("writes release testdata only when %s names a directory", writeTestdataEnv)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			opts := storetest.Options(t, driver)
			st, err := store.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := fillEveryTable(st.DB(ctx)); err != nil {
				t.Fatal(err)
			}
			_ = st.Close()
			var out []byte
			if driver == "sqlite" {
				out, err = exec.Command("sqlite3", opts.Path, ".dump").Output()
			} else {
				out, err = dumpPostgres(opts.DSN)
			}
			if err != nil {
				t.Fatalf("dumping %s: %v", driver, err)
			}
			if err := os.WriteFile(filepath.Join(dir, driver+".sql"), out, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// dumpPostgres dumps the DSN's search_path schema and strips the schema's name, so the
// script loads into whatever schema a test points its search_path at.
func dumpPostgres(dsn string) ([]byte, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	cmd := exec.Command("pg_dump", "--no-owner", "--no-privileges", "--inserts", "-n", schema, u.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, `\`), // psql meta-commands (\restrict)
			strings.HasPrefix(line, "CREATE SCHEMA"),
			strings.HasPrefix(line, "--") && strings.Contains(line, schema),
			strings.Contains(line, "search_path"):
			continue
		}
		keep = append(keep, strings.ReplaceAll(line, schema+".", ""))
	}
	return []byte(strings.Join(keep, "\n")), nil
}

// fillEveryTable writes a small, realistic set of rows into every table: three
// customers (one offboarded), their links, pulled records, access events that an
// authorisation or a backup covers, findings in each status with their outbox and
// deliveries, coverage, job history and leases.
func fillEveryTable(db *gorm.DB) error {
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	ptr := func(v time.Time) *time.Time { return &v }
	id := func(v uint) *uint { return &v }
	pulled := func(source, sourceID, stream string, h int) store.Pulled {
		return store.Pulled{Source: source, SourceID: sourceID, Stream: stream, Scope: "all", SeenAt: at(h)}
	}
	rows := []any{
		&[]store.Customer{
			{Name: "Acme Ltd", Key: "acme", Status: store.CustomerActive, CreatedAt: at(0), UpdatedAt: at(0)},
			{Name: "Globex GmbH", Key: "globex", Status: store.CustomerActive, CreatedAt: at(0), UpdatedAt: at(1)},
			{Name: "Initech", Key: "initech", Status: store.CustomerOffboarded, StatusSince: ptr(at(48)), CreatedAt: at(0), UpdatedAt: at(48)},
		},
		&[]store.Technician{
			{Name: "Jane Doe", Key: "jane doe", Email: "jane@msp.example", Aliases: "J. Doe|jdoe", CreatedAt: at(0), UpdatedAt: at(0)},
			{Name: "Bob Roe", Key: "bob roe", Email: "bob@msp.example", CreatedAt: at(0), UpdatedAt: at(0)},
		},
		&[]store.Device{
			{CustomerID: id(1), Name: "ACME-FW01", HostKey: "acme-fw01", Serial: "FGT60F0001", CreatedAt: at(0), UpdatedAt: at(0)},
			{CustomerID: id(1), Name: "ACME-DC01", HostKey: "acme-dc01", CreatedAt: at(0), UpdatedAt: at(0)},
			{CustomerID: id(2), Name: "GLX-NAS", Serial: "SYN123", CreatedAt: at(0), UpdatedAt: at(0)},
		},
		&[]store.Link{
			{Source: "itglue", Kind: store.LinkCustomer, SourceID: "100", TargetID: 1, Method: "auto:created", CreatedAt: at(0)},
			{Source: "dattormm", Kind: store.LinkCustomer, SourceID: "site-7", TargetID: 1, Method: "auto:name", CreatedAt: at(0)},
			{Source: "itglue", Kind: store.LinkCustomer, SourceID: "200", TargetID: 2, Method: "manual", CreatedAt: at(0)},
			{Source: "screenconnect", Kind: store.LinkTechnician, SourceID: "jdoe", TargetID: 1, Method: "auto:name", CreatedAt: at(0)},
			{Source: "itglue", Kind: store.LinkDevice, SourceID: "cfg-1", TargetID: 1, Method: "auto:created", CreatedAt: at(0)},
		},
		&[]store.Organization{
			{Pulled: pulled("itglue", "100", "organizations", 1), Name: "Acme Ltd", ShortName: "ACME", Type: "Customer", Status: "Active", SourceUpdatedAt: at(0), CustomerID: id(1)},
			{Pulled: pulled("itglue", "200", "organizations", 1), Name: "Globex GmbH", Type: "Customer", Status: "Active", SourceUpdatedAt: at(0), CustomerID: id(2)},
		},
		&[]store.Configuration{
			{Pulled: pulled("itglue", "cfg-1", "configurations", 2), CustomerRef: "100", CustomerID: id(1), Name: "ACME-FW01", Hostname: "acme-fw01", Serial: "FGT60F0001", TypeName: "Firewall", InstalledAt: ptr(at(-9000)), SourceCreatedAt: at(-9000), SourceUpdatedAt: at(1), DeviceID: id(1)},
			{Pulled: pulled("itglue", "cfg-2", "configurations", 2), CustomerRef: "200", CustomerID: id(2), Name: "GLX-NAS", Serial: "SYN123", TypeName: "NAS", Archived: true, SourceCreatedAt: at(-5000), SourceUpdatedAt: at(1)},
		},
		&[]store.ConfigBackup{
			{Source: "itglue", SourceID: "bk-1", ConfigurationID: 1, FileName: "fw01-2026-09.conf", Name: "September", ContentType: "text/plain", Size: 18234, SourceCreatedAt: at(-200), SourceUpdatedAt: at(-200)},
			{Source: "itglue", SourceID: "bk-2", ConfigurationID: 1, FileName: "fw01-2026-10.conf", Name: "October", ContentType: "text/plain", Size: 18410, SourceCreatedAt: at(-2), SourceUpdatedAt: at(-2)},
		},
		&[]store.AccessEvent{
			{Pulled: pulled("screenconnect", "s-1", "sessions", 3), Kind: "remote_session", Action: "connect", StartedAt: at(2), EndedAt: ptr(at(3)), CustomerRef: "site-7", ActorRef: "jdoe", ActorName: "Jane Doe", DeviceRef: "g-1", DeviceName: "ACME-DC01", SourceIP: "203.0.113.7", Detail: "ticket 4411", Attributes: `{"guest":"g-1"}`, CustomerID: id(1), TechnicianID: id(1), DeviceID: id(2), CoveredBy: id(1), Decision: "covered by authorisation 1"},
			{Pulled: pulled("screenconnect", "s-2", "sessions", 3), Kind: "remote_session", Action: "connect", StartedAt: at(30), CustomerRef: "site-7", ActorRef: "bob", ActorName: "Bob Roe", CustomerID: id(1), TechnicianID: id(2), Decision: "no authorisation for bob roe"},
			{Pulled: pulled("dattormm", "a-9", "activity", 3), Kind: "rmm_job", Action: "delete", StartedAt: at(5), CustomerRef: "200", ActorRef: "jdoe", DeviceRef: "dev-3", Removal: true, CustomerID: id(2), TechnicianID: id(1), DeviceID: id(3), BackupID: id(1), Decision: "removal after verified backup 1"},
		},
		&[]store.Endpoint{
			{Pulled: pulled("dattormm", "dev-3", "devices", 1), CustomerRef: "200", Hostname: "glx-nas", Domain: "globex.local", Serial: "SYN123", OS: "DSM 7", TypeName: "NAS", LastSeenAt: ptr(at(1)), CustomerID: id(2), DeviceID: id(3)},
		},
		&[]store.Agent{
			{Pulled: pulled("screenconnect", "g-1", "guests", 1), Type: "screenconnect", CustomerRef: "site-7", DeviceRef: "acme-dc01", Hostname: "ACME-DC01", InstalledAt: at(-300), LastCheckInAt: ptr(at(1)), CustomerID: id(1), DeviceID: id(2)},
			{Pulled: pulled("screenconnect", "g-2", "guests", 1), Type: "screenconnect", CustomerRef: "init", Hostname: "INIT-PC", InstalledAt: at(-900), SessionEndedAt: ptr(at(-10)), Ended: true, UninstalledAt: ptr(at(-5))},
		},
		&[]store.UserAccount{
			{Pulled: pulled("screenconnect", "jdoe", "users", 1), Name: "Jane Doe", Email: "jane@msp.example", TechnicianID: id(1)},
			{Pulled: pulled("screenconnect", "old", "users", 1), Name: "Former Tech", Disabled: true},
		},
		&[]store.Authorisation{
			{Pulled: pulled("custos", "auth-1", "authorisations", 0), AccessScope: "remote_session", ValidFrom: at(0), ValidTo: ptr(at(24 * 30)), GrantedBy: "CFO Acme", Evidence: "ticket 4400", RecordedBy: "jane", RecordedAt: at(0), CustomerID: id(1), TechnicianID: id(1)},
			{Pulled: pulled("custos", "auth-2", "authorisations", 0), AccessScope: "any", ValidFrom: at(0), GrantedBy: "IT lead Globex", RecordedBy: "bob", RecordedAt: at(0), RevokedAt: ptr(at(72)), RevokedBy: "bob", RevokeReason: "contract ended", CustomerID: id(2)},
		},
		&[]store.Contact{
			{Pulled: pulled("itglue", "ct-1", "contacts", 1), CustomerRef: "100", Name: "Alice Acme", Email: "alice@acme.example", Authorised: true, Active: true, CustomerID: id(1)},
		},
		&[]store.VerifiedBackup{
			{CustomerID: id(2), DeviceID: id(3), What: "NAS shares", TakenAt: at(-4), VerifiedAt: at(-3), VerifiedBy: "jane", Evidence: "restore test 77", RecordedBy: "jane", RecordedAt: at(-3)},
			{CustomerID: id(1), What: "mailbox of j.smith", TakenAt: at(-50), VerifiedAt: at(-49), VerifiedBy: "bob", Evidence: "job 12", RecordedBy: "bob", RecordedAt: at(-49), WithdrawnAt: ptr(at(-1)), WithdrawnBy: "bob", WithdrawReason: "restore failed"},
		},
		&[]store.Finding{
			{Rule: "access_without_authorisation", Fingerprint: "fp-open-1", Subject: "screenconnect:session:s-2", CustomerID: id(1), Severity: "high", Summary: "Bob Roe connected to Acme Ltd without an authorisation", Evidence: "access_events:2", TechnicianID: id(2), FirstSeen: at(31), LastSeen: at(40), Status: store.StatusOpen},
			{Rule: "config_backup_stale", Fingerprint: "fp-ack-1", Subject: "itglue:configuration:cfg-2", CustomerID: id(2), Severity: "medium", Summary: "GLX-NAS has no configuration backup", Evidence: "configurations:2", FirstSeen: at(2), LastSeen: at(40), Status: store.StatusAcknowledged, StatusBy: "jane", StatusReason: "backup job being fixed"},
			{Rule: "orphaned_agent", Fingerprint: "fp-res-1", Subject: "screenconnect:guest:g-2", Severity: "low", Summary: "Agent on INIT-PC still installed after offboarding", Evidence: "agents:2", FirstSeen: at(-20), LastSeen: at(-5), Status: store.StatusResolved, ResolvedAt: ptr(at(-5))},
			{Rule: "access_without_authorisation", Fingerprint: "fp-sup-1", Subject: "dattormm:activity:a-9", CustomerID: id(2), Severity: "high", Summary: "Removal on GLX-NAS", Evidence: "access_events:3", TechnicianID: id(1), DeviceID: id(3), FirstSeen: at(6), LastSeen: at(6), Status: store.StatusSuppressed, StatusBy: "exclusion 1", StatusReason: "planned migration"},
		},
		&[]store.Exclusion{
			{CustomerID: id(2), Rule: "access_without_authorisation", DeviceID: id(3), Reason: "planned migration", Owner: "jane", ExpiresAt: at(24 * 14), CreatedBy: "jane", CreatedAt: at(4)},
			{Rule: "orphaned_agent", Reason: "tested", Owner: "bob", ExpiresAt: at(24), CreatedBy: "bob", CreatedAt: at(0), RemovedAt: ptr(at(2)), RemovedBy: "bob"},
		},
		&[]store.Checkpoint{
			{Connector: "screenconnect", Stream: "sessions", Scope: "all", Cursor: "2026-10-02T12:00:00Z", UpdatedAt: at(3)},
			{Connector: "itglue", Stream: "configurations", Scope: "100", Cursor: "page=3", PullStartedAt: ptr(at(2)), UpdatedAt: at(2)},
		},
		&[]store.Coverage{
			{Connector: "screenconnect", Stream: "sessions", Scope: "all", StartedAt: at(3), FinishedAt: at(3).Add(time.Minute), WindowStart: ptr(at(-24)), WindowEnd: ptr(at(3)), Outcome: "complete", Records: 2, Pages: 1},
			{Connector: "itglue", Stream: "configurations", Scope: "100", StartedAt: at(2), FinishedAt: at(2).Add(2 * time.Minute), Outcome: "partial", Records: 40, Pages: 2, Warnings: 1, Error: "page 3: 429 Too Many Requests"},
		},
		&[]store.JobRun{
			{Job: "sync", Scope: "all", StartedAt: at(2), FinishedAt: ptr(at(3)), Outcome: "ok", Counts: `{"records":42}`},
			{Job: "reconcile", Scope: "all", StartedAt: at(4), FinishedAt: ptr(at(4)), Outcome: "failed", Error: "context deadline exceeded"},
			{Job: "notify", Scope: "all", StartedAt: at(5), Outcome: "running"},
		},
		&[]store.JobLease{
			{Name: "sync", Holder: "replica-a", Slot: at(2), ExpiresAt: at(2).Add(10 * time.Minute)},
		},
		&[]store.ReportArchive{
			{CustomerID: 1, Month: "2026-09", Format: "pdf", Variant: "customer", SHA256: strings.Repeat("ab", 32), Path: "reports/acme/2026-09.pdf", Size: 80211, TemplateVersion: "3", CreatedAt: at(1), SentAt: ptr(at(2))},
			{CustomerID: 1, Month: "2026-09", Format: "html", Variant: "internal", SHA256: strings.Repeat("cd", 32), Path: "reports/acme/2026-09-internal.html", Size: 20111, TemplateVersion: "3", CreatedAt: at(1)},
		},
		&[]store.Relationship{
			{Pulled: pulled("m365", "rel-1", "relationships", 1), CustomerRef: "tenant-acme", CustomerID: id(1), CustomerName: "Acme Ltd", DisplayName: "Acme GDAP", Status: "active", StartedAt: ptr(at(-2000)), EndsAt: ptr(at(2000)), DurationDays: 730, AutoExtendDays: 180, Roles: `[{"id":"62e90394","name":"Helpdesk Administrator"}]`, Assignments: `[{"group":"Helpdesk","roles":["62e90394"]}]`},
		},
		&[]store.ReportReceipt{
			{Pulled: pulled("mailbox", "msg-1", "report_receipts", 1), MessageID: "<r1@rmm.example>", CustomerRef: "Acme Ltd", CustomerID: id(1), Month: "2026-09", Subject: "Monthly report Acme Ltd September 2026", ReceivedAt: at(-20), Attachments: `[{"name":"acme.pdf","size":1200}]`},
		},
		&[]store.OutboxEntry{
			{FindingID: 1, Fingerprint: "fp-open-1", Event: store.EventOpened, Severity: "high", CreatedAt: at(31)},
			{FindingID: 1, Fingerprint: "fp-open-1", Event: store.EventOpened, Severity: "high", Receiver: "ops-mail", Route: 1, CreatedAt: at(31)},
		},
		&[]store.Delivery{
			{Receiver: "ops-mail", Kind: "alert", GroupKey: "acme", IdempotencyKey: "idem-1", Findings: 1, Status: store.DeliverySent, Attempts: 1, NextAttemptAt: at(31), CreatedAt: at(31), SentAt: ptr(at(31))},
			{Receiver: "teams", Kind: "digest", IdempotencyKey: "idem-2", Findings: 2, Body: "sealed:...", Status: store.DeliveryPending, Attempts: 2, NextAttemptAt: at(33), LastError: "503 Service Unavailable", CreatedAt: at(32)},
		},
		&[]store.NotifyLog{
			{Fingerprint: "fp-open-1", Receiver: "ops-mail", State: store.LogFiring, Severity: "high", NotifiedAt: at(31), DeliveryID: 1},
			{Fingerprint: "fp-res-1", Receiver: "ops-mail", State: store.LogResolved, Severity: "low", NotifiedAt: at(-5)},
		},
		&[]store.NotifyGroup{
			{GroupKey: "acme", FlushedAt: at(31)},
		},
	}
	return db.Transaction(func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := tx.Create(r).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
