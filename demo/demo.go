// Package demo runs the whole pipeline against the fake vendor servers in fixtures:
// it starts them in-process, writes a configuration, a sealing key and an SQLite
// database into a directory, syncs and reconciles. It is a newcomer's first command.
package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-msp/custos/evidence"
	atfake "github.com/custos-msp/custos/fixtures/autotask"
	dattofake "github.com/custos-msp/custos/fixtures/dattormm"
	entrafake "github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	graphfake "github.com/custos-msp/custos/fixtures/graph"
	itgluefake "github.com/custos-msp/custos/fixtures/itglue"
	o365fake "github.com/custos-msp/custos/fixtures/o365audit"
	scfake "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/seal"
)

// apiKey is the fake IT Glue server's key: a demo value, not a credential.
const apiKey = "ITG.demo0000000000000000000000000000"

// Environment is a running demo: the fake servers and the configuration written for
// them.
type Environment struct {
	// ConfigPath is the configuration file the demo wrote.
	ConfigPath    string
	itglue        *itgluefake.Server
	screenconnect *scfake.Server
	dattormm      *dattofake.Server
	autotask      *atfake.Server
	entra         *entrafake.Server
	graph         *graphfake.Server
	o365audit     *o365fake.Server
}

// Options changes how the demo's fake vendor servers answer, for tests; the zero
// value is the demo as "custos demo" runs it.
type Options struct {
	// PageSize, when positive, makes the fakes whose page size the client does not
	// choose (Graph, the Management Activity API's content listings) answer at most
	// this many items a page, so that even the demo's few records span several pages.
	// Graph's identity reports keep their default: Graph allows a tenant one of them
	// every two seconds.
	PageSize int
	// OnRequest, when set, is called with every request a fake vendor server
	// receives (the fake Entra's sign-ins aside), before it is answered, with the
	// name of the connector that reads that vendor (the fake Graph is m365's): a
	// test counts them, or stops the client at a chosen one.
	OnRequest func(connector string, r *http.Request)
}

// Start starts the fake vendor servers with the demo data as of now and writes a
// configuration for them under dir. A sealing key already in dir is kept, so the
// database written by an earlier run stays readable.
func Start(dir string, now time.Time) (*Environment, error) {
	return StartWith(dir, now, Options{})
}

// StartWith is Start with the fake servers changed as opts says.
func StartWith(dir string, now time.Time, opts Options) (*Environment, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	it, err := itgluefake.LoadDemo(now)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	sc, err := scfake.LoadDemo(now)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	dr, err := dattofake.LoadDemo(now)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	plantUndecodableDevice(dr)
	at, err := atfake.LoadDemo(now)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	env := &Environment{
		ConfigPath:    filepath.Join(abs, "custos.toml"),
		itglue:        itgluefake.NewServer(it, apiKey),
		screenconnect: scfake.NewServer(sc, scfake.DemoUsername, scfake.DemoPassword),
		dattormm:      dattofake.NewServer(dr, dattofake.DemoAPIKey, dattofake.DemoAPISecret),
		autotask:      atfake.NewServer(at, atfake.DemoUsername, atfake.DemoSecret, atfake.DemoIntegrationCode),
	}
	env.startM365(now)
	if err := env.startO365Audit(now, opts.PageSize); err != nil {
		env.Close()
		return nil, err
	}
	if opts.PageSize > 0 {
		env.graph.SetPageSize(opts.PageSize)
		env.graph.KeepReportsPages(true)
	}
	if opts.OnRequest != nil {
		for connector, f := range env.faults() {
			f.OnRequest(func(r *http.Request) { opts.OnRequest(connector, r) })
		}
	}
	if err := env.write(abs); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

func (e *Environment) write(dir string) error {
	if err := seal.WriteKeyFile(filepath.Join(dir, "seal.key")); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("demo: %w", err)
	}
	if err := evidence.WriteKeyPair(filepath.Join(dir, "evidence.key")); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("demo: %w", err)
	}
	// The fake servers' credentials: demo values, not anyone's secrets.
	for name, value := range map[string]string{
		"itglue.key": apiKey, "screenconnect.user": scfake.DemoUsername, "screenconnect.password": scfake.DemoPassword,
		"dattormm.key": dattofake.DemoAPIKey, "dattormm.secret": dattofake.DemoAPISecret,
		"autotask.user": atfake.DemoUsername, "autotask.secret": atfake.DemoSecret, "autotask.code": atfake.DemoIntegrationCode,
		"m365.secret": graphfake.DemoClientSecret, "m365-ca.pem": e.m365CA(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo: writing %s: %w", name, err)
		}
	}
	cfg := strings.NewReplacer("{{ITGLUE_URL}}", e.itglue.URL(), "{{SCREENCONNECT_URL}}", e.screenconnect.URL(),
		"{{DATTORMM_URL}}", e.dattormm.URL(), "{{AUTOTASK_URL}}", e.autotask.URL(),
		"{{M365_AUTHORITY}}", e.entra.AuthorityHost(), "{{GRAPH_URL}}", e.graph.URL(),
		"{{M365_PARTNER}}", graphfake.PartnerTenant, "{{M365_CLIENT}}", graphfake.DemoClientID,
		"{{M365_MAILBOX}}", graphfake.DemoMailbox, "{{O365AUDIT_URL}}", e.o365audit.URL(),
		"{{BOB_OBJECT_ID}}", o365fake.DemoBobObjectID).Replace(configTemplate)
	if err := os.WriteFile(e.ConfigPath, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("demo: writing the configuration: %w", err)
	}
	return nil
}

