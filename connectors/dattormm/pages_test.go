package dattormm

import (
	"net/url"
	"strings"
	"testing"
)

func TestNextPage(t *testing.T) {
	cur, _ := url.Parse("https://merlot-api.centrastage.net/api/v2/activity-logs?entities=device%2Cuser&from=2026-10-01T00%3A00%3A00Z&order=asc&size=250&until=2026-11-01T00%3A00%3A00Z")
	tests := []struct {
		name    string
		next    string
		want    string // "" : no next page
		wantErr string
	}{
		{name: "last page", next: ""},
		{
			name: "dropped filters added back, page kept",
			next: "https://merlot-api.centrastage.net/api/v2/activity-logs?searchAfter=1793318400000,a7c4&page=next&size=250&until=2026-11-01T00:00:00Z",
			want: "https://merlot-api.centrastage.net/api/v2/activity-logs?entities=device%2Cuser&from=2026-10-01T00%3A00%3A00Z&order=asc&page=next&searchAfter=1793318400000%2Ca7c4&size=250&until=2026-11-01T00%3A00%3A00Z",
		},
		{
			name: "host compared case-insensitively",
			next: "https://MERLOT-API.centrastage.net/api/v2/activity-logs?searchAfter=1,b&page=next",
			want: "https://MERLOT-API.centrastage.net/api/v2/activity-logs?entities=device%2Cuser&from=2026-10-01T00%3A00%3A00Z&order=asc&page=next&searchAfter=1%2Cb&size=250&until=2026-11-01T00%3A00%3A00Z",
		},
		{
			name:    "another host",
			next:    "https://evil.example/api/v2/activity-logs?searchAfter=1,b&page=next&token=LEAKME",
			wantErr: "points to https://evil.example, not to the configured host https://merlot-api.centrastage.net",
		},
		{
			name:    "a downgrade to http",
			next:    "http://merlot-api.centrastage.net/api/v2/activity-logs?page=next",
			wantErr: "not to the configured host",
		},
		{
			name:    "another path",
			next:    "https://merlot-api.centrastage.net/api/v2/user/resetApiKeys?page=next",
			wantErr: "points to path /api/v2/user/resetApiKeys",
		},
		{name: "not a URL", next: "https://merlot-api.centrastage.net/%zz?token=LEAKME", wantErr: "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := nextPage(cur, tt.next)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "LEAKME") || strings.Contains(err.Error(), "searchAfter") {
					t.Errorf("error shows the query string: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("nextPage: %v", err)
			}
			got := ""
			if u != nil {
				got = u.String()
			}
			if got != tt.want {
				t.Errorf("next = %s\nwant   %s", got, tt.want)
			}
		})
	}
}

func TestDecodePage(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantItems int
		wantNext  string
		wantFail  string // the page's error member
		wantErr   string
	}{
		{name: "items and next", body: `{"pageDetails":{"count":2,"nextPageUrl":"https://h/x?page=1"},"sites":[{},{}]}`, wantItems: 2, wantNext: "https://h/x?page=1"},
		{name: "last page", body: `{"pageDetails":{"count":1,"nextPageUrl":null},"sites":[{}]}`, wantItems: 1},
		{name: "null items", body: `{"pageDetails":{},"sites":null}`},
		{name: "platform error", body: `{"pageDetails":{"count":0},"activities":[],"error":"Search backend unavailable"}`, wantFail: "Search backend unavailable"},
		{name: "platform error without items", body: `{"error":"timeout"}`, wantFail: "timeout"},
		{name: "null error", body: `{"pageDetails":{},"sites":[],"error":null}`},
		{name: "no items member", body: `{"pageDetails":{}}`, wantErr: `no "sites" member`},
		{name: "not JSON", body: `<html>`, wantErr: "decoding the page"},
		{name: "items not an array", body: `{"sites":{}}`, wantErr: "decoding sites"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "sites"
			if strings.Contains(tt.body, "activities") || strings.Contains(tt.body, `"timeout"`) {
				key = "activities"
			}
			p, err := decodePage([]byte(tt.body), key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodePage: %v", err)
			}
			if len(p.items) != tt.wantItems || p.next != tt.wantNext || p.err != tt.wantFail {
				t.Errorf("page = %d items, next %q, error %q; want %d, %q, %q", len(p.items), p.next, p.err, tt.wantItems, tt.wantNext, tt.wantFail)
			}
		})
	}
}
