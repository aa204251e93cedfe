package o365audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// retentionMargin keeps the oldest window a little inside the API's 7 days, so that a
// request sent a moment later is not refused as too old.
const retentionMargin = 10 * time.Minute

// retention is how far back the API lists content.
const retention = 7 * 24 * time.Hour

// AuditStream reads one content type of every customer tenant's audit log.
type AuditStream struct {
	c           *Connector
	contentType string
}

// Name implements connectors.Stream: the content type without "Audit.", in lower
// case, e.g. "exchange".
func (s *AuditStream) Name() string { return streamName(s.contentType) }

// streamName is the name of the stream that reads contentType.
func streamName(contentType string) string {
	return strings.ToLower(strings.TrimPrefix(contentType, "Audit."))
}

// Mode implements connectors.Stream.
func (s *AuditStream) Mode() connectors.Mode { return connectors.Incremental }

// Needs implements connectors.Stream.
func (s *AuditStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the customer tenants.
func (s *AuditStream) Scopes(ctx context.Context) ([]connectors.Scope, error) {
	scopes, err := s.c.tenants.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("o365audit: listing tenants: %w", err)
	}
	return scopes, nil
}

// auditCursor is a stream's position in one tenant: From is where the next pull
// starts listing (the end of the last window read in full, less the settle delay),
// and Seen holds the blobs already read since From (a short hash of each content id,
// with its contentCreated as Unix seconds), so that a window listed again only
// fetches the blobs published since.
type auditCursor struct {
	From time.Time        `json:"from"`
	Seen map[string]int64 `json:"seen,omitempty"`
}

func (c *auditCursor) encode() connectors.Cursor {
	if c.From.IsZero() {
		return ""
	}
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// blobKey is the short hash of a content id kept in the cursor.
func blobKey(contentID string) string {
	sum := sha256.Sum256([]byte(contentID))
	return hex.EncodeToString(sum[:8])
}

// advance moves From to t when that is later and forgets the blobs created before it,
// which no later listing names again.
func (c *auditCursor) advance(t time.Time) {
	if !t.After(c.From) {
		return
	}
	c.From = t
	for k, created := range c.Seen {
		if created < t.Unix() {
			delete(c.Seen, k)
		}
	}
}

// Pull implements connectors.Stream. It makes sure the subscription is started, then
// lists the content published from the cursor (the first time: now less the
// lookback; never earlier than the API's 7 days) until now in windows of at most
// cfg.Window, and reads each blob not read before: one sink page per blob, whose
// cursor keeps the window's start, so a pull that fails in a window reads that window
// again. When a window is read in full, the cursor moves to its end less the settle
// delay, so the next pull lists the recent windows again and finds content published
// late. A record whose Id the pull already handed over is not handed over again.
// Each window read in full is covered (content published in it), also when a later
// pull reads it again after the settle delay.
func (s *AuditStream) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	c := s.c
	tenant := scope.ID
	now := c.now().UTC().Truncate(time.Second)
	cur := auditCursor{}
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.From.IsZero() {
			sink.Warn(fmt.Errorf("o365audit: tenant %s %s: unreadable cursor, reading the lookback again", tenant, s.contentType))
			cur = auditCursor{}
		}
	}
	if cur.Seen == nil {
		cur.Seen = map[string]int64{}
	}
	start := cur.From
	if start.IsZero() {
		start = now.Add(-c.cfg.Lookback.Std())
	}
	if oldest := now.Add(-retention + retentionMargin); start.Before(oldest) {
		if !cur.From.IsZero() {
			sink.Warn(fmt.Errorf("o365audit: tenant %s %s: the last pull ended at %s, beyond the 7 days the API keeps; content published in between is lost",
				tenant, s.contentType, cur.From.Format(time.RFC3339)))
		}
		start = oldest
	}
	start = start.Truncate(time.Second)
	cur.From = start
	if err := c.ensureSubscription(ctx, tenant, s.contentType); err != nil {
		return from, fmt.Errorf("o365audit: tenant %s %s: %w", tenant, s.contentType, err)
	}
	window := c.cfg.Window.Std()
	if window <= 0 || window > 24*time.Hour {
		window = 24 * time.Hour
	}
	pull := &pullState{s: s, tenant: tenant, sink: sink, cur: &cur, emitted: map[string]bool{}}
	for ws := start; ws.Before(now); {
		we := ws.Add(window)
		if we.After(now) {
			we = now
		}
		if err := pull.window(ctx, ws, we); err != nil {
			return cur.encode(), err
		}
		cur.advance(we.Add(-c.cfg.SettleDelay.Std()))
		if err := sink.Page(ctx, nil, cur.encode()); err != nil {
			return cur.encode(), fmt.Errorf("o365audit: tenant %s %s: handing over the cursor: %w", tenant, s.contentType, err)
		}
		sink.Covered(ws, we)
		ws = we
	}
	c.log.Debug().Str("tenant", tenant).Str("content_type", s.contentType).Int("blobs", pull.blobs).
		Int("kept", pull.kept).Int("dropped", pull.dropped).Int("repeated", pull.repeated).Msg("audit content read")
	return cur.encode(), nil
}

