package calendar

import (
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// oracleWorking asks lunar-go directly, the slow way, one date at a time.
func oracleWorking(n int) bool {
	if h := HolidayUtil.GetHoliday(dateOfNumber(n).String()); h != nil {
		return h.IsWork()
	}
	return !isWeekend(n)
}

// The precomputed table must agree with lunar-go on every day it covers and
// on the years around it.
func TestTableMatchesLunarGo(t *testing.T) {
	c := national(t)
	for n := d("2000-01-01").number(); n <= d("2029-12-31").number(); n++ {
		if got, want := c.Day("", dateOfNumber(n)).Working, oracleWorking(n); got != want {
			t.Fatalf("%s: working %v, lunar-go says %v", dateOfNumber(n), got, want)
		}
	}
}

// Arbitrary inputs for the properties: a start in 2001–2030 (so results
// cross the library's edges), n in 1..MaxWorkdays, national or 宁夏.
type input struct {
	Region string
	Start  Date
	N      int
}

func (input) Generate(r *rand.Rand, _ int) reflect.Value {
	from := d("2001-06-01").number()
	to := d("2030-12-31").number()
	in := input{Start: dateOfNumber(from + r.Intn(to-from+1)), N: 1 + r.Intn(MaxWorkdays)}
	if r.Intn(2) == 0 {
		in.Region = "宁夏"
	}
	if r.Intn(3) == 0 { // favour short periods around the overlay
		in.Start = d("2026-02-01").AddDays(r.Intn(90))
		in.N = 1 + r.Intn(40)
	}
	return reflect.ValueOf(in)
}

var quickConfig = &quick.Config{MaxCount: 3000, Rand: rand.New(rand.NewSource(20260918))}

func TestPropertyDueIsNthWorkingDay(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	prop := func(in input) bool {
		r, err := c.AddWorkdays(in.Region, in.Start, in.N)
		if err != nil {
			t.Log(err)
			return false
		}
		between, _ := c.WorkdaysBetween(in.Region, in.Start, r.Due)
		return between == in.N && c.Day(in.Region, r.Due).Working && r.Due.After(in.Start)
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

func TestPropertyMonotonic(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	due := func(region string, start Date, n int) Date {
		r, err := c.AddWorkdays(region, start, n)
		if err != nil {
			t.Fatal(err)
		}
		return r.Due
	}
	prop := func(in input, shift uint8) bool {
		later := in.Start.AddDays(int(shift % 30))
		a := due(in.Region, in.Start, in.N)
		// more days: strictly later; later start: never earlier
		if in.N < MaxWorkdays && !due(in.Region, in.Start, in.N+1).After(a) {
			return false
		}
		return !due(in.Region, later, in.N).Before(a)
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

// Counting n then m days is counting n+m days; WorkdaysBetween adds up.
func TestPropertyComposition(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	prop := func(in input, m uint8) bool {
		k := 1 + int(m)%40
		if in.N+k > MaxWorkdays {
			return true
		}
		first, _ := c.AddWorkdays(in.Region, in.Start, in.N)
		second, _ := c.AddWorkdays(in.Region, first.Due, k)
		whole, _ := c.AddWorkdays(in.Region, in.Start, in.N+k)
		ab, _ := c.WorkdaysBetween(in.Region, in.Start, first.Due)
		bc, _ := c.WorkdaysBetween(in.Region, first.Due, whole.Due)
		ba, _ := c.WorkdaysBetween(in.Region, first.Due, in.Start)
		return second.Due == whole.Due && ab+bc == in.N+k && ba == -ab
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

// Fuzz the same invariants against the lunar-go oracle; the seed corpus runs
// in every `go test`.
func FuzzAddWorkdays(f *testing.F) {
	for _, seed := range []struct {
		start string
		n     int
	}{
		{"2026-02-10", 20}, {"2026-02-14", 20}, {"2026-02-15", 20}, {"2026-04-30", 7},
		{"2026-09-18", 40}, {"2025-12-31", 20}, {"2026-12-25", 20}, {"2027-12-20", 20},
		{"2001-12-28", 3}, {"2029-03-01", 400},
	} {
		f.Add(d(seed.start).number(), seed.n)
	}
	c := national(f)
	lo, hi := d("2000-01-01").number(), d("2035-12-31").number()
	f.Fuzz(func(t *testing.T, startN, n int) {
		if startN < lo || startN > hi || n < 1 || n > MaxWorkdays {
			t.Skip()
		}
		start := dateOfNumber(startN)
		r, err := c.AddWorkdays("", start, n)
		if err != nil {
			t.Fatal(err)
		}
		// oracle: walk with lunar-go itself
		day, left := startN, n
		for left > 0 {
			day++
			if oracleWorking(day) {
				left--
			}
		}
		if r.Due != dateOfNumber(day) {
			t.Fatalf("%s +%d = %s, oracle %s", start, n, r.Due, dateOfNumber(day))
		}
		wantProvisional := startN+1 < lib.knownFrom || day > lib.knownTo
		if r.Provisional != wantProvisional {
			t.Fatalf("%s +%d: provisional %v, want %v", start, n, r.Provisional, wantProvisional)
		}
	})
}

// WorkdaysBetween uses prefix sums inside the table and arithmetic outside
// it; both must agree with asking day by day, on either side of the table.
func TestPropertyWorkdaysBetweenMatchesDayByDay(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	check := func(region string, from, to int) bool {
		want := 0
		for n := min(from, to) + 1; n <= max(from, to); n++ {
			if c.Day(region, dateOfNumber(n)).Working {
				want++
			}
		}
		if to < from {
			want = -want
		}
		got, _ := c.WorkdaysBetween(region, dateOfNumber(from), dateOfNumber(to))
		if got != want {
			t.Logf("WorkdaysBetween(%q, %s, %s) = %d, want %d", region, dateOfNumber(from), dateOfNumber(to), got, want)
		}
		return got == want
	}

	lo, hi := d("1995-01-01").number(), d("2110-12-31").number()
	prop := func(a uint32, length int16, ningxia bool) bool {
		region := ""
		if ningxia {
			region = "宁夏"
		}
		from := lo + int(a)%(hi-lo)
		return check(region, from, from+int(length)%3000)
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}

	// ranges straddling the table's edges, and one spanning all of it
	first, last := c.national.first, c.national.last()
	for _, r := range [][2]int{
		{first - 10, first + 10}, {last - 10, last + 10}, {first - 1, first}, {last, last + 1},
		{first - 400, last + 400}, {last + 400, first - 400},
	} {
		for _, region := range []string{"", "宁夏"} {
			if !check(region, r[0], r[1]) {
				t.Errorf("%q: range %s..%s", region, dateOfNumber(r[0]), dateOfNumber(r[1]))
			}
		}
	}
}
