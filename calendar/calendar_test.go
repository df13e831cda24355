package calendar

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The vectors of statutory-rules.md §4.5 and further edge cases, national calendar.
func TestAddWorkdaysVectors(t *testing.T) {
	c := national(t)
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		// §4.5
		{"补正告知 +7", "2026-02-10", 7, "2026-02-26"},
		{"reply +20", "2026-02-10", 20, "2026-03-16"},
		{"start on make-up Saturday", "2026-02-14", 20, "2026-03-20"},
		{"start inside 春节", "2026-02-15", 20, "2026-03-20"},
		{"before 劳动节 +7", "2026-04-30", 7, "2026-05-13"},
		{"before 劳动节 +20", "2026-04-30", 20, "2026-06-01"},
		{"中秋 and 国庆", "2026-09-18", 20, "2026-10-22"},
		{"with full extension", "2026-09-18", 40, "2026-11-19"},
		{"across new year 2026", "2025-12-31", 20, "2026-01-29"},
		{"across new year 2027", "2026-12-25", 20, "2027-01-25"},

		// make-up working days
		{"day after start is a make-up Saturday", "2026-02-13", 1, "2026-02-14"},
		{"start on make-up Sunday", "2026-09-20", 1, "2026-09-21"},
		{"start on make-up Sunday 01-04", "2026-01-04", 1, "2026-01-05"},
		{"make-up Saturday 10-10 counts", "2026-10-09", 1, "2026-10-10"},
		// last day before a long holiday
		{"last day before 国庆", "2026-09-30", 1, "2026-10-08"},
		{"last day before 春节", "2026-02-13", 2, "2026-02-24"},
		// inside a holiday
		{"inside 国庆", "2026-10-03", 1, "2026-10-08"},
		{"last day of 国庆", "2026-10-07", 1, "2026-10-08"},
		// year boundary
		{"New Year's Eve", "2026-12-31", 1, "2027-01-04"},
		{"2027 春节 (unverified data)", "2027-02-04", 1, "2027-02-14"},
		// plain weeks
		{"Friday +1", "2026-03-06", 1, "2026-03-09"},
		{"Saturday +1", "2026-03-07", 1, "2026-03-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.AddWorkdays("", d(tt.start), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if r.Due != d(tt.want) {
				t.Errorf("%s +%d = %s, want %s\n%s", tt.start, tt.n, r.Due, tt.want, strings.Join(r.Explanation, "\n"))
			}
			if r.Provisional || r.MissingYears != nil {
				t.Errorf("provisional %v %v, want false", r.Provisional, r.MissingYears)
			}
			if n, _ := c.WorkdaysBetween("", r.Start, r.Due); n != tt.n {
				t.Errorf("WorkdaysBetween(start, due) = %d, want %d", n, tt.n)
			}
		})
	}
}

func TestAddWorkdaysExplanation(t *testing.T) {
	c := national(t)
	r, err := c.AddWorkdays("", d("2026-09-18"), 20)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2026-09-18 起算日，不计当日",
		"跳过 09-19 周六",
		"09-20 周日 国庆节调休上班，计为工作日",
		"跳过 09-25…09-27 中秋节",
		"跳过 10-01…10-07 国庆节",
		"10-10 周六 国庆节调休上班，计为工作日",
		"跳过 10-11 周日",
		"跳过 10-17…10-18 周末",
		"20 个工作日届满 2026-10-22",
	}
	if !slices.Equal(r.Explanation, want) {
		t.Errorf("explanation:\n%s\nwant:\n%s", strings.Join(r.Explanation, "\n"), strings.Join(want, "\n"))
	}

	r, _ = c.AddWorkdays("", d("2026-02-15"), 1)
	if r.Explanation[0] != "2026-02-15 起算日（春节），不计当日" {
		t.Errorf("start inside a holiday: %q", r.Explanation[0])
	}
	r, _ = c.AddWorkdays("", d("2026-02-14"), 1)
	if r.Explanation[0] != "2026-02-14 起算日（春节调休上班），不计当日" {
		t.Errorf("start on a make-up day: %q", r.Explanation[0])
	}
	r, _ = c.AddWorkdays("", d("2026-12-30"), 2)
	if !slices.Contains(r.Explanation, "跳过 2027-01-01…2027-01-03 元旦节") {
		t.Errorf("dates outside the start year must be written in full:\n%s", strings.Join(r.Explanation, "\n"))
	}
}

