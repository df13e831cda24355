// Package calendar counts legal deadlines in working days on China's official
// calendar: the 国务院办公厅 holiday schedule (from lunar-go's HolidayUtil)
// plus an overlay of national or regional corrections supplied by the caller
// (e.g. 宁夏's 开斋节 and 古尔邦节).
//
// Everything here is pure and deterministic — no clock, I/O, goroutines or
// mutable package state — so it is safe in Temporal workflow code. A *Calendar
// is immutable and safe for concurrent use.
//
// Counting convention (statutory-rules.md §4.5): the day of the triggering
// event is not counted; day 1 is the first working day after it, so a start on
// a holiday simply counts from the next working day. A date is a working day if
// the overlay or the library marks it 调休上班, or it is Monday–Friday and not
// marked as a holiday. For a year with no 国务院办公厅 notice in the library the
// Monday–Friday rule is used and results say Provisional.
//
// Replay note for workflows: results depend on the lunar-go version (a release
// adds the next year) and on the overlay. Workflows should be told about overlay
// changes (OverlayChanged) and must treat a library upgrade like any other code
// change that alters workflow decisions.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// ErrInvalid is wrapped by every error caused by bad input (dates, regions,
// day counts, overrides, clock events), so an API can map it to 400.
var ErrInvalid = errors.New("calendar: invalid input")

// MaxWorkdays bounds n in AddWorkdays and Clock.Workdays (+ extension): large
// enough for every statutory period, small enough to stop runaway input.
const MaxWorkdays = 400

// Overlay dates must fall in these years; anything else is a typo, and the
// bound keeps the lookup tables small.
const overlayFirstYear, overlayLastYear = 2000, 2100

// Override marks one date as working or not, nationally (Region "") or for one
// province-level region, overriding the library. A regional override beats a
// national one for that region.
type Override struct {
	Date    Date   `json:"date"`
	Region  string `json:"region"`  // "" = national, else one of Regions()
	Working bool   `json:"working"` // true = 调休上班, false = 放假
	Name    string `json:"name"`    // e.g. "开斋节"
	Source  string `json:"source"`  // document number, e.g. "宁政办发〔2026〕12号"
}

func (o Override) rule() dayRule {
	reason := o.Name
	if reason == "" {
		reason = "放假"
		if o.Working {
			reason = "调休上班"
		}
	}
	if o.Source != "" {
		reason += "（" + o.Source + "）"
	}
	return dayRule{working: o.Working, reason: reason, source: o.Source}
}

// Calendar answers working-day questions for the nation and each region.
// Build it with New; the zero value is not usable.
type Calendar struct {
	national dayTable
	regional map[string]*dayTable // only regions that have overrides
}

// New builds a Calendar from the library and the overlay. It rejects invalid
// dates, dates outside 2000–2100, unknown regions and two overrides for the
// same date and region (the overlay must say one thing per day).
func New(overrides []Override) (*Calendar, error) {
	type key struct {
		region string
		n      int
	}
	seen := make(map[key]int, len(overrides))
	// from..to: the days all tables must cover (library and overlay).
	from, to, have := 0, 0, false
	if len(lib.table.days) > 0 {
		from, to, have = lib.table.first, lib.table.last(), true
	}
	for i, o := range overrides {
		switch {
		case !o.Date.Valid():
			return nil, fmt.Errorf("%w: override %d: invalid date %v", ErrInvalid, i, o.Date)
		case o.Date.Year < overlayFirstYear || o.Date.Year > overlayLastYear:
			return nil, fmt.Errorf("%w: override %d: date %s outside %d–%d", ErrInvalid, i, o.Date, overlayFirstYear, overlayLastYear)
		case !ValidRegion(o.Region):
			return nil, fmt.Errorf("%w: override %d: unknown region %q", ErrInvalid, i, o.Region)
		}
		n := o.Date.number()
		k := key{o.Region, n}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("%w: overrides %d and %d both set %s %s", ErrInvalid, j, i, regionName(o.Region), o.Date)
		}
		seen[k] = i
		if !have {
			from, to, have = n, n, true
		}
		from, to = min(from, n), max(to, n)
	}
	if len(lib.table.rules)+len(overrides) > maxRules {
		return nil, fmt.Errorf("%w: %d overrides are too many", ErrInvalid, len(overrides))
	}

	// One rule list for all tables: the library's, then one per override.
	// Clipping makes append copy, so the library's own list stays untouched.
	rules := slices.Clip(lib.table.rules)
	for _, o := range overrides {
		rules = append(rules, o.rule())
	}
	index := func(i int) uint16 { return uint16(len(lib.table.rules) + i) }

	c := &Calendar{regional: map[string]*dayTable{}}
	if !have {
		c.national = dayTable{rules: rules}
		return c, nil
	}
	// National first, so each regional table starts from the final national one.
	c.national = lib.table.covering(from, to)
	c.national.rules = rules
	for i, o := range overrides {
		if o.Region == "" {
			c.national.set(o.Date.number(), index(i))
		}
	}
	for i, o := range overrides {
		if o.Region == "" {
			continue
		}
		t := c.regional[o.Region]
		if t == nil {
			copied := c.national.covering(from, to)
			t = &copied
			c.regional[o.Region] = t
		}
		t.set(o.Date.number(), index(i))
	}
	c.national.sum()
	for _, t := range c.regional {
		t.sum()
	}
	return c, nil
}

