package o365audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/record"
)

// creationLayouts are the layouts CreationTime comes in: UTC without a zone suffix,
// sometimes with a fraction or a Z.
var creationLayouts = []string{"2006-01-02T15:04:05.9999999", time.RFC3339Nano}

// userTypePartner is UserType 9, PartnerTechnician.
const userTypePartner = 9

// auditRecord holds the fields of a unified audit log record that Custos reads; the
// whole record is kept as the event's raw payload.
type auditRecord struct {
	ID                   string        `json:"Id"`
	RecordType           number        `json:"RecordType"`
	CreationTime         string        `json:"CreationTime"`
	Operation            string        `json:"Operation"`
	OrganizationID       string        `json:"OrganizationId"`
	UserType             userType      `json:"UserType"`
	UserID               string        `json:"UserId"`
	Workload             string        `json:"Workload"`
	ResultStatus         string        `json:"ResultStatus"`
	ObjectID             string        `json:"ObjectId"`
	ClientIP             string        `json:"ClientIP"`
	ActorContextID       string        `json:"ActorContextId"`
	ActorIPAddress       string        `json:"ActorIpAddress"`
	TokenTenantID        string        `json:"TokenTenantId"`
	ExternalUserTenantID string        `json:"ExternalUserTenantId"`
	LogonType            number        `json:"LogonType"`
	MailboxOwnerUPN      string        `json:"MailboxOwnerUPN"`
	ClientIPAddress      string        `json:"ClientIPAddress"`
	LogonUserDisplayName string        `json:"LogonUserDisplayName"`
	OperationCount       number        `json:"OperationCount"`
	ModifiedObjectName   string        `json:"ModifiedObjectResolvedName"`
	Target               []targetEntry `json:"Target"`
}

// userType is UserType: a number on the Management API, a name ("PartnerTechnician")
// in the Graph audit log query's copy of the record.
type userType struct {
	n   int
	set bool
}

// userTypeNames are UserType's member names, by value.
var userTypeNames = []string{"regular", "reserved", "admin", "dcadmin", "system", "application",
	"serviceprincipal", "custompolicy", "systempolicy", "partnertechnician", "guest"}

// UnmarshalJSON implements json.Unmarshaler.
func (u *userType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var s string
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		*u = userType{n: n, set: true}
		return nil
	}
	if i := slices.Index(userTypeNames, strings.ToLower(strings.TrimSpace(s))); i >= 0 {
		*u = userType{n: i, set: true}
	}
	return nil
}

