package calendar

import (
	"fmt"
	"strconv"
)

// EventKind names what happened to a statutory clock.
type EventKind string

const (
	// EventStart: the receipt date; counting begins the next day. Exactly one,
	// and it comes first.
	EventStart EventKind = "start"
	// EventRestart: 补正 received (Art.30). Counting starts again from this date
	// with the full Workdays; earlier pauses, extension and override_due no
	// longer apply.
	EventRestart EventKind = "restart"
	// EventPause: consultation (Art.32/34), fee notice, …; Reason is required.
	EventPause EventKind = "pause"
	// EventResume ends the open pause.
	EventResume EventKind = "resume"
	// EventExtend adds Workdays working days (Art.33), once, at most
	// Clock.MaxExtension.
	EventExtend EventKind = "extend"
	// EventOverrideDue: an organ-chosen later due date (Art.35) in Due.
	EventOverrideDue EventKind = "override_due"
	// EventStop: concluded (answered, withdrawn, …). Nothing may follow it.
	EventStop EventKind = "stop"
)

// ClockEvent is one entry in a clock's history.
type ClockEvent struct {
	Kind     EventKind `json:"kind"`
	Date     Date      `json:"date"`               // the day it happened
	Reason   string    `json:"reason,omitempty"`   // shown in the explanation
	Workdays int       `json:"workdays,omitempty"` // extend only
	Due      Date      `json:"due,omitzero"`       // override_due only
}

// Clock is a statutory deadline described by its history, e.g. a reply period
// of 20 working days with at most 20 more by extension.
type Clock struct {
	Region       string       `json:"region"`
	Workdays     int          `json:"workdays"`
	MaxExtension int          `json:"max_extension"` // 0: no extension allowed
	Events       []ClockEvent `json:"events"`        // in date order
}

// State is where a clock stands on the evaluation day.
type State string

const (
	StateRunning State = "running"
	StatePaused  State = "paused"
	StateOverdue State = "overdue" // past Due and not stopped (wins over paused)
	StateStopped State = "stopped"
)

// Pause is one pause of the current counting period.
type Pause struct {
	From     Date   `json:"from"`
	To       Date   `json:"to,omitzero"` // zero while still paused
	Reason   string `json:"reason"`
	Workdays int    `json:"workdays"` // working days not counted (up to today if open)
}

// ClockStatus is a clock evaluated on one day.
type ClockStatus struct {
	Start Date `json:"start"` // the start or the last restart: counting runs from the day after
	Due   Date `json:"due"`
	// WorkdaysLeft counts working days from the evaluation day (the stop date
	// for a stopped clock) to Due, as WorkdaysBetween does: 0 on the due day,
	// negative once past it.
	WorkdaysLeft int      `json:"workdays_left"`
	State        State    `json:"state"`
	Provisional  bool     `json:"provisional"`
	MissingYears []int    `json:"missing_years,omitempty"`
	Explanation  []string `json:"explanation"`
	Paused       []Pause  `json:"paused,omitempty"`
	// Span is the range of dates the status depends on; see Affected.
	Span DateRange `json:"span"`
}

