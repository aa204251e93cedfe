package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// pageFixture stores two customers and findings f1…f6 (fingerprint = summary),
// first seen an hour apart from t0 in that order:
//
//	f1 acme   R1 low      open           tech 7
//	f2 acme   R1 critical open
//	f3 bravo  R2 high     acknowledged   tech 7
//	f4 bravo  R1 high     open
//	f5 (none) R2 medium   resolved
//	f6 acme   R2 critical open           last seen latest
func pageFixture(t *testing.T, st *store.Store) (acme, bravo uint) {
	t.Helper()
	customers := []store.Customer{{Name: "Acme Ltd", Key: "acme"}, {Name: "Bravo plc", Key: "bravo"}}
	if err := storetest.DB(ctx, st).Create(&customers).Error; err != nil {
		t.Fatal(err)
	}
	acme, bravo = customers[0].ID, customers[1].ID
	tech := uint(7)
	rows := []struct {
		customer *uint
		rule     string
		severity vocab.Severity
		status   string
		tech     *uint
	}{
		{&acme, "R1", vocab.Low, store.StatusOpen, &tech},
		{&acme, "R1", vocab.Critical, store.StatusOpen, nil},
		{&bravo, "R2", vocab.High, store.StatusAcknowledged, &tech},
		{&bravo, "R1", vocab.High, store.StatusOpen, nil},
		{nil, "R2", vocab.Medium, store.StatusResolved, nil},
		{&acme, "R2", vocab.Critical, store.StatusOpen, nil},
	}
	var fs []store.Finding
	for i, r := range rows {
		name := fmt.Sprintf("f%d", i+1)
		seen := t0.Add(time.Duration(i) * time.Hour)
		last := seen
		if i == 5 {
			last = t0.Add(100 * time.Hour)
		} else if i == 0 {
			last = t0.Add(50 * time.Hour)
		}
		fs = append(fs, store.Finding{Rule: r.rule, Fingerprint: name, Subject: name, CustomerID: r.customer, Severity: r.severity,
			Summary: name, TechnicianID: r.tech, FirstSeen: seen, LastSeen: last, Status: r.status})
	}
	err := st.RecordFindings(ctx, store.FindingScope{Rules: []string{"R1", "R2"}}, t0, func(store.FindingState) (store.FindingWrites, error) {
		return store.FindingWrites{Insert: fs}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return acme, bravo
}

func summaries(fs []store.FindingView) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Summary
		if f.CustomerName != "" {
			out[i] += "@" + f.CustomerName[:1]
		}
	}
	return out
}

func TestFindingPage_FiltersOrdersAndCutsInTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		acme, _ := pageFixture(t, st)
		tech := uint(7)
		for _, tc := range []struct {
			name  string
			q     store.FindingQuery
			want  []string
			total int64
		}{
			{"severity first, then newest", store.FindingQuery{},
				[]string{"f6@A", "f2@A", "f4@B", "f3@B", "f5", "f1@A"}, 6},
			{"newest", store.FindingQuery{Order: store.OrderNewest}, []string{"f6@A", "f5", "f4@B", "f3@B", "f2@A", "f1@A"}, 6},
			{"oldest", store.FindingQuery{Order: store.OrderOldest}, []string{"f1@A", "f2@A", "f3@B", "f4@B", "f5", "f6@A"}, 6},
			{"last seen", store.FindingQuery{Order: store.OrderLastSeen}, []string{"f6@A", "f1@A", "f5", "f4@B", "f3@B", "f2@A"}, 6},
			{"a page", store.FindingQuery{Rows: store.Rows{Limit: 2, Offset: 2}}, []string{"f4@B", "f3@B"}, 6},
			{"the last page, short", store.FindingQuery{Rows: store.Rows{Limit: 4, Offset: 4}}, []string{"f5", "f1@A"}, 6},
			{"past the end", store.FindingQuery{Rows: store.Rows{Limit: 4, Offset: 8}}, []string{}, 6},
			{"customer and status", store.FindingQuery{CustomerID: &acme, Status: store.StatusOpen}, []string{"f6@A", "f2@A", "f1@A"}, 3},
			{"rule and severity", store.FindingQuery{Rule: "R1", Severity: vocab.High}, []string{"f4@B"}, 1},
			{"technician", store.FindingQuery{TechnicianID: &tech}, []string{"f3@B", "f1@A"}, 2},
			{"opened between", store.FindingQuery{OpenedFrom: t0.Add(time.Hour), OpenedBefore: t0.Add(3 * time.Hour), Order: store.OrderOldest},
				[]string{"f2@A", "f3@B"}, 2},
			{"nothing", store.FindingQuery{Rule: "R9"}, []string{}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fs, total, err := st.FindingPage(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := summaries(fs); !slices.Equal(got, tc.want) || total != tc.total {
					t.Errorf("got %v of %d, want %v of %d", got, total, tc.want, tc.total)
				}
			})
		}
		if _, _, err := st.FindingPage(ctx, store.FindingQuery{Order: "name"}); err == nil {
			t.Error("an unknown order was accepted")
		}
	})
}

func TestFindingTallies_CountByCustomerSeverityAndStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pageFixture(t, st)
		tallies, err := st.FindingTallies(ctx, []string{store.StatusOpen, store.StatusAcknowledged})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range tallies {
			got = append(got, fmt.Sprintf("%s %s %s %d", c.CustomerName, c.Severity, c.Status, c.Count))
		}
		slices.Sort(got)
		want := []string{"Acme Ltd critical open 2", "Acme Ltd low open 1", "Bravo plc high acknowledged 1", "Bravo plc high open 1"}
		if !slices.Equal(got, want) {
			t.Errorf("tallies %v\nwant %v", got, want)
		}
	})
}
