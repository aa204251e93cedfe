package itglue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// ConfigurationsStream lists, for one customer organization, every configuration of
// the configured network types with the backups (attachments) on it.
type ConfigurationsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *ConfigurationsStream) Name() string { return "configurations" }

// Mode implements connectors.Stream.
func (s *ConfigurationsStream) Mode() connectors.Mode { return connectors.Snapshot }

// Emits implements connectors.Emitter.
func (s *ConfigurationsStream) Emits() []record.Record {
	return []record.Record{(*record.Configuration)(nil)}
}

// Needs implements connectors.Stream.
func (s *ConfigurationsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the customer organizations, as the
// organizations stream emits them.
// Listing the scopes starts a sync run of the stream, so the configuration types are
// read again (types get renamed) once, by the first pull of the run.
func (s *ConfigurationsStream) Scopes(ctx context.Context) ([]connectors.Scope, error) {
	s.c.types.reset()
	orgs, err := s.c.customerOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	scopes := make([]connectors.Scope, 0, len(orgs))
	for _, o := range orgs {
		scopes = append(scopes, connectors.Scope{ID: strconv.FormatInt(o.res.ID, 10), Name: o.attrs.Name})
	}
	return scopes, nil
}

// configCursor resumes a configurations pull at page Page of configuration type
// Type; types with a lower id were delivered already.
type configCursor struct {
	Type int64 `json:"type"`
	Page int   `json:"page"`
}

func (c configCursor) encode() connectors.Cursor {
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// Pull implements connectors.Stream. It resolves the configured network type names
// to ids, then lists the organization's configurations one type at a time in
// ascending type id order, one sink page per API page.
func (s *ConfigurationsStream) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	orgID, err := strconv.ParseInt(scope.ID, 10, 64)
	if err != nil || orgID <= 0 {
		return "", fmt.Errorf("itglue: configurations: scope %q is not an organization id", scope.ID)
	}
	var cur configCursor
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.Type <= 0 || cur.Page < 1 {
			sink.Warn(fmt.Errorf("itglue: configurations for organization %d: unreadable cursor %q, restarting the pull",
				orgID, excerpt([]byte(from))))
			cur = configCursor{}
		}
	}
	typeIDs, err := s.c.types.get(ctx, s.c.networkTypeIDs)
	if err != nil {
		return "", err
	}
	fallbackLogged := false
	for i, typeID := range typeIDs {
		start := 1
		switch {
		case typeID < cur.Type:
			continue
		case typeID == cur.Type:
			start = cur.Page
		}
		nextType := int64(0)
		if i+1 < len(typeIDs) {
			nextType = typeIDs[i+1]
		}
		what := fmt.Sprintf("configurations for organization %d type %d", orgID, typeID)
		q := url.Values{}
		q.Set("filter[organization_id]", strconv.FormatInt(orgID, 10))
		q.Set("filter[configuration_type_id]", strconv.FormatInt(typeID, 10))
		if !s.c.cfg.IncludeArchived {
			q.Set("filter[archived]", "false")
		}
		q.Set("include", "attachments")
		q.Set("sort", "id")
		q.Set("page[size]", strconv.Itoa(s.c.pageSize))
		err := walk(ctx, s.c, "/configurations", q, start, "configurations", what, func(doc *configDocument, page int) error {
			p := configPage{c: s.c, orgID: orgID, doc: doc, sink: sink, where: fmt.Sprintf("GET /configurations page %d (%s)", page, what)}
			records, err := p.records(ctx)
			if err != nil {
				return fmt.Errorf("itglue: list %s page %d: %w", what, page, err)
			}
			if p.fellBack && !fallbackLogged {
				fallbackLogged = true
				s.c.log.Warn().Int64("organization", orgID).Int64("configuration_type", typeID).Int("page", page).
					Msg("IT Glue returned configurations without attachments linkage although include=attachments was sent; listing attachments per configuration (one request each)")
			}
			var next connectors.Cursor
			switch {
			case doc.NextPage != 0:
				next = configCursor{Type: typeID, Page: doc.NextPage}.encode()
			case nextType != 0:
				next = configCursor{Type: nextType, Page: 1}.encode()
			}
			if err := sink.Page(ctx, records, next); err != nil {
				return fmt.Errorf("itglue: %s page %d: handing over records: %w", what, page, err)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return "", nil
}

// runTypes holds the network type ids of one sync run, so that the pulls of every
// organization share one listing of the configuration types instead of each reading
// it again. The daemon keeps the connector across runs; each run starts afresh.
type runTypes struct {
	mu  sync.Mutex
	ids []int64 // nil until read in this run
}

// reset starts a new run: the next get reads the types again.
func (r *runTypes) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = nil
}

// get returns this run's network type ids, reading them with read on first use;
// concurrent pulls wait for that one read. A failed read is not kept: the next
// pull tries again.
func (r *runTypes) get(ctx context.Context, read func(context.Context) ([]int64, error)) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids != nil {
		return r.ids, nil
	}
	ids, err := read(ctx)
	if err != nil {
		return nil, err
	}
	r.ids = ids
	return ids, nil
}

// networkTypeIDs resolves the configured network type names to configuration type
// ids, in ascending order, by listing every configuration type.
func (c *Connector) networkTypeIDs(ctx context.Context) ([]int64, error) {
	type typ struct {
		id   int64
		name string
	}
	var all []typ
	q := url.Values{}
	q.Set("sort", "id")
	q.Set("page[size]", strconv.Itoa(c.pageSize))
	err := walk(ctx, c, "/configuration_types", q, 1, "configuration-types", "configuration types",
		func(doc *document[configurationTypeAttributes, none], page int) error {
			for _, r := range doc.Data {
				attrs, err := r.attributes()
				if err != nil {
					return fmt.Errorf("itglue: list configuration types page %d: %w", page, err)
				}
				all = append(all, typ{r.ID, attrs.Name})
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	var ids []int64
	matched := map[string]bool{}
	for _, t := range all {
		name := strings.ToLower(strings.TrimSpace(t.name))
		for _, want := range c.cfg.NetworkTypes {
			if strings.ToLower(strings.TrimSpace(want)) == name {
				ids = append(ids, t.id)
				matched[name] = true
				break
			}
		}
	}
	if len(ids) == 0 {
		names := make([]string, 0, len(all))
		for _, t := range all {
			names = append(names, t.name)
		}
		sort.Strings(names)
		return nil, connectors.Misconfigured(fmt.Errorf(
			"itglue: configurations: none of the configured network types (network_types = %s) is a configuration type in IT Glue; available types: %s",
			quoteList(c.cfg.NetworkTypes, 0), quoteList(names, 40)))
	}
	for _, want := range c.cfg.NetworkTypes {
		if !matched[strings.ToLower(strings.TrimSpace(want))] {
			c.log.Warn().Str("network_type", want).Msg("configured network type matches no IT Glue configuration type")
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// quoteList formats names as a quoted, comma-separated list of at most limit names
// (0: all).
func quoteList(names []string, limit int) string {
	if len(names) == 0 {
		return "none"
	}
	shown := names
	if limit > 0 && len(shown) > limit {
		shown = shown[:limit]
	}
	q := make([]string, len(shown))
	for i, n := range shown {
		q[i] = strconv.Quote(n)
	}
	s := strings.Join(q, ", ")
	if len(shown) < len(names) {
		s += fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	return s
}

// configurationTypeAttributes are the attributes of a configuration-types resource
// that Custos uses.
type configurationTypeAttributes struct {
	Name string `json:"name"`
}

// configurationAttributes are the attributes of a configurations resource that
// Custos uses.
type configurationAttributes struct {
	OrganizationID        refID     `json:"organization-id"`
	Name                  string    `json:"name"`
	Hostname              string    `json:"hostname"`
	SerialNumber          string    `json:"serial-number"`
	ConfigurationTypeName string    `json:"configuration-type-name"`
	InstalledAt           timestamp `json:"installed-at"`
	Archived              *bool     `json:"archived"`
	CreatedAt             timestamp `json:"created-at"`
	UpdatedAt             timestamp `json:"updated-at"`
}

// attachmentAttributes are the attributes of an attachments resource. The download
// URL is deliberately not read.
type attachmentAttributes struct {
	FileName    string    `json:"attachment-file-name"`
	Name        string    `json:"name"`
	ContentType string    `json:"attachment-content-type"`
	FileSize    *int64    `json:"attachment-file-size"`
	CreatedAt   timestamp `json:"created-at"`
	UpdatedAt   timestamp `json:"updated-at"`
}

// configDocument is a page of configurations with their attachments included.
type configDocument = document[configurationAttributes, attachmentAttributes]

// configPage turns one page of configurations into records.
type configPage struct {
	c     *Connector
	orgID int64
	doc   *configDocument
	sink  connectors.Sink
	// where names the page in quarantined records.
	where    string
	fellBack bool
}

// records maps the page's configurations. One that does not decode, or whose
// attachments do not, is quarantined; only a failed request fails the page.
func (p *configPage) records(ctx context.Context) ([]record.Record, error) {
	out := make([]record.Record, 0, len(p.doc.Data)+len(p.doc.Bad))
	for _, b := range p.doc.Bad {
		out = append(out, b.quarantine(record.QuarantinedConfiguration, p.where))
	}
	for _, r := range p.doc.Data {
		quarantine := func(err error) {
			b := &badResource{ID: r.ID, Type: r.Type, Raw: r.Raw, Err: err}
			out = append(out, b.quarantine(record.QuarantinedConfiguration, p.where))
		}
		attrs, err := r.attributes()
		if err != nil {
			quarantine(err)
			continue
		}
		if int64(attrs.OrganizationID) != p.orgID {
			p.sink.Warn(fmt.Errorf("itglue: configuration %d belongs to organization %d, not %d as requested; skipped",
				r.ID, attrs.OrganizationID, p.orgID))
			continue
		}
		backups, err := p.backups(ctx, r)
		var bad *badResource
		if errors.As(err, &bad) {
			quarantine(err)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &record.Configuration{
			Source:          Name,
			SourceID:        strconv.FormatInt(r.ID, 10),
			CustomerRef:     strconv.FormatInt(int64(attrs.OrganizationID), 10),
			Name:            attrs.Name,
			Hostname:        attrs.Hostname,
			Serial:          attrs.SerialNumber,
			TypeName:        attrs.ConfigurationTypeName,
			InstalledAt:     attrs.InstalledAt.ptr(),
			Archived:        attrs.Archived != nil && *attrs.Archived,
			SourceCreatedAt: attrs.CreatedAt.Time,
			SourceUpdatedAt: attrs.UpdatedAt.Time,
			Backups:         backups,
			Raw:             append([]byte(nil), r.Raw...),
		})
	}
	return out, nil
}

// backups returns the attachments of configuration r: those its attachments linkage
// names in the document's included resources or, when IT Glue sent no linkage, those
// listed by GET /configurations/{id}/relationships/attachments.
func (p *configPage) backups(ctx context.Context, r resource[configurationAttributes]) ([]record.Backup, error) {
	var atts []resource[attachmentAttributes]
	if rel := r.Relationships["attachments"].Data; rel.Present {
		for _, id := range rel.IDs {
			if id.Type != "attachments" {
				continue
			}
			inc, ok := p.doc.Included[id]
			if !ok {
				return nil, p.missingAttachment(r.ID, id)
			}
			atts = append(atts, inc)
		}
	} else {
		p.fellBack = true
		q := url.Values{}
		q.Set("page[size]", strconv.Itoa(p.c.pageSize))
		what := fmt.Sprintf("attachments of configuration %d", r.ID)
		err := walk(ctx, p.c, "/configurations/"+strconv.FormatInt(r.ID, 10)+"/relationships/attachments", q, 1,
			"attachments", what, func(doc *document[attachmentAttributes, none], _ int) error {
				if len(doc.Bad) > 0 {
					return &badResource{Err: fmt.Errorf("configuration %d: attachment: %w", r.ID, doc.Bad[0])}
				}
				atts = append(atts, doc.Data...)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	backups := make([]record.Backup, 0, len(atts))
	for _, a := range atts {
		b, err := toBackup(a)
		if err != nil {
			return nil, &badResource{Err: fmt.Errorf("configuration %d: %w", r.ID, err)}
		}
		backups = append(backups, b)
	}
	sort.SliceStable(backups, func(i, j int) bool {
		if !backups[i].CreatedAt.Equal(backups[j].CreatedAt) {
			return backups[i].CreatedAt.Before(backups[j].CreatedAt)
		}
		return backups[i].SourceID < backups[j].SourceID
	})
	return backups, nil
}

// missingAttachment says why attachment id, which configuration cfg links, is not
// among the included resources: one that did not decode, or none.
func (p *configPage) missingAttachment(cfg int64, id identifier) *badResource {
	for _, b := range p.doc.BadIncluded {
		if b.ID == id.ID || b.ID == 0 {
			return &badResource{Err: fmt.Errorf("configuration %d links attachment %d, which does not decode: %w", cfg, id.ID, b)}
		}
	}
	return &badResource{Err: fmt.Errorf("configuration %d links attachment %d, which is not in included", cfg, id.ID)}
}

// toBackup maps an attachment to a backup. The backup keeps no raw payload: every
// field Custos needs is a column, and the attachment's payload carries its download
// URL, which may be a pre-signed link and must never be stored or logged.
func toBackup(a resource[attachmentAttributes]) (record.Backup, error) {
	attrs, err := a.attributes()
	if err != nil {
		return record.Backup{}, err
	}
	b := record.Backup{
		SourceID:    strconv.FormatInt(a.ID, 10),
		FileName:    attrs.FileName,
		Name:        attrs.Name,
		ContentType: attrs.ContentType,
		CreatedAt:   attrs.CreatedAt.Time,
		UpdatedAt:   attrs.UpdatedAt.Time,
	}
	if b.Name == "" {
		b.Name = b.FileName
	}
	if attrs.FileSize != nil {
		b.Size = *attrs.FileSize
	}
	if b.FileName == "" {
		return record.Backup{}, fmt.Errorf("attachment %d has no attachment-file-name", a.ID)
	}
	return b, nil
}