// Evaluate computes the status of clock on day today.
//
// Pause convention: a pause on day P resumed on day R excludes the working
// days P < d <= R. Day P still counts (work was done on it), and R is treated
// like a new start day — not counted — as §4.5 does for the receipt day.
//
// While paused, the pause is taken to run until today, so Due is the due date
// if counting resumed today, and WorkdaysLeft stays frozen at what remains.
//
// override_due replaces the computed due date, but never shortens it: if the
// statutory date (after pauses and extension) is later, that one stands.
//
// Events must be in date order, start first, none after today or after stop;
// violations are ErrInvalid errors naming the event.
func (c *Calendar) Evaluate(clock Clock, today Date) (ClockStatus, error) {
	h, err := readHistory(clock, today)
	if err != nil {
		return ClockStatus{}, err
	}
	end := today // the day the status is measured at
	if h.stopped {
		end = h.stop
	}

	w := c.newWalker(clock.Region, h.start)
	w.lines = append(w.lines, h.earlier...)
	w.startLine(h.start, h.startEvent)
	var paused []Pause
	for _, p := range h.pauses {
		to := end
		if !p.open {
			to = p.to
		}
		w.pauses = append(w.pauses, pauseSpan{from: p.from.number(), to: to.number(), reason: p.reason, open: p.open})
		excluded, _ := c.WorkdaysBetween(clock.Region, p.from, to)
		paused = append(paused, Pause{From: p.from, To: p.to, Reason: p.reason, Workdays: excluded})
	}

	dueN := w.count(h.start.number(), clock.Workdays)
	if h.extension > 0 {
		w.text(strconv.Itoa(clock.Workdays) + " 个工作日届满 ").day(dueN).text("（原期限）").end()
		w.text(h.extendDate.String() + " 延长 " + strconv.Itoa(h.extension) + " 个工作日" + parenthesized(h.extendReason)).end()
		dueN = w.count(dueN, h.extension)
	}
	w.unshownPauses()
	total := clock.Workdays + h.extension
	due := dateOfNumber(dueN)
	w.lines = append(w.lines, strconv.Itoa(total)+" 个工作日届满 "+due.String())

	if h.overridden {
		line := h.overrideDate.String() + " 确定延迟答复期限 " + h.overrideDue.String() + parenthesized(h.overrideReason)
		if h.overrideDue.Before(due) {
			line += "；早于法定期限，仍以 " + due.String() + " 为准"
		} else {
			due = h.overrideDue
		}
		w.lines = append(w.lines, line)
	}

	left, provisional := c.WorkdaysBetween(clock.Region, end, due)
	if provisional {
		// Name the years, too: the walk only saw days up to the due date.
		a, b := min(end.number(), due.number()), max(end.number(), due.number())
		for n := a + 1; n <= b; n++ {
			if !lib.known(n) {
				w.addMissing(n)
			}
		}
	}

	st := ClockStatus{Start: h.start, Due: due, WorkdaysLeft: left, Paused: paused}
	switch {
	case h.stopped:
		st.State = StateStopped
		if left >= 0 {
			w.lines = append(w.lines, h.stop.String()+" 办结，在期限内")
		} else {
			w.lines = append(w.lines, h.stop.String()+" 办结，超过期限 "+strconv.Itoa(-left)+" 个工作日")
		}
	case end.After(due):
		st.State = StateOverdue
		w.lines = append(w.lines, "截至 "+end.String()+" 已超过期限 "+strconv.Itoa(-left)+" 个工作日")
	case h.openPause:
		st.State = StatePaused
		w.lines = append(w.lines, "截至 "+end.String()+" 暂停中，尚余 "+strconv.Itoa(left)+" 个工作日")
	default:
		st.State = StateRunning
		w.lines = append(w.lines, "截至 "+end.String()+" 尚余 "+strconv.Itoa(left)+" 个工作日")
	}
	w.provisionalLines()
	st.Provisional = len(w.missing) > 0
	st.MissingYears = w.missing
	st.Explanation = w.lines
	st.Span = DateRange{Region: clock.Region, From: h.start, To: due}
	if end.After(due) {
		st.Span.To = end
	}
	return st, nil
}

// AffectedBy reports whether an overlay change touches the dates this status
// depends on, i.e. whether the clock must be evaluated again.
func (s ClockStatus) AffectedBy(changes []DateRange) bool {
	return Affected(changes, s.Span.Region, s.Span.From, s.Span.To)
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return "（" + s + "）"
}

// history is a clock's events folded into what the computation needs.
type history struct {
	start      Date
	startEvent string   // what happened on start, e.g. "收到申请", "收到补正后的申请"
	earlier    []string // lines for periods before the last restart

	pauses    []pausedDates
	openPause bool

	extension    int
	extendDate   Date
	extendReason string

	overridden     bool
	overrideDate   Date
	overrideDue    Date
	overrideReason string

	stopped bool
	stop    Date
}

type pausedDates struct {
	from, to Date
	reason   string
	open     bool
}

