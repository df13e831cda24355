package calendar

import (
	"reflect"
	"testing"
)

func TestChangedDates(t *testing.T) {
	base := []Override{
		{Date: d("2026-03-20"), Region: "宁夏", Name: "开斋节", Source: "宁政办发〔2026〕12号"},
		{Date: d("2026-03-23"), Region: "宁夏", Name: "开斋节", Source: "宁政办发〔2026〕12号"},
		{Date: d("2026-05-27"), Region: "宁夏", Name: "古尔邦节"},
		{Date: d("2026-07-01"), Name: "测试放假"},
	}
	edited := []Override{
		// 03-20 unchanged; 03-23 dropped; 03-24 and 03-25 added; 05-27 renamed
		{Date: d("2026-03-20"), Region: "宁夏", Name: "开斋节", Source: "宁政办发〔2026〕12号"},
		{Date: d("2026-03-24"), Region: "宁夏", Name: "开斋节"},
		{Date: d("2026-03-25"), Region: "宁夏", Name: "开斋节"},
		{Date: d("2026-05-27"), Region: "宁夏", Name: "古尔邦节", Source: "宁政办发〔2026〕30号"},
		{Date: d("2026-07-01"), Name: "测试放假"},
		{Date: d("2026-07-02"), Working: true, Name: "测试上班"},
		{Date: d("2026-03-20"), Region: "新疆", Name: "肉孜节"},
	}
	got := ChangedDates(base, edited)
	want := []DateRange{
		{"", d("2026-07-02"), d("2026-07-02")},
		{"宁夏", d("2026-03-23"), d("2026-03-25")}, // removal and additions merge
		{"宁夏", d("2026-05-27"), d("2026-05-27")},
		{"新疆", d("2026-03-20"), d("2026-03-20")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedDates:\n got %v\nwant %v", got, want)
	}
	if got := ChangedDates(base, base); got != nil {
		t.Errorf("no change: %v", got)
	}
	if got := ChangedDates(edited, base); len(got) != len(want) {
		t.Errorf("the reverse change touches the same dates: %v", got)
	}
}

func TestAffected(t *testing.T) {
	changes := []DateRange{
		{"宁夏", d("2026-03-20"), d("2026-03-23")},
		{"", d("2026-07-01"), d("2026-07-01")},
	}
	for _, tt := range []struct {
		region, from, to string
		want             bool
	}{
		{"宁夏", "2026-03-02", "2026-03-20", true}, // touches the first day
		{"宁夏", "2026-03-23", "2026-04-01", true}, // touches the last day
		{"宁夏", "2026-03-24", "2026-04-01", false},
		{"宁夏", "2026-02-01", "2026-03-19", false},
		{"北京", "2026-03-02", "2026-03-30", false}, // another region's change
		{"", "2026-03-02", "2026-03-30", false},   // national clocks ignore regional changes
		{"北京", "2026-06-20", "2026-07-20", true},  // national changes concern everyone
		{"", "2026-06-20", "2026-07-20", true},
	} {
		if got := Affected(changes, tt.region, d(tt.from), d(tt.to)); got != tt.want {
			t.Errorf("Affected(%q, %s, %s) = %v, want %v", tt.region, tt.from, tt.to, got, tt.want)
		}
		if got := (OverlayChanged{changes}).Affects(tt.region, d(tt.from), d(tt.to)); got != tt.want {
			t.Errorf("OverlayChanged.Affects(%q, %s, %s) = %v", tt.region, tt.from, tt.to, got)
		}
	}
}

// A clock learns from ChangedDates whether a new overlay moves its deadline.
func TestClockAffectedByOverlayChange(t *testing.T) {
	clock := Clock{Region: "宁夏", Workdays: 20, Events: []ClockEvent{start("2026-03-02")}}
	before := national(t)
	st := evaluate(t, before, clock, "2026-03-10")
	if st.Due != d("2026-03-30") || st.Span != (DateRange{"宁夏", d("2026-03-02"), d("2026-03-30")}) {
		t.Fatalf("before: due %s span %v", st.Due, st.Span)
	}

	changes := ChangedDates(nil, ningxia2026())
	if !st.AffectedBy(changes) {
		t.Fatal("the 宁夏 overlay touches this clock")
	}
	after := evaluate(t, withOverlay(t, ningxia2026()), clock, "2026-03-10")
	if after.Due != d("2026-03-31") {
		t.Errorf("after: due %s, want 2026-03-31", after.Due)
	}

	later := Clock{Region: "宁夏", Workdays: 20, Events: []ClockEvent{start("2026-04-01")}}
	if evaluate(t, before, later, "2026-04-02").AffectedBy(changes) {
		t.Error("a clock starting after the changed dates is not affected")
	}
	other := Clock{Region: "北京", Workdays: 20, Events: []ClockEvent{start("2026-03-02")}}
	if evaluate(t, before, other, "2026-03-10").AffectedBy(changes) {
		t.Error("a 北京 clock is not affected by a 宁夏 change")
	}
}
