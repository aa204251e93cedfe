package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

// AuditTrail records changes; *app.App is one.
type AuditTrail interface {
	RecordChange(ctx context.Context, c Change) error
}

// Options are what a Service is made of.
type Options struct {
	// Web is the [web] section of the configuration.
	Web config.Web
	// ClientSecret is the value of web.entra.client_secret; empty when sign-in through
	// Entra is off.
	ClientSecret string
	// PublicURL, when set, replaces Web.PublicURL (`custos console`'s local listener).
	PublicURL string
	// Store keeps the sessions and tokens; Audit records every sign-in and sign-out.
	Store *store.Store
	Audit AuditTrail
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log zerolog.Logger
	// HTTPClient reaches Entra (discovery, keys, tokens); http.DefaultClient when nil.
	HTTPClient *http.Client
	// LocalUser and LocalRole are whom a local sign-in link (LocalLink) signs in:
	// the operating system's user running `custos console`, as admin unless
	// LocalRole says otherwise.
	LocalUser string
	LocalRole Role
}

// Service signs people in and says who makes each request: sessions begun through
// Entra ID or a local sign-in link, and API tokens. It keeps nothing in memory
// that another replica would need: the sign-in in progress travels in a signed
// cookie, sessions and tokens are rows of the store.
type Service struct {
	opts      Options
	now       func() time.Time
	log       zerolog.Logger
	client    *http.Client
	publicURL *url.URL
	secure    bool
	trusted   []netip.Prefix
	roles     map[string]Role
	lifetime  time.Duration
	limiter   *limiter
	// flowKey signs the sign-in cookie; every replica derives the same one.
	flowKey []byte

	mu       sync.Mutex
	provider *oidc.Provider
}

// Cookie names.
const (
	// SessionCookie holds a browser session's random value.
	SessionCookie = "custos_session"
	// flowCookie holds a sign-in in progress.
	flowCookie = "custos_signin"
)

// Timings of sessions, links and tokens.
const (
	// LinkLifetime is how long a local sign-in link can be followed.
	LinkLifetime = 5 * time.Minute
	// flowLifetime is how long a sign-in may take at Entra.
	flowLifetime = 10 * time.Minute
	// touchEvery is how often a session's last sight or a token's last use is written.
	touchEvery = time.Minute
)

// ErrBadCredentials is what authenticating a request whose session or token is
// unknown, expired, signed out or revoked returns (wrapped with the reason).
var ErrBadCredentials = errors.New("credentials not accepted")

// NewService checks opts and returns a service.
func NewService(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Audit == nil {
		return nil, errors.New("auth: a service needs a store and an audit trail")
	}
	s := &Service{opts: opts, now: opts.Now, log: opts.Log, client: opts.HTTPClient, lifetime: opts.Web.SessionLifetime.Std()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = http.DefaultClient
	}
	if s.lifetime <= 0 {
		return nil, errors.New("auth: web.session_lifetime must be positive")
	}
	if s.opts.LocalRole == 0 {
		s.opts.LocalRole = Admin
	}
	public := opts.PublicURL
	if public == "" {
		public = opts.Web.PublicURL
	}
	u, err := url.Parse(public)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("auth: the console's public URL %q is not an absolute http(s) URL", public)
	}
	s.publicURL, s.secure = u, u.Scheme == "https"
	if s.trusted, err = parseNetworks(opts.Web.TrustedProxies); err != nil {
		return nil, err
	}
	s.roles = map[string]Role{}
	for claim, name := range opts.Web.Entra.Roles {
		r, err := ParseRole(name)
		if err != nil {
			return nil, fmt.Errorf("auth: web.entra.roles.%s: %w", claim, err)
		}
		s.roles[claim] = r
	}
	if opts.Web.Entra.TenantID != "" && opts.ClientSecret == "" {
		return nil, errors.New("auth: sign-in through Entra needs the app's client secret")
	}
	s.flowKey = flowKey(opts.ClientSecret, opts.Web.Entra)
	s.limiter = newLimiter(SignInEvery, SignInBurst, maxLimited)
	return s, nil
}

// entraOn reports whether people can sign in through Entra ID.
func (s *Service) entraOn() bool { return s.opts.Web.Entra.TenantID != "" }

// ClientAddr returns the address of r's client: the peer's, or the one a trusted
// proxy forwarded (web.trusted_proxies). The audit trail records it.
func (s *Service) ClientAddr(r *http.Request) string { return clientAddr(r, s.trusted) }

