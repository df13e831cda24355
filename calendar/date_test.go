package calendar

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	good := map[string]Date{
		"2026-09-18": {2026, time.September, 18},
		"2024-02-29": {2024, time.February, 29},
		"0001-01-01": {1, time.January, 1},
		"9999-12-31": {9999, time.December, 31},
	}
	for s, want := range good {
		got, err := ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
	}
	for _, s := range []string{
		"", "2026-9-18", "2026-09-8", "20260918", "2026/09/18", " 2026-09-18", "2026-09-18 ",
		"2026-09-18T00:00:00Z", "2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31", "0000-01-01",
		"+026-09-18", "2026-0x-18", "２０２６-09-18",
	} {
		if _, err := ParseDate(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDate(%q): err = %v, want ErrInvalid", s, err)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	if got := d("2026-12-31").AddDays(1); got != d("2027-01-01") {
		t.Errorf("AddDays over new year: %v", got)
	}
	if got := d("2024-03-01").AddDays(-1); got != d("2024-02-29") {
		t.Errorf("AddDays back into leap day: %v", got)
	}
	if got := d("2026-09-18").AddDays(365); got != d("2027-09-18") {
		t.Errorf("AddDays(365): %v", got)
	}
	if got := d("1969-12-31").AddDays(1); got != d("1970-01-01") {
		t.Errorf("AddDays before the epoch: %v", got)
	}
	for s, want := range map[string]time.Weekday{
		"2026-09-18": time.Friday, "2026-09-20": time.Sunday, "1970-01-01": time.Thursday,
		"1969-12-28": time.Sunday, "2000-01-01": time.Saturday,
	} {
		if got := d(s).Weekday(); got != want {
			t.Errorf("%s.Weekday() = %v, want %v", s, got, want)
		}
	}
	a, b := d("2026-09-18"), d("2026-10-01")
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Equal(b) || !a.Equal(d("2026-09-18")) {
		t.Error("Before/After/Equal")
	}
	if !d("2025-12-31").Before(d("2026-01-01")) || !d("2026-01-31").Before(d("2026-02-01")) {
		t.Error("Before across year and month")
	}
	if (Date{}).Valid() || !(Date{}).IsZero() || d("2026-01-01").IsZero() {
		t.Error("zero Date")
	}
}

func TestDateOf(t *testing.T) {
	for _, tt := range []struct {
		instant time.Time
		want    string
	}{
		{time.Date(2026, 9, 17, 16, 0, 0, 0, time.UTC), "2026-09-18"}, // midnight in Beijing
		{time.Date(2026, 9, 17, 15, 59, 59, 0, time.UTC), "2026-09-17"},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("PST", -8*3600)), "2027-01-01"},
	} {
		if got := DateOf(tt.instant); got != d(tt.want) {
			t.Errorf("DateOf(%v) = %v, want %s", tt.instant, got, tt.want)
		}
		if got := Today(tt.instant); got != d(tt.want) {
			t.Errorf("Today(%v) = %v, want %s", tt.instant, got, tt.want)
		}
	}
	if got := d("2026-09-18").Time(); !got.Equal(time.Date(2026, 9, 17, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
	if _, off := d("1990-07-01").Time().In(ChinaZone()).Zone(); off != 8*3600 {
		t.Errorf("offset %d: the zone must be fixed UTC+8", off)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		Due  Date `json:"due"`
		Opt  Date `json:"opt,omitzero"`
		Zero Date `json:"zero"`
	}
	b, err := json.Marshal(doc{Due: d("2026-10-22")})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"due":"2026-10-22","zero":""}` {
		t.Errorf("marshal: %s", b)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back.Due != d("2026-10-22") || !back.Zero.IsZero() {
		t.Errorf("unmarshal: %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"due":null}`), &back); err != nil || back.Due != d("2026-10-22") {
		t.Errorf("null leaves the value alone: %+v %v", back, err)
	}
	for _, bad := range []string{`{"due":"2026-02-30"}`, `{"due":"2026-2-3"}`, `{"due":20260218}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("unmarshal %s: want error", bad)
		}
	}
	if _, err := json.Marshal(doc{Due: Date{2026, 2, 30}}); err == nil {
		t.Error("marshal of an invalid date: want error")
	}
}

func TestDateSQL(t *testing.T) {
	if v, err := d("2026-10-22").Value(); err != nil || v != "2026-10-22" {
		t.Errorf("Value() = %v, %v", v, err)
	}
	if v, _ := (Date{}).Value(); v != nil {
		t.Errorf("zero Value() = %v, want NULL", v)
	}
	var x Date
	for _, src := range []any{"2026-10-22", []byte("2026-10-22"), time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC)} {
		x = Date{}
		if err := x.Scan(src); err != nil || x != d("2026-10-22") {
			t.Errorf("Scan(%T) = %v, %v", src, x, err)
		}
	}
	if err := x.Scan(nil); err != nil || !x.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", x, err)
	}
	if err := x.Scan(42); !errors.Is(err, ErrInvalid) {
		t.Errorf("Scan(int): %v", err)
	}
}

// The hand-written day-number conversions agree with the time package.
func TestDayNumbers(t *testing.T) {
	check := func(tm time.Time) {
		y, m, day := tm.Date()
		date := Date{y, m, day}
		want := int(tm.Unix() / secondsPerDay)
		if got := date.number(); got != want {
			t.Fatalf("%v.number() = %d, want %d", date, got, want)
		}
		if got := dateOfNumber(want); got != date {
			t.Fatalf("dateOfNumber(%d) = %v, want %v", want, got, date)
		}
	}
	for tm := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2101; tm = tm.AddDate(0, 0, 1) {
		check(tm)
	}
	for y := 1; y <= 9999; y += 7 {
		check(time.Date(y, 2, 28, 0, 0, 0, 0, time.UTC))
		check(time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC))
		check(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
	}
	// invalid dates normalise like time.Date
	if got := (Date{2026, 2, 30}).number(); got != d("2026-03-02").number() {
		t.Errorf("2026-02-30 → %v", dateOfNumber(got))
	}
}

// Whatever ParseDate accepts is a valid date that prints back unchanged.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-09-18", "2024-02-29", "2026-02-29", "9999-12-31", "0000-01-01", "2026-9-18", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		date, err := ParseDate(s)
		if err != nil {
			return
		}
		if !date.Valid() || date.String() != s {
			t.Fatalf("ParseDate(%q) = %v (valid %v)", s, date, date.Valid())
		}
		if dateOfNumber(date.number()) != date {
			t.Fatalf("%v does not survive a day-number round trip", date)
		}
	})
}
