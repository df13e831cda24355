package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/models"
)

type deadlineResp struct {
	Start, Due   string
	Workdays     int
	Provisional  bool
	MissingYears []int `json:"missing_years"`
	Explanation  []string
}

func TestCalendarDeadline(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	token := ts.login("editor")
	var r deadlineResp
	if w := ts.do("GET", "/api/v1/calendar/deadline?start=2026-09-18&workdays=20", token, nil, &r); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if r.Due != "2026-10-22" || r.Start != "2026-09-18" || r.Workdays != 20 || r.Provisional || len(r.Explanation) == 0 {
		t.Fatalf("deadline = %+v", r)
	}
	if !strings.Contains(strings.Join(r.Explanation, "；"), "中秋节") {
		t.Errorf("explanation does not mention 中秋节: %v", r.Explanation)
	}
	ts.do("GET", "/api/v1/calendar/deadline?start=2028-03-01&workdays=5", token, nil, &r)
	if !r.Provisional || len(r.MissingYears) != 1 || r.MissingYears[0] != 2028 {
		t.Fatalf("2028 deadline = %+v, want provisional with 2028 missing", r)
	}
	for _, tc := range []struct{ query, field string }{
		{"start=2026-13-01&workdays=20", "start"},
		{"start=20260918&workdays=20", "start"},
		{"workdays=20", "start"},
		{"start=2026-09-18&workdays=0", "workdays"},
		{"start=2026-09-18&workdays=401", "workdays"},
		{"start=2026-09-18&workdays=abc", "workdays"},
		{"start=2026-09-18&workdays=20&region=火星", "region"},
	} {
		if e := wantError(t, ts.do("GET", "/api/v1/calendar/deadline?"+tc.query, token, nil, nil), 400, CodeValidation); e.Field != tc.field {
			t.Errorf("%s: field %q, want %q", tc.query, e.Field, tc.field)
		}
	}
	wantError(t, ts.do("GET", "/api/v1/calendar/deadline?start=2026-09-18&workdays=20", "", nil, nil), 401, CodeUnauthorized)
}

func TestCalendarDays(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	token := ts.login("clerk")
	var r struct {
		Provisional bool
		Days        []calendar.DayInfo
	}
	if w := ts.do("GET", "/api/v1/calendar/days?from=2026-09-19&to=2026-09-21", token, nil, &r); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(r.Days) != 3 || r.Days[0].Working || !r.Days[1].Working || !r.Days[2].Working || r.Provisional {
		t.Fatalf("days = %+v", r)
	}
	if r.Days[1].Reason == "" || r.Days[0].Reason != "周末" {
		t.Errorf("reasons: %q, %q", r.Days[0].Reason, r.Days[1].Reason)
	}
	if e := wantError(t, ts.do("GET", "/api/v1/calendar/days?from=2026-09-19&to=2026-09-01", token, nil, nil), 400, CodeValidation); e.Field != "to" {
		t.Errorf("to before from: field %q", e.Field)
	}
	if e := wantError(t, ts.do("GET", "/api/v1/calendar/days?from=2020-01-01&to=2026-01-01", token, nil, nil), 400, CodeValidation); e.Field != "to" {
		t.Errorf("over 5 years: field %q", e.Field)
	}
}

func TestCalendarOverridesShiftDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		var mu sync.Mutex
		var notified []calendar.OverlayChanged
		ts.OnCalendarChange = func(_ context.Context, ch calendar.OverlayChanged) error {
			mu.Lock()
			defer mu.Unlock()
			notified = append(notified, ch)
			return nil
		}
		admin := ts.login("admin")
		editor := ts.login("editor")
		wantError(t, ts.do("GET", "/api/v1/calendar/overrides", editor, nil, nil), 403, CodeForbidden)
		wantError(t, ts.do("POST", "/api/v1/calendar/overrides", editor, map[string]any{"date": "2026-03-20", "region": "宁夏", "working": false, "name": "开斋节"}, nil), 403, CodeForbidden)

		var base deadlineResp
		ts.do("GET", "/api/v1/calendar/deadline?start=2026-03-18&workdays=5&region=宁夏", editor, nil, &base)

		var put struct {
			Stored  int
			Changed []calendar.DateRange
		}
		w := ts.do("POST", "/api/v1/calendar/overrides", admin, map[string]any{
			"date": "2026-03-20", "region": "宁夏", "working": false, "name": "开斋节", "source": "宁政办发〔2026〕1号",
		}, &put)
		if w.Code != 201 || put.Stored != 1 || len(put.Changed) != 1 || put.Changed[0].Region != "宁夏" || put.Changed[0].From.String() != "2026-03-20" {
			t.Fatalf("POST override: %d %+v", w.Code, put)
		}
		var after, national deadlineResp
		ts.do("GET", "/api/v1/calendar/deadline?start=2026-03-18&workdays=5&region=宁夏", editor, nil, &after)
		ts.do("GET", "/api/v1/calendar/deadline?start=2026-03-18&workdays=5", editor, nil, &national)
		if after.Due == base.Due || national.Due != base.Due {
			t.Fatalf("宁夏 due %s → %s, national %s: the overlay must shift only 宁夏", base.Due, after.Due, national.Due)
		}
		if !strings.Contains(strings.Join(after.Explanation, "；"), "开斋节") {
			t.Errorf("explanation lacks the overlay holiday: %v", after.Explanation)
		}
		if len(notified) != 1 || !notified[0].Affects("宁夏", calendar.Date{Year: 2026, Month: 3, Day: 1}, calendar.Date{Year: 2026, Month: 3, Day: 31}) {
			t.Fatalf("notified = %+v", notified)
		}

		// Bulk import is all-or-nothing: one bad row stores nothing.
		bad := `[{"date":"2026-06-06","region":"宁夏","working":false,"name":"古尔邦节"},{"date":"2026-06-31","region":"宁夏","working":false,"name":"古尔邦节"}]`
		if e := wantError(t, ts.do("POST", "/api/v1/calendar/overrides/import", admin, bad, nil), 400, CodeValidation); e.Field != "overrides[1].date" {
			t.Errorf("bad import field %q", e.Field)
		}
		var list struct{ Overrides []models.CalendarOverride }
		ts.do("GET", "/api/v1/calendar/overrides", admin, nil, &list)
		if len(list.Overrides) != 1 {
			t.Fatalf("after failed import: %d overrides, want 1", len(list.Overrides))
		}
		csvBody := "date,region,working,name,source\n2026-05-27,宁夏,放假,古尔邦节,宁政办发〔2026〕1号\n2026-05-28,宁夏,false,古尔邦节,宁政办发〔2026〕1号\n"
		req := httptest.NewRequest("POST", "/api/v1/calendar/overrides/import", strings.NewReader(csvBody))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("CSV import: %d %s", rec.Code, rec.Body)
		}
		ts.do("GET", "/api/v1/calendar/overrides", admin, nil, &list)
		if len(list.Overrides) != 3 {
			t.Fatalf("after CSV import: %d overrides, want 3", len(list.Overrides))
		}
		badCSV := "date,region,working,name\n2026-07-01,宁夏,maybe,x\n"
		req = httptest.NewRequest("POST", "/api/v1/calendar/overrides/import", strings.NewReader(badCSV))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "text/csv")
		rec = httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if e := wantError(t, rec, 400, CodeValidation); e.Field != "line 2: working" {
			t.Errorf("bad CSV field %q", e.Field)
		}

		// Deleting restores the national due date and is audited.
		id := list.Overrides[0].ID
		if w := ts.do("DELETE", "/api/v1/calendar/overrides/"+itoa(id), admin, nil, nil); w.Code != 204 {
			t.Fatalf("DELETE: %d %s", w.Code, w.Body)
		}
		wantError(t, ts.do("DELETE", "/api/v1/calendar/overrides/"+itoa(id), admin, nil, nil), 404, CodeNotFound)
		ts.do("GET", "/api/v1/calendar/deadline?start=2026-03-18&workdays=5&region=宁夏", editor, nil, &after)
		if after.Due != base.Due {
			t.Fatalf("after delete due %s, want %s", after.Due, base.Due)
		}
		// …or by date and region.
		if w := ts.do("DELETE", "/api/v1/calendar/overrides?date=2026-05-27&region=宁夏", admin, nil, nil); w.Code != 204 {
			t.Fatalf("DELETE by date: %d %s", w.Code, w.Body)
		}
		wantError(t, ts.do("DELETE", "/api/v1/calendar/overrides?date=2026-05-27&region=宁夏", admin, nil, nil), 404, CodeNotFound)
		trail, _ := models.AuditTrail(context.Background(), db, "calendar", "overlay")
		if len(trail) != 4 {
			t.Fatalf("audit events = %d, want 4 (post, csv import, two deletes)", len(trail))
		}
	})
}
