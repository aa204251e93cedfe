package dattormm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// devicesPath lists the account's devices; auditPath reads one device's audit.
const (
	devicesPath = "/api/v2/account/devices"
	auditPath   = "/api/v2/audit/device/"
)

// DevicesStream lists the account's devices as endpoints, each with its serial number
// from the device audit when the configuration asks for it (device_audit).
type DevicesStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *DevicesStream) Name() string { return "devices" }

// Mode implements connectors.Stream.
func (s *DevicesStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *DevicesStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *DevicesStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return accountScopes(), nil
}

// Pull implements connectors.Stream; each API page is one sink page, with one audit
// request per device of the page when device_audit is on.
func (s *DevicesStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return s.c.pullListing(ctx, from, sink, listing{path: devicesPath, key: "devices", what: "devices", record: s.c.toEndpoint})
}

// device is the part of a Device that Custos reads.
type device struct {
	ID              json.Number `json:"id"`
	UID             string      `json:"uid"`
	SiteID          json.Number `json:"siteId"`
	Hostname        string      `json:"hostname"`
	Domain          string      `json:"domain"`
	OperatingSystem string      `json:"operatingSystem"`
	DeviceClass     string      `json:"deviceClass"`
	DeviceType      struct {
		Category string `json:"category"`
	} `json:"deviceType"`
	LastSeen epoch `json:"lastSeen"`
}

// toEndpoint maps a device. Its SourceID is the numeric device id, which activity logs
// carry. The raw payload keeps everything but the user-defined fields (udf), which
// often hold secrets such as BitLocker keys.
func (c *Connector) toEndpoint(ctx context.Context, item json.RawMessage, sink connectors.Sink) (record.Record, error) {
	var d device
	if err := json.Unmarshal(item, &d); err != nil {
		return quarantine(record.QuarantinedEndpoint, "id", numericID, item, fmt.Errorf("decoding the device: %w", err)), nil
	}
	id, err := decimalID(d.ID)
	if err != nil || id == "" {
		return quarantine(record.QuarantinedEndpoint, "id", numericID, item, fmt.Errorf("device %q has no numeric id", d.Hostname)), nil
	}
	siteID, err := decimalID(d.SiteID)
	if err != nil {
		sink.Warn(fmt.Errorf("dattormm: device %s (%s): siteId: %w", id, d.Hostname, err))
	}
	raw, err := withoutUDFs(item)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", id, err)
	}
	e := &record.Endpoint{
		Source: Name, SourceID: id, CustomerRef: siteID, Hostname: d.Hostname, Domain: d.Domain,
		OS: d.OperatingSystem, TypeName: d.DeviceType.Category, LastSeenAt: d.LastSeen.ptr(), Raw: raw,
	}
	// Printers, ESXi hosts and network devices have audits of their own, without a
	// BIOS serial number.
	if c.cfg.DeviceAudit && (d.DeviceClass == "" || d.DeviceClass == "device") {
		serial, err := c.serial(ctx, d.UID)
		switch {
		case err != nil && stopsPull(ctx, err):
			return nil, fmt.Errorf("device %s (%s): %w", id, d.Hostname, err)
		case err != nil:
			sink.Warn(fmt.Errorf("dattormm: device %s (%s): serial number left empty: %w", id, d.Hostname, err))
		case serial == "":
			sink.Warn(fmt.Errorf("dattormm: device %s (%s): the audit has no bios.serialNumber; serial number left empty", id, d.Hostname))
		}
		e.Serial = serial
	}
	return e, nil
}

// withoutUDFs returns a device's payload without its udf member.
func withoutUDFs(item json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(item, &m); err != nil {
		return nil, fmt.Errorf("decoding the device: %w", err)
	}
	delete(m, "udf")
	return json.Marshal(m)
}

// serial reads the device's BIOS serial number from GET /api/v2/audit/device/{uid}.
func (c *Connector) serial(ctx context.Context, uid string) (string, error) {
	if uid == "" {
		return "", errors.New("the device has no uid to read its audit with")
	}
	body, err := c.get(ctx, c.endpoint(auditPath+url.PathEscape(uid), nil))
	if err != nil {
		return "", err
	}
	var audit struct {
		BIOS struct {
			SerialNumber string `json:"serialNumber"`
		} `json:"bios"`
	}
	if err := json.Unmarshal(body, &audit); err != nil {
		return "", fmt.Errorf("GET %s{uid}: decoding the audit: %w", auditPath, err)
	}
	return audit.BIOS.SerialNumber, nil
}

// stopsPull reports whether a failed audit request must end the pull rather than
// leave one serial number empty: when the pull was cancelled, throttled or refused,
// the next audit would fare no better.
func stopsPull(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	switch connectors.Classify(err) {
	case vocab.OutcomeThrottled, vocab.OutcomeAccessDenied:
		return true
	}
	return false
}