func TestProvisionalYears(t *testing.T) {
	c := national(t)
	r, err := c.AddWorkdays("", d("2029-03-01"), 20)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Provisional || !slices.Equal(r.MissingYears, []int{2029}) {
		t.Errorf("2029: provisional %v %v, want true [2029]", r.Provisional, r.MissingYears)
	}
	if r.Due != d("2029-03-29") { // Monday–Friday only
		t.Errorf("2029-03-01 +20 = %s, want 2029-03-29", r.Due)
	}
	if last := r.Explanation[len(r.Explanation)-1]; last != "2029 年尚无国务院节假日安排，按周一至周五计算（暂定）" {
		t.Errorf("last line %q", last)
	}

	r, _ = c.AddWorkdays("", d("2027-12-20"), 20)
	if !r.Provisional || !slices.Equal(r.MissingYears, []int{2028}) || r.Due != d("2028-01-17") {
		t.Errorf("2027→2028: %v %v %s", r.Provisional, r.MissingYears, r.Due)
	}
	r, _ = c.AddWorkdays("", d("2028-12-20"), 20)
	if !slices.Equal(r.MissingYears, []int{2028, 2029}) {
		t.Errorf("2028→2029: missing %v", r.MissingYears)
	}

	if _, p := c.WorkdaysBetween("", d("2027-12-01"), d("2027-12-31")); p {
		t.Error("2027 is covered by the library")
	}
	if _, p := c.WorkdaysBetween("", d("2027-12-31"), d("2028-01-03")); !p {
		t.Error("2028 is not covered by the library")
	}
	if _, p := c.WorkdaysBetween("", d("2028-01-03"), d("2027-12-31")); !p {
		t.Error("reversed arguments: still provisional")
	}
	if info := c.Day("", d("2028-01-03")); info.Known || !info.Working || info.Reason != "工作日" {
		t.Errorf("2028-01-03: %+v", info)
	}
}

func TestAddWorkdaysErrors(t *testing.T) {
	c := national(t)
	for _, tt := range []struct {
		region string
		start  Date
		n      int
	}{
		{"", d("2026-01-05"), 0},
		{"", d("2026-01-05"), -1},
		{"", d("2026-01-05"), MaxWorkdays + 1},
		{"宁厦", d("2026-01-05"), 20},
		{"", Date{2026, 2, 30}, 20},
		{"", Date{}, 20},
	} {
		if _, err := c.AddWorkdays(tt.region, tt.start, tt.n); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddWorkdays(%q, %v, %d): err = %v, want ErrInvalid", tt.region, tt.start, tt.n, err)
		}
	}
}

func TestDay(t *testing.T) {
	c := national(t)
	tests := []struct {
		date    string
		working bool
		reason  string
		source  string
	}{
		{"2026-09-18", true, "工作日", ""},
		{"2026-09-19", false, "周末", ""},
		{"2026-09-20", true, "国庆节调休上班", "国务院办公厅关于2026年部分节假日安排的通知"},
		{"2026-09-25", false, "中秋节", "国务院办公厅关于2026年部分节假日安排的通知"},
		{"2026-10-03", false, "国庆节", "国务院办公厅关于2026年部分节假日安排的通知"},
		// a make-up day for next year's 元旦 belongs to that year's notice
		{"2001-12-29", true, "元旦节调休上班", "国务院办公厅关于2002年部分节假日安排的通知"},
	}
	for _, tt := range tests {
		got := c.Day("", d(tt.date))
		if got.Date != d(tt.date) || got.Working != tt.working || got.Reason != tt.reason || got.Source != tt.source {
			t.Errorf("Day(%s) = %+v, want working %v reason %q source %q", tt.date, got, tt.working, tt.reason, tt.source)
		}
	}
	if !c.Day("", d("2026-09-18")).Known || c.Day("", d("2001-12-29")).Known {
		t.Error("Known must follow the library's notice years (2002–2027)")
	}

	days := c.Days("", d("2026-09-30"), d("2026-10-08"))
	if len(days) != 9 || days[0].Date != d("2026-09-30") || days[8].Date != d("2026-10-08") {
		t.Fatalf("Days: %d days %v…", len(days), days)
	}
	for _, info := range days[1:8] {
		if info.Working {
			t.Errorf("%s should be off", info.Date)
		}
	}
	if c.Days("", d("2026-10-08"), d("2026-09-30")) != nil {
		t.Error("Days with to before from should be nil")
	}
}

