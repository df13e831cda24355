package calendar

import (
	"slices"
	"strconv"
)

// walker counts working days forward one day at a time and writes down, in
// Chinese, what it skipped and which marked working days it counted, so every
// deadline comes with an explanation a clerk can check against a wall calendar.
type walker struct {
	t       *dayTable
	year    int      // dates in this year are written MM-DD, others in full
	lines   []string // the explanation so far
	missing []int    // years walked through that have no notice, ascending

	pauses []pauseSpan // disjoint, in date order; only Evaluate sets them
	next   int         // first pause that may still contain the next day

	run skipRun // skipped days not yet written to lines
	buf []byte  // the line being written; reused so each line costs one allocation
}

// pauseSpan excludes the days from < d <= to from the count.
type pauseSpan struct {
	from, to int
	reason   string
	open     bool // not resumed yet: to is "today"
	shown    bool // an explanation line has been written for it
}

// skipRun is a stretch of consecutive skipped days with the same cause.
type skipRun struct {
	from, to int
	label    string // reason of a non-working day; "" for a pause
	pause    int    // index into walker.pauses when label == ""
	workdays int    // working days inside a pause
	active   bool
}

func (c *Calendar) newWalker(region string, start Date) *walker {
	return &walker{t: c.table(region), year: start.Year, lines: make([]string, 0, 16), buf: make([]byte, 0, 128)}
}

// count walks from day n+1 until k days have been counted and returns that
// day. A day counts if it is working and not inside a pause.
func (w *walker) count(n, k int) int {
	for k > 0 {
		n++
		if !lib.known(n) {
			w.addMissing(n)
		}
		if p := w.pausedAt(n); p >= 0 {
			w.skipPaused(n, p)
			continue
		}
		r := w.t.rule(n)
		switch {
		case r != nil && !r.working:
			w.skip(n, r.reason)
		case r == nil && isWeekend(n):
			w.skip(n, "周末")
		default:
			w.flush()
			if r != nil { // a day marked 调休上班: say that it counts
				w.day(n).text(" ").text(weekdayName(n)).text(" ").text(r.reason).text("，计为工作日").end()
			}
			k--
		}
	}
	w.flush()
	return n
}

// pausedAt returns the index of the pause containing day n, or -1.
func (w *walker) pausedAt(n int) int {
	for w.next < len(w.pauses) && w.pauses[w.next].to < n {
		w.next++
	}
	if w.next < len(w.pauses) && w.pauses[w.next].from < n {
		return w.next
	}
	return -1
}

func (w *walker) skip(n int, label string) {
	if w.run.active && w.run.label == label && w.run.to == n-1 {
		w.run.to = n
		return
	}
	w.flush()
	w.run = skipRun{from: n, to: n, label: label, active: true}
}

func (w *walker) skipPaused(n, p int) {
	if !(w.run.active && w.run.label == "" && w.run.pause == p) {
		w.flush()
		w.run = skipRun{from: n, pause: p, active: true}
	}
	w.run.to = n
	if w.t.working(n) {
		w.run.workdays++
	}
}

// flush writes the pending run of skipped days as one line.
func (w *walker) flush() {
	run := w.run
	if !run.active {
		return
	}
	w.run = skipRun{}
	if run.label != "" {
		label := run.label
		if label == "周末" && run.from == run.to {
			label = weekdayName(run.from)
		}
		w.text("跳过 ").span(run.from, run.to).text(" ").text(label).end()
		return
	}
	p := &w.pauses[run.pause]
	p.shown = true
	w.day(p.from).text(" 起暂停计时（" + p.reason + "），")
	if p.open {
		w.text("尚未恢复，按今日 ").day(p.to).text(" 恢复计算")
	} else {
		w.day(p.to).text(" 恢复")
	}
	w.text("；").span(run.from, run.to).text(" 中 " + strconv.Itoa(run.workdays) + " 个工作日不计入").end()
}

// unshownPauses explains pauses the walk never entered: resumed the same day,
// or begun after the deadline had passed.
func (w *walker) unshownPauses() {
	for i := range w.pauses {
		if p := &w.pauses[i]; !p.shown {
			w.day(p.from).text(" 暂停计时（" + p.reason + "），未影响期限").end()
		}
	}
}

func (w *walker) addMissing(n int) {
	y := dateOfNumber(n).Year
	if !slices.Contains(w.missing, y) {
		w.missing = append(w.missing, y)
		slices.Sort(w.missing)
	}
}

func (w *walker) provisionalLines() {
	for _, y := range w.missing {
		w.text(strconv.Itoa(y) + " 年尚无国务院节假日安排，按周一至周五计算（暂定）").end()
	}
}

// startLine explains the start date. event names it ("收到申请"); "" for a
// plain start.
func (w *walker) startLine(start Date, event string) {
	n := start.number()
	note := ""
	switch r := w.t.rule(n); {
	case r != nil:
		note = r.reason
	case isWeekend(n):
		note = weekdayName(n)
	}
	w.date(start)
	switch {
	case event == "" && note == "":
		w.text(" 起算日")
	case event == "":
		w.text(" 起算日（" + note + "）")
	case note == "":
		w.text(" " + event + "（起算日）")
	default:
		w.text(" " + event + "（起算日，" + note + "）")
	}
	w.text("，不计当日").end()
}

// The line builder: w.text("跳过 ").span(a, b).text(" 周末").end().

func (w *walker) text(s string) *walker {
	w.buf = append(w.buf, s...)
	return w
}

// day writes day n as MM-DD, or YYYY-MM-DD outside the walk's first year.
func (w *walker) day(n int) *walker {
	d := dateOfNumber(n)
	w.buf = d.appendTo(w.buf, d.Year != w.year)
	return w
}

// date writes d in full, YYYY-MM-DD.
func (w *walker) date(d Date) *walker {
	w.buf = d.appendTo(w.buf, true)
	return w
}

func (w *walker) span(from, to int) *walker {
	if from == to {
		return w.day(from)
	}
	return w.day(from).text("…").day(to)
}

// end finishes the line.
func (w *walker) end() {
	w.lines = append(w.lines, string(w.buf))
	w.buf = w.buf[:0]
}