// LibraryYears is the range of years whose 国务院办公厅 notice is in the
// linked lunar-go version (2002–2027 for v1.4.7). Other years are provisional.
func LibraryYears() (first, last int) { return lib.firstYear, lib.lastYear }

// table returns the rules for region; unknown regions get the national rules.
func (c *Calendar) table(region string) *dayTable {
	if t, ok := c.regional[region]; ok {
		return t
	}
	return &c.national
}

func regionName(region string) string {
	if region == "" {
		return "全国"
	}
	return region
}

func checkRegion(region string) error {
	if !ValidRegion(region) {
		return fmt.Errorf("%w: unknown region %q", ErrInvalid, region)
	}
	return nil
}

// DayInfo describes one date for one region.
type DayInfo struct {
	Date    Date   `json:"date"`
	Working bool   `json:"working"`
	Reason  string `json:"reason"` // e.g. "工作日", "周末", "中秋节", "国庆节调休上班", "开斋节（宁政办发〔2026〕12号）"
	Source  string `json:"source"` // the notice or document behind Reason; "" for the weekday rule
	Known   bool   `json:"known"`  // false: the year has no notice in the library, Working is provisional
}

// Day describes d for region ("" = national; an unknown region is treated as
// national — validate input with ValidRegion first).
func (c *Calendar) Day(region string, d Date) DayInfo {
	n := d.number()
	info := DayInfo{Date: dateOfNumber(n), Known: lib.known(n)}
	switch r := c.table(region).rule(n); {
	case r != nil:
		info.Working, info.Reason, info.Source = r.working, r.reason, r.source
	case isWeekend(n):
		info.Reason = "周末"
	default:
		info.Working, info.Reason = true, "工作日"
	}
	return info
}

// Days describes every date from..to inclusive (nil if to is before from).
// It allocates one DayInfo per day: callers taking ranges from users bound them.
func (c *Calendar) Days(region string, from, to Date) []DayInfo {
	a, b := from.number(), to.number()
	if b < a {
		return nil
	}
	days := make([]DayInfo, 0, b-a+1)
	for n := a; n <= b; n++ {
		days = append(days, c.Day(region, dateOfNumber(n)))
	}
	return days
}

// WorkdaysBetween counts the working days d with from < d <= to, so that
// WorkdaysBetween(s, AddWorkdays(s, n).Due) == n. It is antisymmetric: if to is
// before from the result is minus the count from to to from. provisional is
// true if a counted day lies in a year without a notice.
func (c *Calendar) WorkdaysBetween(region string, from, to Date) (n int, provisional bool) {
	a, b := from.number(), to.number()
	sign := 1
	if b < a {
		a, b, sign = b, a, -1
	}
	n = c.table(region).workdays(a+1, b)
	provisional = a < b && (a+1 < lib.knownFrom || b > lib.knownTo)
	return sign * n, provisional
}

// Result is a deadline computed by AddWorkdays.
type Result struct {
	Region       string   `json:"region"`
	Start        Date     `json:"start"`
	Workdays     int      `json:"workdays"`
	Due          Date     `json:"due"`
	Provisional  bool     `json:"provisional"`
	MissingYears []int    `json:"missing_years,omitempty"`
	Explanation  []string `json:"explanation"` // Chinese steps a clerk can follow
}

// AddWorkdays returns the n-th working day after start (start itself never
// counts). n must be 1..MaxWorkdays and region "" or a valid region; other
// input is an ErrInvalid error.
func (c *Calendar) AddWorkdays(region string, start Date, n int) (Result, error) {
	if err := checkRegion(region); err != nil {
		return Result{}, err
	}
	if !start.Valid() {
		return Result{}, fmt.Errorf("%w: invalid start date %v", ErrInvalid, start)
	}
	if n < 1 || n > MaxWorkdays {
		return Result{}, fmt.Errorf("%w: %d working days: want 1..%d", ErrInvalid, n, MaxWorkdays)
	}
	w := c.newWalker(region, start)
	w.startLine(start, "")
	due := dateOfNumber(w.count(start.number(), n))
	w.text(strconv.Itoa(n) + " 个工作日届满 ").date(due).end()
	w.provisionalLines()
	return Result{
		Region:       region,
		Start:        start,
		Workdays:     n,
		Due:          due,
		Provisional:  len(w.missing) > 0,
		MissingYears: w.missing,
		Explanation:  w.lines,
	}, nil
}