// probeWindow is the stretch of content a probe lists.
const probeWindow = time.Hour

// errProbed stops a probe's listing at its first blob.
var errProbed = errors.New("probed")

// Probe implements connectors.Prober with what a pull does first: it makes sure the
// subscription is started (the service refuses it where auditing is off) and lists
// the last hour's content up to its first blob.
func (s *AuditStream) Probe(ctx context.Context, scope connectors.Scope) error {
	c := s.c
	err := c.ensureSubscription(ctx, scope.ID, s.contentType)
	if err == nil {
		end := c.now().UTC().Truncate(time.Second)
		err = c.listContent(ctx, scope.ID, s.contentType, end.Add(-probeWindow), end, func(blobRef) error { return errProbed })
	}
	if err != nil && !errors.Is(err, errProbed) {
		return fmt.Errorf("o365audit: probe %s for %s: %w", s.contentType, scope.ID, err)
	}
	return nil
}

// pullState is what one pull of one tenant carries from window to window.
type pullState struct {
	s       *AuditStream
	tenant  string
	sink    connectors.Sink
	cur     *auditCursor
	emitted map[string]bool
	// Counts for the debug log.
	blobs, kept, dropped, repeated int
}

// window reads the blobs listed for [ws, we) that the cursor has not seen.
func (p *pullState) window(ctx context.Context, ws, we time.Time) error {
	c, ct := p.s.c, p.s.contentType
	return c.listContent(ctx, p.tenant, ct, ws, we, func(ref blobRef) error {
		key := blobKey(ref.ContentID)
		if _, seen := p.cur.Seen[key]; seen {
			return nil
		}
		items, err := c.fetchBlob(ctx, p.tenant, ref)
		if errors.Is(err, errExpired) {
			p.sink.Warn(fmt.Errorf("o365audit: tenant %s %s: %w", p.tenant, ct, err))
			items, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("o365audit: tenant %s %s window %s–%s: %w", p.tenant, ct, ws.Format(time.RFC3339), we.Format(time.RFC3339), err)
		}
		p.blobs++
		records := p.records(items, "content blob "+ref.ContentID)
		p.cur.Seen[key] = ref.created(we).Unix()
		if err := p.sink.Page(ctx, records, p.cur.encode()); err != nil {
			return fmt.Errorf("o365audit: tenant %s %s blob %s: handing over records: %w", p.tenant, ct, ref.ContentID, err)
		}
		return nil
	})
}

// records keeps the partner technicians' records of a blob as access events, once
// per pull each. A record that does not decode is quarantined, whoever's it was:
// blob names where it came from.
func (p *pullState) records(items []json.RawMessage, blob string) []record.Record {
	c := p.s.c
	var out []record.Record
	for _, raw := range items {
		r, err := decodeRecord(raw)
		if err != nil {
			q := record.Quarantine(Name, record.QuarantinedAccessEvent, recordID(raw), raw, err)
			q.Page = blob
			out = append(out, q)
			continue
		}
		signal := c.partner.partnerSignal(r)
		if signal == "" {
			p.dropped++
			continue
		}
		if p.emitted[r.ID] {
			p.repeated++
			continue
		}
		e, err := accessEvent(p.tenant, p.s.contentType, signal, r, raw)
		if err != nil {
			q := record.Quarantine(Name, record.QuarantinedAccessEvent, r.ID, raw, err)
			q.Page = blob
			out = append(out, q)
			continue
		}
		p.emitted[r.ID] = true
		p.kept++
		out = append(out, e)
	}
	return out
}
