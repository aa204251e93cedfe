package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/custos-msp/custos/duration"
)

// validateM365 checks [connectors.m365].
func (c *Config) validateM365(v *validator, m M365) {
	const p = "connectors.m365."
	v.check(guidPattern.MatchString(m.PartnerTenantID), p+"partner_tenant_id",
		fmt.Sprintf("%q is not a tenant id (a GUID, shown in the Entra admin center under Overview)", m.PartnerTenantID))
	v.check(guidPattern.MatchString(m.ClientID), p+"client_id",
		fmt.Sprintf("%q is not an application (client) id (a GUID)", m.ClientID))
	v.check(m.ClientSecret.IsZero() != (m.CertificateFile == ""), p+"client_secret",
		`set exactly one of client_secret (e.g. { env = "M365_CLIENT_SECRET" }) and certificate_file`)
	if m.CertificateFile != "" && m.ClientSecret.IsZero() {
		_, err := os.ReadFile(c.Resolve(m.CertificateFile))
		v.check(err == nil, p+"certificate_file", fmt.Sprintf("%q cannot be read", m.CertificateFile))
	}
	v.url(p+"authority_host", m.AuthorityHost)
	v.url(p+"graph_url", m.GraphURL)
	for id := range m.Tenants {
		v.check(guidPattern.MatchString(id), p+"tenants."+id, "is not a tenant id (a GUID)")
	}
	for i, d := range m.PartnerDomains {
		v.check(strings.Contains(d, ".") && !strings.ContainsAny(d, "@ "), fmt.Sprintf("%spartner_domains[%d]", p, i),
			fmt.Sprintf("%q is not a domain name such as msp.onmicrosoft.com", d))
	}
	if m.Mailbox != "" {
		v.check(strings.Count(m.Mailbox, "@") == 1, p+"mailbox", fmt.Sprintf("%q is not a user principal name such as rmm-reports@msp.example", m.Mailbox))
		v.check(strings.TrimSpace(m.SubjectPrefix) != "", p+"subject_prefix", "must not be empty when mailbox is set")
	}
	v.check(m.Lookback > 0 && m.Lookback <= duration.Duration(30*24*time.Hour), p+"lookback",
		"must be between 1s and 30d (Entra keeps sign-ins and audits 30 days at most)")
	v.check(m.Overlap >= 0 && m.Overlap < m.Lookback, p+"overlap", "must not be negative and must be less than lookback")
	v.check(m.ReportsPerTenant > 0 && m.ReportsPerTenant <= 0.5, p+"reports_requests_per_second_per_tenant",
		"must be positive and not exceed 0.5 (Graph allows 5 identity report requests per 10 s per tenant)")
	v.check(m.ReportsAllTenants > 0 && m.ReportsAllTenants <= 12.2, p+"reports_requests_per_second",
		"must be positive and not exceed 12.2 (Graph allows 122 identity report requests per 10 s across all tenants)")
	v.http("connectors.m365", m.HTTP)
}