func readHistory(clock Clock, today Date) (history, error) {
	var h history
	bad := func(i int, format string, args ...any) error {
		return fmt.Errorf("%w: clock event %d: "+format, append([]any{ErrInvalid, i}, args...)...)
	}
	switch {
	case !ValidRegion(clock.Region):
		return h, fmt.Errorf("%w: clock: unknown region %q", ErrInvalid, clock.Region)
	case clock.Workdays < 1 || clock.Workdays+max(clock.MaxExtension, 0) > MaxWorkdays:
		return h, fmt.Errorf("%w: clock: %d+%d working days: want 1..%d in total", ErrInvalid, clock.Workdays, clock.MaxExtension, MaxWorkdays)
	case clock.MaxExtension < 0:
		return h, fmt.Errorf("%w: clock: negative max extension %d", ErrInvalid, clock.MaxExtension)
	case !today.Valid():
		return h, fmt.Errorf("%w: clock: invalid evaluation date %v", ErrInvalid, today)
	case len(clock.Events) == 0 || clock.Events[0].Kind != EventStart:
		return h, fmt.Errorf("%w: clock: the first event must be %q", ErrInvalid, EventStart)
	}

	for i, e := range clock.Events {
		switch {
		case !e.Date.Valid():
			return h, bad(i, "invalid date %v", e.Date)
		case e.Date.After(today):
			return h, bad(i, "%s on %s is after today %s", e.Kind, e.Date, today)
		case h.stopped:
			return h, bad(i, "%s on %s after stop on %s", e.Kind, e.Date, h.stop)
		case i > 0 && e.Date.Before(clock.Events[i-1].Date):
			return h, bad(i, "%s on %s is before the previous event on %s", e.Kind, e.Date, clock.Events[i-1].Date)
		}
		switch e.Kind {
		case EventStart:
			if i > 0 {
				return h, bad(i, "second start; a new counting period is a %q", EventRestart)
			}
			h.start, h.startEvent = e.Date, e.Reason
			if h.startEvent == "" {
				h.startEvent = "收到申请"
			}

		case EventRestart:
			if h.openPause {
				return h, bad(i, "restart on %s while paused since %s", e.Date, h.pauses[len(h.pauses)-1].from)
			}
			h.earlier = append(h.earlier, h.start.String()+" "+h.startEvent+"；"+e.Date.String()+" 起重新计算期限，此前的计时不再适用")
			h.start, h.startEvent = e.Date, e.Reason
			if h.startEvent == "" {
				h.startEvent = "重新起算"
			}
			h.pauses, h.extension, h.overridden = nil, 0, false

		case EventPause:
			if h.openPause {
				return h, bad(i, "pause on %s while already paused since %s", e.Date, h.pauses[len(h.pauses)-1].from)
			}
			if e.Reason == "" {
				return h, bad(i, "pause on %s needs a reason", e.Date)
			}
			h.pauses = append(h.pauses, pausedDates{from: e.Date, reason: e.Reason, open: true})
			h.openPause = true

		case EventResume:
			if !h.openPause {
				return h, bad(i, "resume on %s without a pause", e.Date)
			}
			p := &h.pauses[len(h.pauses)-1]
			p.to, p.open = e.Date, false
			h.openPause = false

		case EventExtend:
			switch {
			case h.extension > 0:
				return h, bad(i, "second extension on %s; only one is allowed", e.Date)
			case h.overridden:
				return h, bad(i, "extension on %s after override_due", e.Date)
			case e.Workdays < 1:
				return h, bad(i, "extension of %d working days", e.Workdays)
			case e.Workdays > clock.MaxExtension:
				return h, bad(i, "extension of %d working days exceeds the maximum %d", e.Workdays, clock.MaxExtension)
			}
			h.extension, h.extendDate, h.extendReason = e.Workdays, e.Date, e.Reason

		case EventOverrideDue:
			switch {
			case h.overridden:
				return h, bad(i, "second override_due on %s", e.Date)
			case !e.Due.Valid():
				return h, bad(i, "override_due on %s without a valid due date", e.Date)
			case !e.Due.After(e.Date):
				return h, bad(i, "override_due on %s sets a due date %s that is not later", e.Date, e.Due)
			}
			h.overridden, h.overrideDate, h.overrideDue, h.overrideReason = true, e.Date, e.Due, e.Reason

		case EventStop:
			if h.openPause { // concluding ends the pause
				p := &h.pauses[len(h.pauses)-1]
				p.to, p.open = e.Date, false
				h.openPause = false
			}
			h.stopped, h.stop = true, e.Date

		default:
			return h, bad(i, "unknown kind %q", e.Kind)
		}
	}
	return h, nil
}
