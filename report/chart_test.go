package report

import (
	"strings"
	"testing"
	"time"
)

// TestCharts_OnlyWhatHasSomethingToShow: no chart for a month without accesses or a
// customer without network devices; each when there is one.
func TestCharts_OnlyWhatHasSomethingToShow(t *testing.T) {
	device := Backups{Rows: []DeviceBackup{{Status: BackupCurrent}}}
	tests := []struct {
		name     string
		accesses int
		backups  Backups
		want     []string
	}{
		{"nothing", 0, Backups{}, nil},
		{"accesses only", 3, Backups{}, []string{"accesses"}},
		{"devices only", 0, device, []string{"backups"}},
		{"both", 1, device, []string{"accesses", "backups"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Summary: Summary{Accesses: tt.accesses}, Backups: tt.backups,
				Days: []Day{{Date: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Other: tt.accesses}}}
			got, err := charts(r)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.name)
			}
			if len(names) != len(tt.want) {
				t.Fatalf("charts = %v, want %v", names, tt.want)
			}
			for i := range names {
				if names[i] != tt.want[i] {
					t.Errorf("charts = %v, want %v", names, tt.want)
				}
			}
		})
	}
}

// TestFitColumns: a column is widened to its longest word, taking the width from
// columns with room to spare; a word longer than maxWordShare is left to break; when
// the words cannot all fit, the shortest are kept whole and the longest break.
func TestFitColumns(t *testing.T) {
	chars := func(s string, bold bool) float64 {
		if bold {
			return float64(len(s)) + 1
		}
		return float64(len(s))
	}
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		widths []float64
		want   []float64
	}{
		{"shares fit", []string{"a", "b"}, [][]string{{"xx", "yy"}}, []float64{.5, .5}, []float64{50, 50}},
		{"a header word widened", []string{"Severity", "Finding"}, [][]string{{"high", "some long text that wraps"}}, []float64{.05, .95}, []float64{9, 91}},
		{"a cell word widened from the columns with room", []string{"#", "Rule", "Text"},
			[][]string{{"1", "ACCESS-UNAUTHORISED", "a b c"}}, []float64{.1, .1, .8}, []float64{10 - 8*9.0/83, 19, 80 - 75*9.0/83}}, // 9 more for the rule, from 8 + 75 to spare
		{"a very long word breaks", []string{"a", "b"}, [][]string{{"x", "https://" + string(make([]byte, 80))}}, []float64{.1, .9}, []float64{10, 90}},
		// Needs 3, 29 and 31 (bold) in 40: the short word fits, the long ones share the rest.
		{"words that cannot all fit", []string{"ab", "bbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccc"},
			nil, []float64{.25, .25, .5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 100.0
			if tt.want == nil {
				total = 40
			}
			got := fitColumns(tt.header, tt.rows, tt.widths, total, chars)
			if tt.want == nil {
				if got[0] < 3 || got[1] > 29 || got[2] > 31 || got[1] < 10 {
					t.Errorf("columns = %v, want the first at least 3 and the others sharing the rest", got)
				}
				return
			}
			sum := 0.0
			for i := range got {
				sum += got[i]
				if diff := got[i] - tt.want[i]; diff > 1e-9 || diff < -1e-9 {
					t.Errorf("column %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
			if sum < total-1e-9 || sum > total+1e-9 {
				t.Errorf("columns add up to %v, want %v", sum, total)
			}
		})
	}
}

// TestSourceLines: one sentence per source from its streams' coverage.
func TestSourceLines(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	from, until := day(1), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	complete := func(source, stream string) StreamCoverage {
		return StreamCoverage{Connector: source, Stream: stream, Status: CoverageComplete}
	}
	gap := func(source, stream string, spans ...Span) StreamCoverage {
		return StreamCoverage{Connector: source, Stream: stream, Status: CoverageGaps, Gaps: spans}
	}
	none := func(source, stream string) StreamCoverage {
		return StreamCoverage{Connector: source, Stream: stream, Status: CoverageNoData}
	}
	tests := []struct {
		name    string
		streams []StreamCoverage
		partial bool
		want    string
	}{
		{"read whole", []StreamCoverage{complete("itglue", "organizations"), complete("itglue", "configurations")}, false, "IT Glue: read for the whole month"},
		{"read so far", []StreamCoverage{complete("autotask", "tickets")}, true, "Autotask: read for the month so far"},
		{"gaps of two streams joined", []StreamCoverage{
			gap("screenconnect", "sessions", Span{day(3), day(5)}), gap("screenconnect", "events", Span{day(4), day(6)}, Span{day(20), day(21)}),
		}, false, "ScreenConnect: no data 3–5 December, 20 December"},
		{"one stream unread", []StreamCoverage{complete("m365", "signins"), none("m365", "directoryaudits")}, false, "Microsoft 365: partly read: directoryaudits not read this month"},
		{"nothing read", []StreamCoverage{none("dattormm", "activity")}, false, "Datto RMM: not read this month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sourceLines(tt.streams, from, until, tt.partial)
			if len(got) != 1 || !strings.HasPrefix(got[0].Source+": "+got[0].Said, tt.want) {
				t.Errorf("lines = %+v, want one starting %q", got, tt.want)
			}
		})
	}
}

// TestBrandColour: the MSP's colour is used when written #RRGGBB, the default otherwise.
func TestBrandColour(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want [3]int
	}{
		{"#AA3300", [3]int{0xaa, 0x33, 0x00}},
		{"", [3]int{0x1f, 0x4e, 0x79}},
		{"navy", [3]int{0x1f, 0x4e, 0x79}},
		{"#12345", [3]int{0x1f, 0x4e, 0x79}},
	} {
		if got := rgb(tt.in); got != tt.want {
			t.Errorf("rgb(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	var html strings.Builder
	r := &Report{Colour: brandColour("#AA3300"), Variant: VariantCustomer}
	if err := RenderHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "h1 { font-size: 26px; margin: 0; color: #aa3300; }") {
		t.Error("the HTML's title is not in the MSP's colour")
	}
}
