package calendar

import (
	"strconv"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// The national schedule comes from lunar-go's HolidayUtil, read once at package
// init into a day-indexed table so lookups never parse its strings again.
//
// Never call HolidayUtil.Fix anywhere in the program: it rewrites the
// library's global data, and this package would see (or miss) the change
// depending on init order. Local changes belong in an overlay (Override).
var lib = loadLibrary()

// library is the lunar-go data in lookup form. Read-only after init.
type library struct {
	table dayTable
	// knownFrom..knownTo (day numbers, inclusive) span the years whose
	// 国务院办公厅 notice is in the library: 1 Jan of the first to 31 Dec of
	// the last. Outside it the calendar is provisional.
	knownFrom, knownTo  int
	firstYear, lastYear int
}

// The years scanned for entries. lunar-go starts at 2001-12-29; the upper
// bound only needs to stay ahead of the library's releases.
const scanFrom, scanTo = 2000, 2100

func loadLibrary() library {
	type entry struct {
		n    int
		rule dayRule
	}
	var entries []entry
	first, last := 0, 0
	for y := scanFrom; y <= scanTo; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			day, err := ParseDate(h.GetDay())
			if err != nil {
				panic("calendar: unreadable lunar-go day " + h.GetDay())
			}
			// The target is the festival the entry belongs to, so its year is
			// the year of the notice (2001-12-29 is a make-up day for 元旦 2002).
			target, err := ParseDate(h.GetTarget())
			if err != nil {
				panic("calendar: unreadable lunar-go target " + h.GetTarget())
			}
			if first == 0 || target.Year < first {
				first = target.Year
			}
			last = max(last, target.Year)

			rule := dayRule{
				working: h.IsWork(),
				reason:  h.GetName(),
				source:  "国务院办公厅关于" + strconv.Itoa(target.Year) + "年部分节假日安排的通知",
			}
			if rule.working {
				rule.reason += "调休上班"
			}
			entries = append(entries, entry{day.number(), rule})
		}
	}
	if len(entries) == 0 {
		// Everything becomes provisional; tests fail loudly on this.
		return library{knownFrom: 1, knownTo: 0}
	}

	l := library{
		firstYear: first,
		lastYear:  last,
		knownFrom: Date{first, 1, 1}.number(),
		knownTo:   Date{last, 12, 31}.number(),
	}
	from, to := entries[0].n, entries[0].n
	for _, e := range entries {
		from, to = min(from, e.n), max(to, e.n)
	}
	l.table = newDayTable(from, to)
	for _, e := range entries {
		l.table.rules = append(l.table.rules, e.rule)
		l.table.set(e.n, uint16(len(l.table.rules)-1))
	}
	return l
}

// known reports whether day n lies in a year the library has a notice for.
func (l *library) known(n int) bool { return n >= l.knownFrom && n <= l.knownTo }

// dayRule is an explicit statement about one date, from lunar-go or an
// overlay. Dates without one follow the Monday–Friday rule.
type dayRule struct {
	working bool
	reason  string // Chinese, e.g. "中秋节", "国庆节调休上班", "开斋节（宁政办发〔2026〕12号）"
	source  string // the document the rule comes from
}

// dayTable holds the explicit rules for the days first..last(). Per day it
// stores a small index rather than a pointer, so copying a table for a region
// is a plain memory copy.
type dayTable struct {
	first int
	days  []uint16  // per day from first: 0 = no rule, else an index into rules
	rules []dayRule // rules[0] is unused so that index 0 can mean "none"
	// sums[i] is the number of working days among the table's first i days,
	// so counting over any range is one subtraction. Filled by sum().
	sums []int32
}

// maxRules is how many rules (library + overlay) a table can index.
const maxRules = 1<<16 - 1

func newDayTable(from, to int) dayTable {
	return dayTable{first: from, days: make([]uint16, to-from+1), rules: make([]dayRule, 1)}
}

func (t *dayTable) last() int { return t.first + len(t.days) - 1 }

// covering returns a copy of t widened to include days from..to. The copy
// shares t's rules.
func (t dayTable) covering(from, to int) dayTable {
	if len(t.days) == 0 {
		c := newDayTable(from, to)
		c.rules = t.rules
		return c
	}
	from, to = min(from, t.first), max(to, t.last())
	c := dayTable{first: from, days: make([]uint16, to-from+1), rules: t.rules}
	copy(c.days[t.first-from:], t.days)
	return c
}

// set makes day n follow rules[i].
func (t *dayTable) set(n int, i uint16) { t.days[n-t.first] = i }

// rule returns the explicit rule for day n, or nil.
func (t *dayTable) rule(n int) *dayRule {
	i := n - t.first
	if i < 0 || i >= len(t.days) || t.days[i] == 0 {
		return nil
	}
	return &t.rules[t.days[i]]
}

func (t *dayTable) working(n int) bool {
	if r := t.rule(n); r != nil {
		return r.working
	}
	return !isWeekend(n)
}

// sum fills t.sums; call it once all rules are set. It runs in every New, so
// it steps the weekday along instead of computing it per day.
func (t *dayTable) sum() {
	t.sums = make([]int32, len(t.days)+1)
	wd := weekdayOf(t.first)
	for i, r := range t.days {
		working := wd != time.Saturday && wd != time.Sunday
		if r != 0 {
			working = t.rules[r].working
		}
		t.sums[i+1] = t.sums[i]
		if working {
			t.sums[i+1]++
		}
		if wd++; wd > time.Saturday {
			wd = time.Sunday
		}
	}
}

// workdays counts the working days from <= d <= to: from the prefix sums
// inside the table, by the Monday–Friday rule outside it.
func (t *dayTable) workdays(from, to int) int {
	if from > to {
		return 0
	}
	if len(t.sums) == 0 {
		return weekdays(from, to)
	}
	n := 0
	if from < t.first {
		n += weekdays(from, min(to, t.first-1))
	}
	if to > t.last() {
		n += weekdays(max(from, t.last()+1), to)
	}
	if a, b := max(from, t.first), min(to, t.last()); a <= b {
		n += int(t.sums[b-t.first+1] - t.sums[a-t.first])
	}
	return n
}

// weekdays counts Monday–Friday in from <= d <= to.
func weekdays(from, to int) int {
	if from > to {
		return 0
	}
	days := to - from + 1
	n := days / 7 * 5 // every full week has five
	for d := from + days/7*7; d <= to; d++ {
		if !isWeekend(d) {
			n++
		}
	}
	return n
}