// The library must carry exactly the schedules of statutory-rules.md §4.2/§4.3.
func TestLibrarySchedules(t *testing.T) {
	c := national(t)
	expand := func(spec ...string) []Date {
		var out []Date
		for _, s := range spec {
			from, to, _ := strings.Cut(s, "..")
			if to == "" {
				to = from
			}
			for x := d(from); !x.After(d(to)); x = x.AddDays(1) {
				out = append(out, x)
			}
		}
		return out
	}
	check := func(year int, off, work []Date) {
		t.Helper()
		var gotOff, gotWork []Date
		for _, info := range c.Days("", Date{year, 1, 1}, Date{year, 12, 31}) {
			if info.Source == "" {
				continue
			}
			if info.Working {
				gotWork = append(gotWork, info.Date)
			} else {
				gotOff = append(gotOff, info.Date)
			}
		}
		if !slices.Equal(gotOff, off) {
			t.Errorf("%d off days:\n got %v\nwant %v", year, gotOff, off)
		}
		if !slices.Equal(gotWork, work) {
			t.Errorf("%d make-up days:\n got %v\nwant %v", year, gotWork, work)
		}
	}
	check(2026,
		expand("2026-01-01..2026-01-03", "2026-02-15..2026-02-23", "2026-04-04..2026-04-06", "2026-05-01..2026-05-05",
			"2026-06-19..2026-06-21", "2026-09-25..2026-09-27", "2026-10-01..2026-10-07"),
		expand("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"))
	check(2027,
		expand("2027-01-01..2027-01-03", "2027-02-05..2027-02-13", "2027-04-03..2027-04-05", "2027-05-01..2027-05-05",
			"2027-06-09", "2027-09-15", "2027-10-01..2027-10-07"),
		expand("2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"))

	first, last := LibraryYears()
	if first != 2002 || last != 2027 {
		t.Errorf("LibraryYears() = %d, %d; want 2002, 2027 (lunar-go v1.4.7)", first, last)
	}
	// Coverage is treated as one contiguous range: every year must have data.
	for y := first; y <= last; y++ {
		n := 0
		for _, info := range c.Days("", Date{y, 1, 1}, Date{y, 12, 31}) {
			if info.Source != "" {
				n++
			}
		}
		if n < 10 {
			t.Errorf("%d: only %d library entries", y, n)
		}
	}
}

func TestRegionalOverlay(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	start := d("2026-03-02")
	for _, tt := range []struct {
		region string
		want   string
	}{
		{"", "2026-03-30"},
		{"北京", "2026-03-30"},
		// 03-20 and 03-23 off, 03-28 (Sat) working
		{"宁夏", "2026-03-31"},
	} {
		r, err := c.AddWorkdays(tt.region, start, 20)
		if err != nil {
			t.Fatal(err)
		}
		if r.Due != d(tt.want) {
			t.Errorf("%q: due %s, want %s\n%s", tt.region, r.Due, tt.want, strings.Join(r.Explanation, "\n"))
		}
	}

	r, _ := c.AddWorkdays("宁夏", start, 20)
	for _, line := range []string{
		"跳过 03-20 开斋节（宁政办发〔2026〕12号）",
		"跳过 03-21…03-22 周末",
		"跳过 03-23 开斋节（宁政办发〔2026〕12号）",
		"03-28 周六 开斋节调休上班（宁政办发〔2026〕12号），计为工作日",
	} {
		if !slices.Contains(r.Explanation, line) {
			t.Errorf("missing %q in\n%s", line, strings.Join(r.Explanation, "\n"))
		}
	}
	got := c.Day("宁夏", d("2026-03-20"))
	if got.Working || got.Source != "宁政办发〔2026〕12号" || got.Reason != "开斋节（宁政办发〔2026〕12号）" {
		t.Errorf("宁夏 03-20: %+v", got)
	}
	if !c.Day("", d("2026-03-20")).Working {
		t.Error("the regional holiday leaked into the national calendar")
	}

	// The overlay is a change from the empty one: ChangedDates reports it.
	changes := ChangedDates(nil, ningxia2026())
	want := []DateRange{
		{"宁夏", d("2026-03-20"), d("2026-03-20")},
		{"宁夏", d("2026-03-23"), d("2026-03-23")},
		{"宁夏", d("2026-03-28"), d("2026-03-28")},
	}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("ChangedDates = %v, want %v", changes, want)
	}
	if !Affected(changes, "宁夏", start, d("2026-03-30")) || Affected(changes, "北京", start, d("2026-03-30")) {
		t.Error("Affected: the 宁夏 change concerns 宁夏 only")
	}
}

