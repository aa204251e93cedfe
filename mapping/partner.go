package mapping

import (
	"encoding/hex"
	"slices"
	"strings"
)

// exchangeHosted is the part of an Exchange object path that precedes the
// organisation: …/Microsoft Exchange Hosted Organizations/<domain>/<user>.
const exchangeHosted = "/microsoft exchange hosted organizations/"

// PartnerNames returns the other names that a partner technician's identity in a
// customer's Microsoft 365 audit log designates, so that every form of one person
// reaches the same technician through its aliases and e-mail address:
//
//   - user_<32 hex digits>@domain, Exchange's name for a partner user: the user's
//     object id in the partner tenant, as a GUID (a technician's alias);
//   - domain\user and …/Microsoft Exchange Hosted Organizations/domain/user: user@domain,
//     and the bare user when domain is a partner domain;
//   - user@domain in a partner domain (e.g. the UPN in the partner tenant,
//     alice@msp.onmicrosoft.com): user@ each other partner domain, so that it meets
//     the technician's address alice@msp.example.
//
// Names are in lower case; ref itself is not among them.
func PartnerNames(ref string, partnerDomains []string) []string {
	ref = strings.ToLower(strings.TrimSpace(ref))
	user, domain := splitPartnerForm(ref)
	if user == "" || domain == "" {
		return nil
	}
	var out []string
	add := func(n string) {
		if n != "" && n != ref && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if id, ok := objectID(user); ok {
		add(id)
	}
	add(user + "@" + domain)
	isPartner := func(d string) bool {
		return slices.ContainsFunc(partnerDomains, func(p string) bool { return strings.EqualFold(strings.TrimSpace(p), d) })
	}
	if isPartner(domain) {
		if !strings.HasPrefix(user, "user_") {
			add(user)
		}
		for _, d := range partnerDomains {
			if d = strings.ToLower(strings.TrimSpace(d)); d != "" && d != domain {
				add(user + "@" + d)
			}
		}
	}
	return out
}

// splitPartnerForm returns the user and domain of user@domain, domain\user or an
// Exchange hosted-organisation path; both empty for any other name.
func splitPartnerForm(ref string) (user, domain string) {
	switch {
	case strings.Contains(ref, exchangeHosted):
		_, rest, _ := strings.Cut(ref, exchangeHosted)
		domain, user, _ = strings.Cut(rest, "/")
	case strings.Contains(ref, `\`):
		domain, user, _ = strings.Cut(ref, `\`)
	case strings.Contains(ref, "@"):
		i := strings.LastIndex(ref, "@")
		user, domain = ref[:i], ref[i+1:]
	}
	if strings.ContainsAny(user, `\/@ `) || strings.ContainsAny(domain, `\/@ `) {
		return "", ""
	}
	return user, domain
}

// objectID reads user_<32 hex digits> as an object id in GUID form.
func objectID(user string) (string, bool) {
	h, ok := strings.CutPrefix(user, "user_")
	if !ok || len(h) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", false
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], true
}