// creation parses CreationTime (UTC).
func (r *auditRecord) creation() (time.Time, error) {
	for _, l := range creationLayouts {
		if t, err := time.Parse(l, r.CreationTime); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("record %s: CreationTime %q is not a time", r.ID, r.CreationTime)
}

// partnerSignal says why the record's actor is a partner technician, or "" when it
// is not: UserType 9, the actor's organisation (ActorContextId), the tenant of the
// actor's token (TokenTenantId, ExternalUserTenantId) being the partner tenant, or a
// user id in one of the partner's domains. Records of the partner's own tenant and
// Microsoft's service accounts are never partner work.
func (p Partner) partnerSignal(r *auditRecord) string {
	if r.UserType.set && r.UserType.n == userTypePartner {
		return "user_type"
	}
	if p.TenantID == "" || strings.EqualFold(r.OrganizationID, p.TenantID) || serviceAccount(r.UserID) {
		return ""
	}
	switch {
	case strings.EqualFold(r.ActorContextID, p.TenantID):
		return "actor_context_id"
	case strings.EqualFold(r.TokenTenantID, p.TenantID):
		return "token_tenant_id"
	case strings.EqualFold(r.ExternalUserTenantID, p.TenantID):
		return "external_user_tenant_id"
	case p.ownsUser(r.UserID):
		return "user_domain"
	}
	return ""
}

// serviceAccount reports whether id is one of Microsoft's service accounts, such as
// NT AUTHORITY\SYSTEM (Microsoft.Exchange.Servicehost) or app@sharepoint.
func serviceAccount(id string) bool {
	l := strings.ToLower(id)
	return strings.HasPrefix(l, `nt authority\`) || strings.HasSuffix(l, "@sharepoint") || l == "sharepoint\\system"
}

// ownsUser reports whether the user id is in a partner domain: user@domain,
// user_<hex>@domain, domain\user, or an Exchange path naming the domain as its
// organisation (…/Microsoft Exchange Hosted Organizations/domain/user).
func (p Partner) ownsUser(id string) bool {
	id = strings.ToLower(strings.TrimSpace(id))
	var domain string
	switch {
	case strings.Contains(id, "/microsoft exchange hosted organizations/"):
		parts := strings.Split(id, "/")
		if len(parts) >= 2 {
			domain = parts[len(parts)-2]
		}
	case strings.Contains(id, `\`):
		domain, _, _ = strings.Cut(id, `\`)
	case strings.Contains(id, "@"):
		domain = id[strings.LastIndex(id, "@")+1:]
	}
	if domain == "" {
		return false
	}
	return slices.ContainsFunc(p.Domains, func(d string) bool { return strings.EqualFold(strings.TrimSpace(d), domain) }) ||
		strings.EqualFold(domain, p.TenantID)
}

// mailboxOperations are the Exchange mailbox audit actions: access to a mailbox's
// content rather than administration.
var mailboxOperations = []string{
	"addfolderpermissions", "applyrecord", "copy", "create", "folderbind", "harddelete",
	"mailboxlogin", "mailitemsaccessed", "messagebind", "modifyfolderpermissions", "move",
	"movetodeleteditems", "recorddelete", "removefolderpermissions", "searchqueryinitiatedexchange",
	"send", "sendas", "sendonbehalf", "softdelete", "update", "updatecalendardelegation",
	"updatefolderpermissions", "updateinboxrules",
}

// mailboxRecordTypes are ExchangeItem (2), ExchangeItemGroup (3) and
// ExchangeItemAggregated (50).
var mailboxRecordTypes = []int64{2, 3, 50}

// removalOperations delete an account, a mailbox, a group, a device, an application,
// mail or files; compared without case and without a trailing full stop.
var removalOperations = []string{
	// Exchange cmdlets.
	"remove-mailbox", "disable-mailbox", "remove-mailuser", "remove-mailcontact",
	"remove-distributiongroup", "remove-unifiedgroup", "remove-mailboxfolder",
	// Mailbox items.
	"harddelete", "softdelete",
	// SharePoint and OneDrive.
	"filedeleted", "filedeletedfirststagerecyclebin", "filedeletedsecondstagerecyclebin",
	"folderdeleted", "folderdeletedfirststagerecyclebin", "folderdeletedsecondstagerecyclebin",
	"filerecycled", "folderrecycled", "sitedeleted", "sitecollectiondeleted",
}

// removalPrefixes start the Azure AD operations that delete an object: "Delete user.",
// "Hard Delete user.", "Delete group.", "Delete device.", "Delete application.".
var removalPrefixes = []string{"delete ", "hard delete "}

// operationKey is op without case and without a trailing full stop.
func operationKey(op string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(op), "."))
}

// isMailbox reports whether the record is access to a mailbox.
func (r *auditRecord) isMailbox() bool {
	return (r.RecordType.set && slices.Contains(mailboxRecordTypes, r.RecordType.n)) ||
		(strings.EqualFold(r.Workload, "Exchange") && slices.Contains(mailboxOperations, operationKey(r.Operation)))
}

// isRemoval reports whether the record deletes something.
func (r *auditRecord) isRemoval() bool {
	op := operationKey(r.Operation)
	if slices.Contains(removalOperations, op) {
		return true
	}
	return slices.ContainsFunc(removalPrefixes, func(p string) bool { return strings.HasPrefix(op, p) })
}

// sourceIP is the actor's address without a port, from the first field that has one.
func (r *auditRecord) sourceIP() string {
	for _, v := range []string{r.ClientIP, r.ActorIPAddress, r.ClientIPAddress} {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if host, _, err := net.SplitHostPort(v); err == nil {
			return host
		}
		return strings.Trim(v, "[]")
	}
	return ""
}

// target names what the action was on: the mailbox owner, the modified object, the
// object id unless it is a placeholder, or the Target entry that names it best.
func (r *auditRecord) target() string {
	for _, v := range []string{r.MailboxOwnerUPN, r.ModifiedObjectName, r.objectID()} {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return bestTarget(r.Target)
}

// accessEvent maps a partner technician's record onto an access event of tenant.
func accessEvent(tenant, contentType, signal string, r *auditRecord, raw []byte) (*record.AccessEvent, error) {
	at, err := r.creation()
	if err != nil {
		return nil, err
	}
	kind := record.KindM365Admin
	if r.isMailbox() {
		kind = record.KindM365Mailbox
	}
	action := strings.TrimSuffix(strings.TrimSpace(r.Operation), ".")
	detail := r.Workload + ": " + action
	if t := r.target(); t != "" {
		detail += " on " + t
	}
	attrs := map[string]string{
		"content_type":   contentType,
		"workload":       r.Workload,
		"record_type":    r.RecordType.String(),
		"partner_signal": signal,
	}
	if r.UserType.set {
		attrs["user_type"] = strconv.Itoa(r.UserType.n)
	}
	for k, v := range map[string]string{
		"result_status": r.ResultStatus, "actor_context_id": r.ActorContextID, "object_id": r.objectID(),
		"mailbox_owner": r.MailboxOwnerUPN, "token_tenant_id": r.TokenTenantID,
	} {
		if v != "" {
			attrs[k] = v
		}
	}
	if r.LogonType.set {
		attrs["logon_type"] = r.LogonType.String()
	}
	if r.OperationCount.set {
		attrs["operation_count"] = r.OperationCount.String()
	}
	return &record.AccessEvent{
		Source:      Name,
		SourceID:    r.ID,
		Kind:        kind,
		Action:      action,
		StartedAt:   at,
		CustomerRef: strings.ToLower(tenant),
		ActorRef:    r.UserID,
		ActorName:   r.LogonUserDisplayName,
		Removal:     r.isRemoval(),
		SourceIP:    r.sourceIP(),
		Detail:      detail,
		Attributes:  attrs,
		Raw:         raw,
	}, nil
}
