package calendar

import "testing"

// d parses a test date or panics: test tables stay readable.
func d(s string) Date {
	date, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return date
}

// ningxia2026 is a 宁夏 overlay as its 2026 notice might read: 开斋节 on
// Friday 03-20 and Monday 03-23 (the weekend between is off anyway), plus a
// regional make-up Saturday.
func ningxia2026() []Override {
	const src = "宁政办发〔2026〕12号"
	return []Override{
		{Date: d("2026-03-20"), Region: "宁夏", Name: "开斋节", Source: src},
		{Date: d("2026-03-23"), Region: "宁夏", Name: "开斋节", Source: src},
		{Date: d("2026-03-28"), Region: "宁夏", Working: true, Name: "开斋节调休上班", Source: src},
	}
}

func national(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func withOverlay(t testing.TB, o []Override) *Calendar {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
