package config

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/custos-msp/custos/duration"
)

// ConsoleRoles are the roles [web.entra.roles] maps to (web/auth's; config does not
// import it), least first.
var ConsoleRoles = []string{"viewer", "auditor", "operator", "admin"}

// validateWeb checks [web]; with no listen address nothing else of it is used.
func (c *Config) validateWeb(v *validator) {
	w := c.Web
	if w.Listen == "" {
		return
	}
	const p = "web."
	_, _, err := net.SplitHostPort(w.Listen)
	v.check(err == nil, p+"listen", fmt.Sprintf("%q is not an address such as 127.0.0.1:8443 or :443", w.Listen))
	u, err := url.Parse(w.PublicURL)
	v.check(err == nil && u.Host != "" && u.Path == "" && u.RawQuery == "" &&
		(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))), p+"public_url",
		fmt.Sprintf("%q is not the console's address, such as https://custos.example.com (plain http only for localhost; no path)", w.PublicURL))
	v.check((w.TLSCert == "") == (w.TLSKey == ""), p+"tls_key", "set both tls_cert and tls_key, or neither (plain HTTP behind a proxy)")
	for key, path := range map[string]string{p + "tls_cert": w.TLSCert, p + "tls_key": w.TLSKey} {
		if path != "" {
			_, err := os.ReadFile(c.Resolve(path))
			v.check(err == nil, key, fmt.Sprintf("%q cannot be read", path))
		}
	}
	for i, cidr := range w.TrustedProxies {
		_, errPrefix := netip.ParsePrefix(cidr)
		_, errAddr := netip.ParseAddr(cidr)
		v.check(errPrefix == nil || errAddr == nil, fmt.Sprintf("%strusted_proxies[%d]", p, i),
			fmt.Sprintf("%q is not a network such as 10.0.0.0/8 or an address such as 192.0.2.10", cidr))
	}
	v.check(w.SessionLifetime >= duration.Duration(5*time.Minute) && w.SessionLifetime <= duration.Duration(7*24*time.Hour),
		p+"session_lifetime", "must be between 5m and 7d")
	c.validateWebEntra(v, w.Entra)
}

// validateWebEntra checks [web.entra]: with a tenant id, the app registration and
// the role mapping must be complete.
func (c *Config) validateWebEntra(v *validator, e WebEntra) {
	if e.TenantID == "" {
		return
	}
	const p = "web.entra."
	v.check(guidPattern.MatchString(e.TenantID), p+"tenant_id",
		fmt.Sprintf("%q is not a tenant id (a GUID, shown in the Entra admin center under Overview)", e.TenantID))
	v.check(guidPattern.MatchString(e.ClientID), p+"client_id", fmt.Sprintf("%q is not an application (client) id (a GUID)", e.ClientID))
	v.check(!e.ClientSecret.IsZero(), p+"client_secret", `must name where the app's client secret is kept, e.g. { env = "CUSTOS_ENTRA_CLIENT_SECRET" }`)
	v.url(p+"authority", e.Authority)
	v.check(len(e.Roles) > 0, p+"roles", "must map at least one app role or group to a Custos role, or nobody can sign in")
	for _, k := range slices.Sorted(maps.Keys(e.Roles)) {
		v.oneOf(p+"roles."+k, e.Roles[k], ConsoleRoles...)
	}
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