// faults returns the fault injector of every fake vendor server by the name of
// the connector that reads it.
func (e *Environment) faults() map[string]*fakehttp.Faults {
	return map[string]*fakehttp.Faults{
		"itglue": e.itglue.Faults(), "screenconnect": e.screenconnect.Faults(), "dattormm": e.dattormm.Faults(),
		"autotask": e.autotask.Faults(), "m365": e.graph.Faults(), "o365audit": e.o365audit.Faults(),
	}
}

// ITGlue returns the fake IT Glue server, for tests that inject faults.
func (e *Environment) ITGlue() *itgluefake.Server { return e.itglue }

// Close stops the fake servers.
func (e *Environment) Close() {
	e.itglue.Close()
	e.screenconnect.Close()
	e.dattormm.Close()
	e.autotask.Close()
	e.graph.Close()
	if e.o365audit != nil {
		e.o365audit.Close()
	}
	e.entra.Close()
}

// configTemplate is the demo's configuration; paths are relative to its directory.
const configTemplate = `# Written by "custos demo" for the fake vendor servers it runs in-process.
# The servers stop when the demo exits; the database and this file stay, so
# "custos --config <this file> findings" still works. See config.example.toml
# for every key.

technicians = [
  { name = "Alice Smith", email = "alice.smith@msp.example" },
  { name = "Bob Jones", email = "bob.jones@msp.example", aliases = ["{{BOB_OBJECT_ID}}"] },
]

[log]
level = "error"

[store]
driver = "sqlite"
path = "custos.db"

[seal]
key = { file = "seal.key" }
keep_raw_payloads = true

[connectors.itglue]
enabled = true
base_url = "{{ITGLUE_URL}}"
api_key = { file = "itglue.key" }
organization_types = ["Customer"]
min_retry_wait = "100ms"
max_retry_wait = "2s"
requests_per_second = 50

[connectors.screenconnect]
enabled = true
base_url = "{{SCREENCONNECT_URL}}"
username = { file = "screenconnect.user" }
password = { file = "screenconnect.password" }
min_retry_wait = "100ms"
max_retry_wait = "2s"
requests_per_second = 50

[connectors.dattormm]
enabled = true
base_url = "{{DATTORMM_URL}}"
api_key = { file = "dattormm.key" }
api_secret = { file = "dattormm.secret" }
min_retry_wait = "100ms"
max_retry_wait = "2s"
requests_per_second = 10

[connectors.autotask]
enabled = true
base_url = "{{AUTOTASK_URL}}"
username = { file = "autotask.user" }
secret = { file = "autotask.secret" }
integration_code = { file = "autotask.code" }
contact_field = "Authorisation Contact"
min_retry_wait = "100ms"
max_retry_wait = "2s"
requests_per_second = 50

[report]
msp_name = "Demo MSP"
dir = "reports"
signing_key = { file = "evidence.key" }

[connectors.m365]
enabled = true
partner_tenant_id = "{{M365_PARTNER}}"
client_id = "{{M365_CLIENT}}"
client_secret = { file = "m365.secret" }
authority_host = "{{M365_AUTHORITY}}"
ca_file = "m365-ca.pem"
graph_url = "{{GRAPH_URL}}"
mailbox = "{{M365_MAILBOX}}"
partner_domains = ["custosdemo.onmicrosoft.com", "msp.example"]
min_retry_wait = "1s"
max_retry_wait = "2s"
requests_per_second = 50

[connectors.o365audit]
enabled = true
base_url = "{{O365AUDIT_URL}}"
min_retry_wait = "100ms"
max_retry_wait = "2s"
requests_per_second = 50

[customers.domains]
"Contoso Ltd" = ["contoso.local"]

[rules.agent_permanent_unapproved]
# NW-SRV01 is approved for an unattended agent; FAB-SRV01 is not.
approved_machines = ["NW-SRV01"]
`
