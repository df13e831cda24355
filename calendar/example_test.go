package calendar_test

import (
	"fmt"
	"time"

	"gongkai/calendar"
)

func ExampleCalendar_AddWorkdays() {
	cal, err := calendar.New(nil) // in production: the overlay from the database
	if err != nil {
		panic(err)
	}
	received, _ := calendar.ParseDate("2026-09-18")
	r, err := cal.AddWorkdays("", received, 20) // Art.33: 20 working days
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Due)
	for _, line := range r.Explanation {
		fmt.Println(line)
	}
	// Output:
	// 2026-10-22
	// 2026-09-18 起算日，不计当日
	// 跳过 09-19 周六
	// 09-20 周日 国庆节调休上班，计为工作日
	// 跳过 09-25…09-27 中秋节
	// 跳过 10-01…10-07 国庆节
	// 10-10 周六 国庆节调休上班，计为工作日
	// 跳过 10-11 周日
	// 跳过 10-17…10-18 周末
	// 20 个工作日届满 2026-10-22
}

func ExampleCalendar_Evaluate() {
	cal, _ := calendar.New(nil)
	date := func(s string) calendar.Date {
		d, _ := calendar.ParseDate(s)
		return d
	}
	clock := calendar.Clock{
		Workdays:     20, // Art.33 reply period
		MaxExtension: 20,
		Events: []calendar.ClockEvent{
			{Kind: calendar.EventStart, Date: date("2026-09-18")},
			{Kind: calendar.EventPause, Date: date("2026-09-24"), Reason: "征求第三方意见"},
			{Kind: calendar.EventResume, Date: date("2026-10-09")},
		},
	}
	// In a workflow: calendar.Today(workflow.Now(ctx)).
	today := calendar.Today(time.Date(2026, 10, 12, 9, 0, 0, 0, calendar.ChinaZone()))
	st, err := cal.Evaluate(clock, today)
	if err != nil {
		panic(err)
	}
	fmt.Println(st.State, st.Due, st.WorkdaysLeft)
	// Output: running 2026-10-29 13
}
