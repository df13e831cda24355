package calendar

import "testing"

// An inbox render computes one deadline per open case; these measure one.

// starts are the days of 2026, the inputs the benchmarks cycle through.
func starts() []Date {
	var out []Date
	for x := d("2026-01-01"); x.Year == 2026; x = x.AddDays(1) {
		out = append(out, x)
	}
	return out
}

func BenchmarkAddWorkdays(b *testing.B) {
	c := withOverlay(b, ningxia2026())
	in := starts()
	i := 0
	for b.Loop() {
		if _, err := c.AddWorkdays("宁夏", in[i%len(in)], 20); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkWorkdaysBetween(b *testing.B) {
	c := withOverlay(b, ningxia2026())
	from := starts()
	to := make([]Date, len(from))
	for i, x := range from {
		to[i] = x.AddDays(30)
	}
	i := 0
	for b.Loop() {
		c.WorkdaysBetween("宁夏", from[i%len(from)], to[i%len(to)])
		i++
	}
}

func BenchmarkEvaluate(b *testing.B) {
	c := withOverlay(b, ningxia2026())
	clock := Clock{Region: "宁夏", Workdays: 20, MaxExtension: 20, Events: []ClockEvent{
		start("2026-09-18"), pause("2026-09-24", "征求第三方意见"), resume("2026-10-09"), extend("2026-10-15", 20),
	}}
	today := d("2026-10-20")
	for b.Loop() {
		if _, err := c.Evaluate(clock, today); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	overlay := ningxia2026()
	for b.Loop() {
		if _, err := New(overlay); err != nil {
			b.Fatal(err)
		}
	}
}
