package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestBuild_RefusesAMonthWithoutData(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	contoso := seed(t, st)
	newcomer := &store.Customer{Name: "Adatum", Key: "adatum"}
	create(t, st, newcomer)
	tests := []struct {
		name     string
		customer store.Customer
		month    report.Month
		now      time.Time
		want     string // "" when the report is built
	}{
		{"a month read", contoso, report.Month{Year: 2026, Month: time.October}, now, ""},
		{"the month before the first read", contoso, report.Month{Year: 2026, Month: time.August}, now,
			"Custos holds no data for Contoso Ltd before 19 September 2026 06:00 BST (its first read), so there is nothing to report for August 2026"},
		{"years before", contoso, report.Month{Year: 2020, Month: time.January}, now, "nothing to report for January 2020"},
		{"a month no pull read", contoso, report.Month{Year: 2027, Month: time.January}, now.AddDate(0, 3, 0),
			"Custos holds no data for Contoso Ltd in January 2027: no source read it in that month (its first read was 19 September 2026 06:00 BST)"},
		// The account-wide ScreenConnect pulls read every customer, Adatum too.
		{"a customer read with the account", *newcomer, report.Month{Year: 2026, Month: time.October}, now, ""},
		{"before the account was read", *newcomer, report.Month{Year: 2026, Month: time.August}, now,
			"Custos holds no data for Adatum before 19 September 2026 06:00 BST (its first read)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := options(report.VariantCustomer)
			opts.Now = tt.now
			r, err := report.Build(ctx, st, tt.customer, tt.month, opts)
			if tt.want == "" {
				if err != nil || r == nil {
					t.Fatalf("Build = %v, want a report", err)
				}
				return
			}
			if !errors.Is(err, report.ErrNoData) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build error = %v, want ErrNoData saying %q", err, tt.want)
			}
		})
	}
	empty := storetest.Open(t, "sqlite", nil)
	c := &store.Customer{Name: "Woodgrove Bank", Key: "woodgrove"}
	if err := storetest.DB(ctx, empty).Create(c).Error; err != nil {
		t.Fatal(err)
	}
	_, err := report.Build(ctx, empty, *c, report.Month{Year: 2026, Month: time.October}, options(report.VariantCustomer))
	if want := "Custos holds no data for Woodgrove Bank: no source has read it yet"; !errors.Is(err, report.ErrNoData) || !strings.Contains(err.Error(), want) {
		t.Errorf("Build of a store never synced = %v, want %q", err, want)
	}
}

// TestKeep_EveryRenderingANewFile keeps three renderings of each format, one of them
// after a stray file took its name, and checks the names, the permissions whatever
// the umask, the archive rows and that no file was replaced.
func TestKeep_EveryRenderingANewFile(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		contoso := seed(t, st)
		stray := filepath.Join(dir, "2026-10-contoso-ltd-r2.pdf")
		if err := os.WriteFile(stray, []byte("not ours"), 0o600); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			report.FormatHTML: {"2026-10-contoso-ltd-r1.html", "2026-10-contoso-ltd-r2.html", "2026-10-contoso-ltd-r3.html"},
			report.FormatPDF:  {"2026-10-contoso-ltd-r1.pdf", "2026-10-contoso-ltd-r3.pdf", "2026-10-contoso-ltd-r4.pdf"},
		}
		written := map[string][]byte{}
		for format, names := range want {
			for i, name := range names {
				r := octoberOf(t, st, contoso)
				f, a, err := report.Keep(ctx, st, contoso.ID, dir, r, format)
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(f.Path) != name || a.Path != f.Path || a.Rendering != f.Rendering || a.SHA256 != f.SHA256 || a.DocumentSHA256 != f.DocumentSHA256 {
					t.Errorf("rendering %d of %s: file %+v, archived %+v; want %s", i+1, format, f, a, name)
				}
				info, err := os.Stat(f.Path)
				if err != nil || info.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %v, %v; want 0640 with umask 0", name, info.Mode().Perm(), err)
				}
				data, _ := os.ReadFile(f.Path)
				printed, ok := report.DocumentHash(data)
				if printed != f.DocumentSHA256 || !ok {
					t.Errorf("%s prints document hash %s (self-consistent %v), want %s", name, printed, ok, f.DocumentSHA256)
				}
				// The PDF's text is not in its bytes as such: TestRenderPDF_ParsesWithPagesAndText reads its footer.
				if format == report.FormatHTML && !bytes.Contains(data, []byte(fmt.Sprintf("rendering r%d", f.Rendering))) {
					t.Errorf("%s does not print its rendering number %d", name, f.Rendering)
				}
				written[f.Path] = data
			}
		}
		for path, data := range written {
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Errorf("%s was replaced", path)
			}
		}
		if got, _ := os.ReadFile(stray); string(got) != "not ours" {
			t.Errorf("the stray file was replaced: %q", got)
		}
		archived, err := st.ReportArchives(ctx, contoso.ID)
		if err != nil || len(archived) != 6 {
			t.Errorf("%d renderings archived (%v), want 6", len(archived), err)
		}
	})
}

// TestVerify_IntactAlteredUnknown verifies a kept rendering of each format as
// written, with one byte changed, and a file the archive does not know.
func TestVerify_IntactAlteredUnknown(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	contoso := seed(t, st)
	for _, format := range []string{report.FormatHTML, report.FormatPDF} {
		f, _, err := report.Keep(ctx, st, contoso.ID, t.TempDir(), octoberOf(t, st, contoso), format)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name                  string
			data                  []byte
			known, intact, selfOK bool
		}{
			{"as written", data, true, true, true},
			{"one byte changed", flipByte(data, f.DocumentSHA256), true, false, false},
			{"printed hash changed", bytes.ReplaceAll(data, []byte(f.DocumentSHA256), []byte(strings.Repeat("1", 64))), false, false, false},
			{"another file", []byte("%PDF-1.4 something else"), false, false, false},
		}
		for _, tt := range tests {
			v, err := report.Verify(ctx, st, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if v.Known() != tt.known || v.Intact != tt.intact || v.SelfConsistent != tt.selfOK {
				t.Errorf("%s, %s: known %v, intact %v, self-consistent %v; want %v, %v, %v", format, tt.name, v.Known(), v.Intact, v.SelfConsistent, tt.known, tt.intact, tt.selfOK)
			}
			if tt.known && (v.Customer != "Contoso Ltd" || v.Archive.Month != "2026-10" || v.Archive.Rendering != 1 || v.Archive.Format != format) {
				t.Errorf("%s, %s: identified as %s %+v, want Contoso Ltd's October rendering r1", format, tt.name, v.Customer, v.Archive)
			}
		}
	}
}

// octoberOf builds the customer's report of the fixed month.
func octoberOf(t *testing.T, st *store.Store, c store.Customer) *report.Report {
	t.Helper()
	r, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: time.October}, options(report.VariantCustomer))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// flipByte returns a copy of data with one byte in its middle changed, outside every
// occurrence of the printed hash.
func flipByte(data []byte, printed string) []byte {
	out := bytes.Clone(data)
	i := len(out) / 2
	for {
		j := bytes.Index(out[max(0, i-len(printed)):], []byte(printed))
		if j < 0 || max(0, i-len(printed))+j > i {
			break
		}
		i += len(printed)
	}
	out[i] ^= 0x01
	return out
}
