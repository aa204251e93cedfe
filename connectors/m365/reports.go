package m365

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// reports reads the monthly RMM report mails of the configured mailbox. It keeps
// no body: the subject's company, the month, and each attachment's name, size and
// SHA-256.
type reports struct{ c *Connector }

func (s *reports) Name() string          { return record.StreamRMMReports }
func (s *reports) Mode() connectors.Mode { return connectors.Incremental }

// Needs lists the permission in the mailbox's tenant.
func (s *reports) Needs() []string {
	return []string{
		"Graph application permission Mail.Read (partner tenant), limited to the report mailbox by an Exchange RBAC for Applications scope or an application access policy",
	}
}

func (s *reports) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{{ID: strings.ToLower(s.c.cfg.Mailbox), Name: s.c.cfg.Mailbox}}, nil
}

// Pull reads the inbox's messages received in the window.
func (s *reports) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	w, err := s.c.window(from)
	if err != nil {
		return from, err
	}
	g, err := s.c.client(s.c.cfg.PartnerTenantID)
	if err != nil {
		return from, err
	}
	box := url.PathEscape(scope.ID)
	link := g.v1("users/" + box + "/mailFolders/inbox/messages?" + query(
		"$filter", w.filter("receivedDateTime"),
		"$select", "id,subject,receivedDateTime,internetMessageId,hasAttachments",
		"$top", "50"))
	fetch := func(ctx context.Context, link string) ([]record.Record, string, error) {
		res, err := g.get(ctx, link, models.CreateMessageCollectionResponseFromDiscriminatorValue)
		if err != nil {
			return nil, "", err
		}
		page := res.(models.MessageCollectionResponseable)
		var recs []record.Record
		for _, m := range page.GetValue() {
			r, err := s.receipt(ctx, g, box, m)
			if err != nil {
				return nil, "", err
			}
			if r != nil {
				recs = append(recs, r)
			}
		}
		return recs, nextLink(page), nil
	}
	return pullWindow(ctx, w, link, "list report mails of "+scope.ID, s.c.pager(s.Name(), scope), fetch, sink)
}

// receipt returns the receipt of a report mail, nil for any other mail.
func (s *reports) receipt(ctx context.Context, g *graphClient, box string, m models.Messageable) (*record.ReportReceipt, error) {
	company, ok := strings.CutPrefix(strings.TrimSpace(str(m.GetSubject())), s.c.cfg.SubjectPrefix)
	company = strings.TrimSpace(company)
	received := utc(m.GetReceivedDateTime())
	if !ok || company == "" || received == nil {
		return nil, nil
	}
	id := str(m.GetId())
	r := &record.ReportReceipt{
		Source: Name, SourceID: str(m.GetInternetMessageId()), MessageID: id, CustomerRef: company,
		// A scheduled report arrives early in the month after the one it covers.
		Month:   monthOf(*received),
		Subject: str(m.GetSubject()), ReceivedAt: *received,
	}
	if r.SourceID == "" {
		r.SourceID = id
	}
	if m.GetHasAttachments() == nil || !*m.GetHasAttachments() {
		return r, nil
	}
	link := g.v1("users/" + box + "/messages/" + url.PathEscape(id) + "/attachments")
	pages := connectors.NewPager(Name, "attachments of message "+r.SourceID, connectors.Scope{ID: box}, g.maxPages)
	for link != "" {
		if err := pages.Next(link); err != nil {
			return nil, err
		}
		res, err := g.get(ctx, link, models.CreateAttachmentCollectionResponseFromDiscriminatorValue)
		if err != nil {
			return nil, fmt.Errorf("attachments of message %s: %w", r.SourceID, err)
		}
		page := res.(models.AttachmentCollectionResponseable)
		for _, a := range page.GetValue() {
			f, ok := a.(models.FileAttachmentable)
			if !ok || (a.GetIsInline() != nil && *a.GetIsInline()) {
				continue
			}
			sum := sha256.Sum256(f.GetContentBytes())
			att := record.ReportAttachment{Name: str(a.GetName()), SHA256: hex.EncodeToString(sum[:])}
			if sz := a.GetSize(); sz != nil {
				att.Size = int64(*sz)
			}
			r.Attachments = append(r.Attachments, att)
		}
		link = nextLink(page)
	}
	return r, nil
}

// monthOf is the month a report received at t covers: the month before t's.
func monthOf(t time.Time) string { return t.AddDate(0, 0, -t.Day()).Format("2006-01") }