// Authenticate says who makes r: a bearer API token (Authorization: Bearer
// custos_…) or a session cookie. A request with neither gives ErrNoCredentials; an
// unknown, expired, revoked or signed-out one an error wrapping ErrBadCredentials.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(value) == "" {
			return Principal{}, fmt.Errorf("%w: the Authorization header must be Bearer <API token>", ErrBadCredentials)
		}
		return s.tokenPrincipal(ctx, strings.TrimSpace(value))
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Principal{}, ErrNoCredentials
	}
	return s.sessionPrincipal(ctx, c.Value)
}

// tokenPrincipal is the principal of API token v.
func (s *Service) tokenPrincipal(ctx context.Context, v string) (Principal, error) {
	if err := checkTokenShape(v); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	now := s.now()
	t, err := s.opts.Store.TokenByHash(ctx, HashSecret(v), now)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: the API token is unknown, revoked or expired", ErrBadCredentials)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	role, err := ParseRole(t.Role)
	if err != nil {
		return Principal{}, fmt.Errorf("auth: API token %d: %w", t.ID, err)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if err := s.opts.Store.TouchToken(ctx, t.ID, now, touchEvery); err != nil {
			return Principal{}, fmt.Errorf("auth: %w", err)
		}
	}
	return Principal{Subject: fmt.Sprintf("token:%d", t.ID), Name: t.Name, Role: role, Via: ViaToken}, nil
}

// sessionPrincipal is the principal of the session whose cookie holds v.
func (s *Service) sessionPrincipal(ctx context.Context, v string) (Principal, error) {
	now := s.now()
	cs, err := s.opts.Store.Session(ctx, HashSecret(v), now)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: the session is unknown, expired or signed out", ErrBadCredentials)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	role, err := ParseRole(cs.Role)
	if err != nil {
		return Principal{}, fmt.Errorf("auth: a session of %s: %w", cs.Name, err)
	}
	if now.Sub(cs.LastSeenAt) >= touchEvery {
		if err := s.opts.Store.TouchSession(ctx, cs.ID, now, touchEvery); err != nil {
			return Principal{}, fmt.Errorf("auth: %w", err)
		}
	}
	return Principal{Subject: cs.Subject, Name: cs.Name, Role: role, Via: cs.Via, CSRF: cs.CSRF}, nil
}

// Handler serves everything under /auth/: GET /auth/signin?next=/path starts
// signing in through Entra, GET /auth/callback is where Entra sends the browser
// back, POST /auth/signout (form field csrf) ends the session, and GET /auth/local
// follows a local sign-in link (LocalLink).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/signin", s.limited(s.signIn))
	mux.HandleFunc("GET /auth/callback", s.limited(s.callback))
	mux.HandleFunc("GET /auth/local", s.limited(s.local))
	mux.HandleFunc("POST /auth/signout", s.signOut)
	return mux
}

// limited refuses a sign-in attempt beyond the client address's rate.
func (s *Service) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow(s.ClientAddr(r), s.now()) {
			w.Header().Set("Retry-After", fmt.Sprint(int(SignInEvery/time.Second)))
			page(w, http.StatusTooManyRequests, "Too many sign-in attempts", "Too many sign-in attempts came from your address. Wait a minute and try again.", "")
			return
		}
		h(w, r)
	}
}

// oauth returns the OpenID provider (discovered on first use, again after a
// failure) and the OAuth2 configuration of the app registration.
func (s *Service) oauth(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.opts.Web.Entra
	if s.provider == nil {
		issuer := strings.TrimSuffix(e.Authority, "/") + "/" + e.TenantID + "/v2.0"
		p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client), issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: discovering Entra's OpenID configuration at %s: %w", issuer, err)
		}
		s.provider = p
	}
	endpoint := s.provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInParams
	return s.provider, &oauth2.Config{
		ClientID: e.ClientID, ClientSecret: s.opts.ClientSecret, Endpoint: endpoint,
		RedirectURL: s.url("/auth/callback"), Scopes: []string{oidc.ScopeOpenID, "profile"},
	}, nil
}

// url is the console's public address of path.
func (s *Service) url(path string) string {
	u := *s.publicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	return u.String()
}

// record writes c to the audit trail, at the clock's time and from r's client.
func (s *Service) record(ctx context.Context, r *http.Request, c Change) error {
	c.At, c.From = s.now(), s.ClientAddr(r)
	if err := s.opts.Audit.RecordChange(ctx, c); err != nil {
		return fmt.Errorf("auth: recording %s in the audit trail: %w", c.Action, err)
	}
	return nil
}
