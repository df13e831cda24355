package calendar

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// china is the zone every legal date is reckoned in: UTC+8.
//
// A fixed offset rather than time.LoadLocation("Asia/Shanghai"): mainland China
// has not observed daylight saving since 1991, so the two agree for every date
// this product handles, and a fixed zone cannot fail or differ between hosts
// with and without tzdata (important for Temporal replay).
var china = time.FixedZone("CST", 8*60*60)

// ChinaZone is the fixed UTC+8 zone used by DateOf and Date.Time.
func ChinaZone() *time.Location { return china }

// Date is a civil date on China's calendar, without time or zone.
// The zero Date means "not set"; see IsZero and Valid.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a strict "YYYY-MM-DD" (zero-padded, year 0001–9999).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD, e.g. 2026-09-18", ErrInvalid, s)
	}
	y, okY := digits(s[0:4])
	m, okM := digits(s[5:7])
	d, okD := digits(s[8:10])
	if !okY || !okM || !okD {
		return Date{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD, e.g. 2026-09-18", ErrInvalid, s)
	}
	date := Date{y, time.Month(m), d}
	if !date.Valid() {
		return Date{}, fmt.Errorf("%w: date %q does not exist", ErrInvalid, s)
	}
	return date, nil
}

// digits parses a fixed-width run of ASCII digits (no sign, no spaces).
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateOf is the date in China at instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(china).Date()
	return Date{y, m, d}
}

// Today is DateOf(now); pass workflow.Now(ctx) in workflows, time.Now() elsewhere.
func Today(now time.Time) Date { return DateOf(now) }

// Valid reports whether d is a real calendar date in years 1–9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// IsZero reports whether d is the zero Date ("not set").
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as "YYYY-MM-DD".
func (d Date) String() string { return string(d.appendTo(make([]byte, 0, 10), true)) }

// appendTo appends "YYYY-MM-DD", or "MM-DD" without the year.
func (d Date) appendTo(b []byte, withYear bool) []byte {
	if withYear {
		b = appendPadded(b, d.Year, 4)
		b = append(b, '-')
	}
	b = appendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	return appendPadded(b, d.Day, 2)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(n), 10)
	for len(b)-start < width {
		b = slices.Insert(b, start, '0')
	}
	return b
}

// Time is midnight at the start of d in China.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, china)
}

// AddDays returns d shifted by n calendar days (n may be negative).
func (d Date) AddDays(n int) Date { return dateOfNumber(d.number() + n) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekdayOf(d.number()) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.compare(e) > 0 }

// Equal reports whether d and e are the same date.
func (d Date) Equal(e Date) bool { return d == e }

func (d Date) compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MarshalText encodes d as "YYYY-MM-DD" (JSON uses it), the zero Date as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("%w: cannot encode invalid date %d-%d-%d", ErrInvalid, d.Year, d.Month, d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes "YYYY-MM-DD" strictly; "" decodes to the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores d in SQL as "YYYY-MM-DD" (NULL for the zero Date), so models can
// use Date for DATE columns.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE column (time.Time, string or []byte; NULL gives the zero Date).
// A time.Time is taken at face value (its own Y-M-D), because drivers return
// DATE columns as midnight in an arbitrary zone.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		y, m, day := v.Date()
		*d = Date{y, m, day}
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	}
	return fmt.Errorf("%w: cannot scan %T into calendar.Date", ErrInvalid, src)
}

// Day numbers (days since 1970-01-01, proleptic Gregorian) make iteration
// and arithmetic cheap. The conversions are on the hot path of every deadline,
// so they use plain arithmetic instead of the time package; a test checks
// them against time.Date day by day.
//
// The trick: count years from 1 March, so the leap day is the last day of
// its year and months March..February have lengths the formula
// (153*m+2)/5 reproduces (31,30,31,30,31, 31,30,31,30,31, 31,28/29).

// number is d's day number; invalid dates are normalised like time.Date does.
func (d Date) number() int {
	if !d.Valid() {
		return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
	}
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y-- // January and February belong to the previous March-based year
	}
	m = (m + 9) % 12 // March = 0 … February = 11
	dayOfYear := (153*m+2)/5 + d.Day - 1
	// y >= 0 here (valid dates start in year 1), so division truncates safely.
	return 365*y + y/4 - y/100 + y/400 + dayOfYear - daysBeforeEpoch
}

// daysBeforeEpoch is the number of days from 0000-03-01 to 1970-01-01.
const daysBeforeEpoch = 719468

func dateOfNumber(n int) Date {
	z := n + daysBeforeEpoch // days since 0000-03-01
	if z < 0 {               // before the year 0: leave it to the time package
		y, m, d := time.Unix(int64(n)*secondsPerDay, 0).UTC().Date()
		return Date{y, m, d}
	}
	era := z / 146097 // 400-year cycles
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the cycle
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the March-based year
	mp := (5*doy + 2) / 153                                // March = 0
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	year := era*400 + yoe
	if month > 12 {
		month -= 12
		year++
	}
	return Date{year, time.Month(month), day}
}

const secondsPerDay = 24 * 60 * 60

// weekdayOf uses the fact that day 0 (1970-01-01) was a Thursday.
func weekdayOf(n int) time.Weekday {
	return time.Weekday(((n+4)%7 + 7) % 7)
}

func isWeekend(n int) bool {
	w := weekdayOf(n)
	return w == time.Saturday || w == time.Sunday
}

// weekdayName is the Chinese name of the weekday, e.g. "周六".
func weekdayName(n int) string {
	switch weekdayOf(n) {
	case time.Monday:
		return "周一"
	case time.Tuesday:
		return "周二"
	case time.Wednesday:
		return "周三"
	case time.Thursday:
		return "周四"
	case time.Friday:
		return "周五"
	case time.Saturday:
		return "周六"
	}
	return "周日"
}
