package calendar

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func start(date string) ClockEvent { return ClockEvent{Kind: EventStart, Date: d(date)} }
func pause(date, why string) ClockEvent {
	return ClockEvent{Kind: EventPause, Date: d(date), Reason: why}
}
func resume(date string) ClockEvent { return ClockEvent{Kind: EventResume, Date: d(date)} }
func stop(date string) ClockEvent   { return ClockEvent{Kind: EventStop, Date: d(date)} }
func extend(date string, n int) ClockEvent {
	return ClockEvent{Kind: EventExtend, Date: d(date), Workdays: n, Reason: "负责人同意"}
}

// replyClock is the Art.33 reply period: 20 working days, extension ≤ 20.
func replyClock(events ...ClockEvent) Clock {
	return Clock{Workdays: 20, MaxExtension: 20, Events: events}
}

func evaluate(t *testing.T, c *Calendar, clock Clock, today string) ClockStatus {
	t.Helper()
	st, err := c.Evaluate(clock, d(today))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func explain(st ClockStatus) string { return strings.Join(st.Explanation, "\n") }

func TestClockRunningOverdueStopped(t *testing.T) {
	c := national(t)
	clock := replyClock(start("2026-09-18"))
	for _, tt := range []struct {
		today string
		state State
		left  int
	}{
		{"2026-09-18", StateRunning, 20},
		{"2026-09-30", StateRunning, 12},
		{"2026-10-05", StateRunning, 12}, // 国庆: nothing passes
		{"2026-10-22", StateRunning, 0},  // due today
		{"2026-10-23", StateOverdue, -1},
		{"2026-10-25", StateOverdue, -1}, // weekend after
		{"2026-10-26", StateOverdue, -2},
	} {
		st := evaluate(t, c, clock, tt.today)
		if st.Due != d("2026-10-22") || st.State != tt.state || st.WorkdaysLeft != tt.left {
			t.Errorf("today %s: due %s state %s left %d; want 2026-10-22 %s %d", tt.today, st.Due, st.State, st.WorkdaysLeft, tt.state, tt.left)
		}
	}

	st := evaluate(t, c, replyClock(start("2026-09-18"), stop("2026-10-20")), "2026-11-30")
	if st.State != StateStopped || st.WorkdaysLeft != 2 || st.Span.To != d("2026-10-22") {
		t.Errorf("stopped: %+v", st)
	}
	if last := st.Explanation[len(st.Explanation)-1]; last != "2026-10-20 办结，在期限内" {
		t.Errorf("last line %q", last)
	}
	st = evaluate(t, c, replyClock(start("2026-09-18"), stop("2026-10-26")), "2026-11-30")
	if st.State != StateStopped || st.WorkdaysLeft != -2 {
		t.Errorf("stopped late: %+v", st)
	}

	st = evaluate(t, c, replyClock(start("2026-09-18")), "2026-09-30")
	if st.Explanation[0] != "2026-09-18 收到申请（起算日），不计当日" ||
		st.Explanation[len(st.Explanation)-1] != "截至 2026-09-30 尚余 12 个工作日" {
		t.Errorf("explanation:\n%s", explain(st))
	}
}

// 补正 (Art.30): the period starts again from zero on receipt of the correction.
func TestClockRestart(t *testing.T) {
	c := national(t)
	clock := replyClock(
		start("2026-02-10"),
		pause("2026-02-11", "征求第三方意见"),
		resume("2026-02-12"),
		ClockEvent{Kind: EventRestart, Date: d("2026-03-02"), Reason: "收到补正后的申请"},
	)
	st := evaluate(t, c, clock, "2026-03-05")
	if st.Start != d("2026-03-02") || st.Due != d("2026-03-30") || st.WorkdaysLeft != 17 || st.State != StateRunning {
		t.Errorf("restart: start %s due %s left %d %s\n%s", st.Start, st.Due, st.WorkdaysLeft, st.State, explain(st))
	}
	if len(st.Paused) != 0 {
		t.Errorf("pauses before the restart no longer apply: %+v", st.Paused)
	}
	for _, line := range []string{
		"2026-02-10 收到申请；2026-03-02 起重新计算期限，此前的计时不再适用",
		"2026-03-02 收到补正后的申请（起算日），不计当日",
	} {
		if !slices.Contains(st.Explanation, line) {
			t.Errorf("missing %q in\n%s", line, explain(st))
		}
	}
}

// A pause on P resumed on R excludes working days P < d <= R.
func TestClockPauseConvention(t *testing.T) {
	c := national(t)
	base := []ClockEvent{start("2026-03-02")} // plain weeks: due 03-30
	for _, tt := range []struct {
		name   string
		events []ClockEvent
		due    string
		paused int
	}{
		{"no pause", nil, "2026-03-30", 0},
		{"same-day resume", []ClockEvent{pause("2026-03-04", "x"), resume("2026-03-04")}, "2026-03-30", 0},
		{"one day", []ClockEvent{pause("2026-03-04", "x"), resume("2026-03-05")}, "2026-03-31", 1},
		{"over a weekend", []ClockEvent{pause("2026-03-06", "x"), resume("2026-03-09")}, "2026-03-31", 1},
		{"two pauses", []ClockEvent{
			pause("2026-03-04", "征求第三方意见"), resume("2026-03-06"),
			pause("2026-03-06", "收费通知"), resume("2026-03-10"),
		}, "2026-04-03", 4},
		{"after the due date", []ClockEvent{pause("2026-04-01", "x"), resume("2026-04-02")}, "2026-03-30", 1},
	} {
		st := evaluate(t, c, replyClock(append(slices.Clone(base), tt.events...)...), "2026-04-10")
		sum := 0
		for _, p := range st.Paused {
			sum += p.Workdays
		}
		if st.Due != d(tt.due) || sum != tt.paused {
			t.Errorf("%s: due %s paused %d, want %s %d\n%s", tt.name, st.Due, sum, tt.due, tt.paused, explain(st))
		}
	}
}

func TestClockPauseSpanningHoliday(t *testing.T) {
	c := national(t)
	clock := replyClock(
		start("2026-09-18"),
		pause("2026-09-24", "征求第三方意见（第三十二条）"),
		resume("2026-10-09"),
	)
	st := evaluate(t, c, clock, "2026-10-12")
	// Excluded: 09-28, 09-29, 09-30, 10-08, 10-09 (the holidays were off anyway).
	if st.Due != d("2026-10-29") || st.State != StateRunning {
		t.Errorf("due %s %s, want 2026-10-29 running\n%s", st.Due, st.State, explain(st))
	}
	want := []Pause{{From: d("2026-09-24"), To: d("2026-10-09"), Reason: "征求第三方意见（第三十二条）", Workdays: 5}}
	if !slices.Equal(st.Paused, want) {
		t.Errorf("Paused = %+v, want %+v", st.Paused, want)
	}
	line := "09-24 起暂停计时（征求第三方意见（第三十二条）），10-09 恢复；09-25…10-09 中 5 个工作日不计入"
	if !slices.Contains(st.Explanation, line) {
		t.Errorf("missing %q in\n%s", line, explain(st))
	}
}

// While paused, Due is the due date if counting resumed today and
// WorkdaysLeft stays where the pause froze it.
func TestClockOpenPause(t *testing.T) {
	c := national(t)
	clock := replyClock(start("2026-09-18"), pause("2026-09-24", "征求第三方意见"))
	for _, today := range []string{"2026-09-24", "2026-09-30", "2026-10-09", "2026-10-12", "2026-12-01"} {
		st := evaluate(t, c, clock, today)
		resumed, _ := c.AddWorkdays("", d(today), 15)
		if st.State != StatePaused || st.WorkdaysLeft != 15 || st.Due != resumed.Due {
			t.Errorf("today %s: %s left %d due %s; want paused 15 %s\n%s", today, st.State, st.WorkdaysLeft, st.Due, resumed.Due, explain(st))
		}
		if len(st.Paused) != 1 || !st.Paused[0].To.IsZero() {
			t.Errorf("today %s: open pause %+v", today, st.Paused)
		}
	}

	// Stopping while paused ends the pause on the stop date.
	st := evaluate(t, c, replyClock(start("2026-09-18"), pause("2026-09-24", "x"), stop("2026-10-12")), "2026-10-20")
	if st.State != StateStopped || st.Paused[0].To != d("2026-10-12") || st.WorkdaysLeft != 15 {
		t.Errorf("stop while paused: %+v", st)
	}
	// A pause begun after the deadline passed does not rescue it.
	st = evaluate(t, c, replyClock(start("2026-09-18"), pause("2026-10-26", "x")), "2026-10-28")
	if st.State != StateOverdue || st.Due != d("2026-10-22") {
		t.Errorf("pause after due: %s %s\n%s", st.State, st.Due, explain(st))
	}
}

func TestClockExtension(t *testing.T) {
	c := national(t)
	st := evaluate(t, c, replyClock(start("2026-09-18"), extend("2026-10-15", 20)), "2026-10-23")
	if st.Due != d("2026-11-19") || st.State != StateRunning || st.WorkdaysLeft != 19 {
		t.Errorf("extended: due %s %s left %d\n%s", st.Due, st.State, st.WorkdaysLeft, explain(st))
	}
	for _, line := range []string{
		"20 个工作日届满 10-22（原期限）",
		"2026-10-15 延长 20 个工作日（负责人同意）",
		"40 个工作日届满 2026-11-19",
	} {
		if !slices.Contains(st.Explanation, line) {
			t.Errorf("missing %q in\n%s", line, explain(st))
		}
	}

	st = evaluate(t, c, replyClock(start("2026-09-18"), extend("2026-10-15", 5)), "2026-10-23")
	if st.Due != d("2026-10-29") {
		t.Errorf("+5: due %s", st.Due)
	}

	for name, clock := range map[string]Clock{
		"second extension": replyClock(start("2026-09-18"), extend("2026-10-15", 10), extend("2026-10-16", 10)),
		"above maximum":    replyClock(start("2026-09-18"), extend("2026-10-15", 21)),
		"none allowed":     {Workdays: 20, Events: []ClockEvent{start("2026-09-18"), extend("2026-10-15", 1)}},
		"zero days":        replyClock(start("2026-09-18"), extend("2026-10-15", 0)),
	} {
		if _, err := c.Evaluate(clock, d("2026-10-20")); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestClockOverrideDue(t *testing.T) {
	c := national(t)
	override := func(due string) ClockEvent {
		return ClockEvent{Kind: EventOverrideDue, Date: d("2026-09-25"), Due: d(due), Reason: "申请数量明显超过合理范围（第三十五条）"}
	}
	st := evaluate(t, c, replyClock(start("2026-09-18"), override("2026-12-31")), "2026-10-23")
	if st.Due != d("2026-12-31") || st.State != StateRunning {
		t.Errorf("override: %s %s\n%s", st.Due, st.State, explain(st))
	}
	if !slices.Contains(st.Explanation, "2026-09-25 确定延迟答复期限 2026-12-31（申请数量明显超过合理范围（第三十五条））") {
		t.Errorf("explanation:\n%s", explain(st))
	}
	// Never shorter than the statutory period.
	st = evaluate(t, c, replyClock(start("2026-09-18"), override("2026-10-09")), "2026-10-12")
	if st.Due != d("2026-10-22") {
		t.Errorf("override earlier than statute: due %s, want 2026-10-22", st.Due)
	}
}

func TestClockValidation(t *testing.T) {
	c := national(t)
	today := d("2026-10-30")
	for name, clock := range map[string]Clock{
		"no events":            replyClock(),
		"resume first":         replyClock(resume("2026-09-18")),
		"second start":         replyClock(start("2026-09-18"), start("2026-09-20")),
		"resume without pause": replyClock(start("2026-09-18"), resume("2026-09-20")),
		"pause while paused":   replyClock(start("2026-09-18"), pause("2026-09-20", "a"), pause("2026-09-21", "b")),
		"pause without reason": replyClock(start("2026-09-18"), pause("2026-09-20", "")),
		"event before start":   replyClock(start("2026-09-18"), pause("2026-09-10", "a")),
		"out of order":         replyClock(start("2026-09-18"), pause("2026-09-25", "a"), resume("2026-09-22")),
		"after today":          replyClock(start("2026-09-18"), pause("2026-11-02", "a")),
		"after stop":           replyClock(start("2026-09-18"), stop("2026-09-20"), pause("2026-09-21", "a")),
		"restart while paused": replyClock(start("2026-09-18"), pause("2026-09-20", "a"), ClockEvent{Kind: EventRestart, Date: d("2026-09-21")}),
		"unknown kind":         replyClock(start("2026-09-18"), ClockEvent{Kind: "suspend", Date: d("2026-09-20")}),
		"invalid date":         replyClock(start("2026-09-18"), ClockEvent{Kind: EventStop, Date: Date{2026, 9, 31}}),
		"override not later":   replyClock(start("2026-09-18"), ClockEvent{Kind: EventOverrideDue, Date: d("2026-09-20"), Due: d("2026-09-20")}),
		"override without due": replyClock(start("2026-09-18"), ClockEvent{Kind: EventOverrideDue, Date: d("2026-09-20")}),
		"extension after override": replyClock(start("2026-09-18"),
			ClockEvent{Kind: EventOverrideDue, Date: d("2026-09-20"), Due: d("2026-12-31")}, extend("2026-09-21", 5)),
		"unknown region":   {Region: "宁厦", Workdays: 20, Events: []ClockEvent{start("2026-09-18")}},
		"zero workdays":    {Events: []ClockEvent{start("2026-09-18")}},
		"too many":         {Workdays: 300, MaxExtension: 200, Events: []ClockEvent{start("2026-09-18")}},
		"negative maximum": {Workdays: 20, MaxExtension: -1, Events: []ClockEvent{start("2026-09-18")}},
	} {
		if _, err := c.Evaluate(clock, today); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestClockProvisionalAndRegion(t *testing.T) {
	c := withOverlay(t, ningxia2026())
	st := evaluate(t, c, replyClock(start("2028-12-20")), "2029-01-02")
	if !st.Provisional || !slices.Equal(st.MissingYears, []int{2028, 2029}) {
		t.Errorf("provisional %v %v", st.Provisional, st.MissingYears)
	}

	clock := Clock{Region: "宁夏", Workdays: 20, Events: []ClockEvent{start("2026-03-02")}}
	st = evaluate(t, c, clock, "2026-03-05")
	if st.Due != d("2026-03-31") {
		t.Errorf("宁夏 due %s, want 2026-03-31", st.Due)
	}
	clock.Region = "北京"
	if st := evaluate(t, c, clock, "2026-03-05"); st.Due != d("2026-03-30") {
		t.Errorf("北京 due %s, want 2026-03-30", st.Due)
	}
}