func TestOverridePrecedence(t *testing.T) {
	c := withOverlay(t, []Override{
		// national: 端午 Friday turned into a working day
		{Date: d("2026-06-19"), Working: true, Name: "测试上班", Source: "测试〔2026〕1号"},
		// regional beats national
		{Date: d("2026-06-19"), Region: "宁夏", Name: "端午节", Source: "宁测〔2026〕2号"},
		// an unremarkable Wednesday made a national holiday
		{Date: d("2026-07-01"), Name: "测试放假"},
	})
	for _, tt := range []struct {
		region, date string
		working      bool
		reason       string
	}{
		{"", "2026-06-19", true, "测试上班（测试〔2026〕1号）"},
		{"北京", "2026-06-19", true, "测试上班（测试〔2026〕1号）"},
		{"宁夏", "2026-06-19", false, "端午节（宁测〔2026〕2号）"},
		{"", "2026-06-20", false, "端午节"}, // library untouched around it
		{"宁夏", "2026-07-01", false, "测试放假"},
		{"", "2026-07-01", false, "测试放假"},
	} {
		got := c.Day(tt.region, d(tt.date))
		if got.Working != tt.working || got.Reason != tt.reason {
			t.Errorf("Day(%q, %s) = %+v, want working %v reason %q", tt.region, tt.date, got, tt.working, tt.reason)
		}
	}
}

func TestNewRejectsBadOverlay(t *testing.T) {
	for name, o := range map[string][]Override{
		"unknown region": {{Date: d("2026-03-20"), Region: "宁厦"}},
		"invalid date":   {{Date: Date{2026, 2, 30}}},
		"zero date":      {{}},
		"far future":     {{Date: d("2226-03-20")}},
		"duplicate": {
			{Date: d("2026-03-20"), Region: "宁夏", Name: "开斋节"},
			{Date: d("2026-03-20"), Region: "宁夏", Name: "开斋节", Working: true},
		},
	} {
		if _, err := New(o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	// Same date in different regions, or nationally and regionally, is fine.
	if _, err := New([]Override{
		{Date: d("2026-03-20"), Region: "宁夏"},
		{Date: d("2026-03-20"), Region: "新疆"},
		{Date: d("2026-03-20")},
	}); err != nil {
		t.Error(err)
	}
}

func TestOverlayOutsideLibraryRange(t *testing.T) {
	c := withOverlay(t, []Override{{Date: d("2030-01-02"), Name: "测试放假"}}) // a Wednesday
	if c.Day("", d("2030-01-02")).Working {
		t.Error("overlay beyond the library's years must apply")
	}
	r, _ := c.AddWorkdays("", d("2030-01-01"), 1)
	if r.Due != d("2030-01-03") || !r.Provisional {
		t.Errorf("got %s provisional %v", r.Due, r.Provisional)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := national(t)
	for _, tt := range []struct {
		from, to string
		want     int
	}{
		{"2026-09-18", "2026-10-22", 20},
		{"2026-10-22", "2026-09-18", -20},
		{"2026-09-18", "2026-09-18", 0},
		{"2026-09-18", "2026-09-19", 0}, // Saturday
		{"2026-09-19", "2026-09-20", 1}, // make-up Sunday
		{"2026-09-30", "2026-10-07", 0},
		{"2025-12-31", "2026-01-29", 20},
	} {
		if got, _ := c.WorkdaysBetween("", d(tt.from), d(tt.to)); got != tt.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestRegions(t *testing.T) {
	r := Regions()
	if len(r) != 34 {
		t.Fatalf("%d regions, want 34", len(r))
	}
	seen := map[string]bool{}
	for _, name := range r {
		if seen[name] || !ValidRegion(name) {
			t.Errorf("region %q duplicated or invalid", name)
		}
		seen[name] = true
	}
	for _, name := range []string{"北京", "内蒙古", "黑龙江", "宁夏", "新疆", "香港", "澳门", "台湾"} {
		if !seen[name] {
			t.Errorf("missing %s", name)
		}
	}
	if !ValidRegion("") || ValidRegion("宁夏回族自治区") || ValidRegion("全国") {
		t.Error("ValidRegion: \"\" is national; full names are not accepted")
	}
	r[0] = "x"
	if Regions()[0] != "北京" {
		t.Error("Regions must return a copy")
	}
}

// The same inputs always give the same outputs, and concurrent use is safe
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	want, _ := c.AddWorkdays("宁夏", d("2026-03-02"), 20)
	done := make(chan Result)
	for range 8 {
		go func() {
			r, _ := c.AddWorkdays("宁夏", d("2026-03-02"), 20)
			done <- r
		}()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}
