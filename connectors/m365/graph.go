package m365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	msgraphauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/vocab"
)

// errNotLicensed is Graph's answer to a sign-in request in a tenant without Entra ID
// P1 or P2.
const errNotLicensed = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"

// errPermissionMissing is Graph's answer to an app whose token lacks the permission
// an identity report needs; its message ends with the permission's name.
const errPermissionMissing = "Authentication_MSGraphPermissionMissing"

// permissionFix names the permission that Graph's message says is missing, e.g.
// "Calling principal does not have required MSGraph permissions AuditLog.Read.All".
func permissionFix(msg string) string {
	_, perm, ok := strings.Cut(msg, "MSGraph permissions ")
	if !ok || strings.TrimSpace(perm) == "" {
		return ""
	}
	return "grant the app the Graph application permission " + strings.TrimSpace(perm) + " with admin consent in the tenant"
}

// graphClient is a Graph request adapter signed in to one tenant.
type graphClient struct {
	tenant  string
	root    string
	adapter abs.RequestAdapter
	// maxPages bounds the reads that are part of another stream's page.
	maxPages int
}

// scopeFor returns the token scope of a Graph root: the national clouds have their
// own; any other host (a gateway, a test server) takes the public cloud's.
func scopeFor(root string) string {
	u, err := url.Parse(root)
	if err == nil {
		switch {
		case strings.HasSuffix(u.Host, "graph.microsoft.us"):
			return "https://" + u.Host + "/.default"
		case u.Host == "microsoftgraph.chinacloudapi.cn":
			return "https://microsoftgraph.chinacloudapi.cn/.default"
		}
	}
	return "https://graph.microsoft.com/.default"
}

// client returns the Graph client of tenant, made on first use.
func (c *Connector) client(tenant string) (*graphClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.adapters[tenant]; ok {
		return g, nil
	}
	cred, err := c.creds.For(tenant)
	if err != nil {
		return nil, fmt.Errorf("m365: %w", err)
	}
	root := strings.TrimSuffix(c.cfg.GraphURL, "/")
	u, err := url.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("m365: graph_url %q: %w", root, err)
	}
	// The provider sends no token to a host outside its list, so the configured
	// host is always on it.
	auth, err := msgraphauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cred, []string{scopeFor(root)}, []string{u.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("m365: Graph authentication for tenant %s: %w", tenant, err)
	}
	opts := msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: "custos"}
	middlewares, err := khttp.GetDefaultMiddlewaresWithOptions(&khttp.RetryHandlerOptions{
		MaxRetries:   c.cfg.MaxRetries,
		DelaySeconds: max(int(c.cfg.MinRetryWait.Std().Seconds()), 1),
		ShouldRetry:  func(time.Duration, int, *http.Request, *http.Response) bool { return true },
	}, &khttp.RedirectHandlerOptions{
		// kiota's own handler would follow to any host; a 30x goes back to the
		// http.Client below, whose CheckRedirect is httpsafe's policy.
		MaxRedirects: 0,
	})
	if err != nil {
		return nil, fmt.Errorf("m365: Graph middleware: %w", err)
	}
	middlewares = append([]khttp.Middleware{msgraphcore.NewGraphTelemetryHandler(&opts)}, middlewares...)
	httpClient := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(c.transport(tenant), middlewares...),
		CheckRedirect: httpsafe.CheckRedirect,
	}
	if t := c.cfg.Timeout.Std(); t > 0 {
		httpClient.Timeout = t
	}
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts, parse, write, httpClient)
	if err != nil {
		return nil, fmt.Errorf("m365: Graph adapter for tenant %s: %w", tenant, err)
	}
	g := &graphClient{tenant: tenant, root: root, adapter: adapter, maxPages: c.cfg.MaxPages}
	c.adapters[tenant] = g
	return g, nil
}

// v1 and beta return the absolute URL of a path under each Graph version.
func (g *graphClient) v1(path string) string   { return g.root + "/v1.0/" + path }
func (g *graphClient) beta(path string) string { return g.root + "/beta/" + path }

var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// get sends a GET for rawURL (absolute, e.g. an @odata.nextLink) and parses the
// answer with factory.
func (g *graphClient) get(ctx context.Context, rawURL string, factory absser.ParsableFactory) (absser.Parsable, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing URL: %w", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := g.adapter.Send(ctx, ri, factory, errorMapping)
	if err != nil {
		return nil, classify(err)
	}
	return res, nil
}

// classify attaches an outcome to a Graph error and says what Graph said, with the
// ids Microsoft support asks for. Token errors keep their own outcome.
func classify(err error) error {
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		return err
	}
	status := oe.ResponseStatusCode
	code, msg, reqID := "", oe.Error(), ""
	if main := oe.GetErrorEscaped(); main != nil {
		if main.GetCode() != nil {
			code = *main.GetCode()
		}
		if main.GetMessage() != nil {
			msg = *main.GetMessage()
		}
		if inner := main.GetInnerError(); inner != nil && inner.GetRequestId() != nil {
			reqID = *inner.GetRequestId()
		}
	}
	e := fmt.Errorf("HTTP %d %s: %s (request-id %s)", status, code, msg, reqID)
	switch {
	case status == http.StatusForbidden && code == errNotLicensed:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeNotLicensed, Err: e,
			Remedy: "assign Microsoft Entra ID P1 or P2 (e.g. in Microsoft 365 Business Premium) in the tenant: its sign-in logs need it"}
	case status == http.StatusForbidden && code == errPermissionMissing:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: e, Remedy: permissionFix(msg)}
	case status == http.StatusTooManyRequests:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeThrottled, Err: e}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: e}
	}
	return e
}

// nextLink returns a collection page's @odata.nextLink, "" on the last page.
func nextLink(p interface{ GetOdataNextLink() *string }) string {
	if l := p.GetOdataNextLink(); l != nil {
		return *l
	}
	return ""
}

// str dereferences a string pointer.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// additional returns a string the v1.0 model did not know (a beta field).
func additional(p absser.AdditionalDataHolder, key string) string {
	if p == nil {
		return ""
	}
	switch v := p.GetAdditionalData()[key].(type) {
	case *string:
		return str(v)
	case string:
		return v
	}
	return ""
}
