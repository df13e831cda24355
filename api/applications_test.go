package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/models"
)

type appResp struct {
	ID         uint
	Number     string
	QueryCode  string `json:"query_code"`
	ReceivedOn string `json:"received_on"`
	Status     string
	Outcome    string
	Applicant  string `json:"applicant_name"`
	IDDocument string `json:"id_document"`
	Contact    string
	Clock      clockView
	History    []models.AuditEvent
}

func (ts *testServer) waitApp(token string, id uint, status string) appResp {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var a appResp
		ts.do("GET", fmt.Sprintf("/api/v1/applications/%d", id), token, nil, &a)
		if a.Status == status {
			return a
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("application %d stays %q, want %q", id, a.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestApplicationFromRegistrationToArchive(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	clerk, reviewer, leader, editor2 := ts.login("clerk"), ts.login("reviewer"), ts.login("leader"), ts.login("editor2")
	today := calendar.Today(time.Now()).String()
	reg := map[string]any{
		"applicant_kind": "natural_person", "applicant_name": "张三丰", "id_document": "640423199001011234",
		"contact": "13900001111", "description": "2026年城关镇低保发放名单", "delivery_form": "电子邮件",
		"channel": "post_signed",
	}
	// The channel's date is required and named.
	if e := wantError(t, ts.do("POST", "/api/v1/applications", clerk, reg, nil), 400, CodeValidation); e.Field != "signed_on" {
		t.Fatalf("missing signed_on: field %q", e.Field)
	}
	reg["signed_on"] = "2099-01-01"
	if e := wantError(t, ts.do("POST", "/api/v1/applications", clerk, reg, nil), 400, CodeValidation); e.Field != "signed_on" {
		t.Fatalf("future signed_on: field %q", e.Field)
	}
	reg["signed_on"] = today
	ts.expect("POST", "/api/v1/applications", reviewer, reg, 403)
	var app appResp
	if w := ts.do("POST", "/api/v1/applications", clerk, reg, &app); w.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	if !strings.HasPrefix(app.Number, "chengguan-YSQ-") || app.QueryCode == "" || app.ReceivedOn != today || app.Clock.Due == "" || len(app.Clock.Explanation) == 0 {
		t.Fatalf("registered = %+v", app)
	}
	base := fmt.Sprintf("/api/v1/applications/%d", app.ID)

	// Lists mask personal data; the clerk's own view has it; another agency sees nothing.
	var list struct{ Applications []appResp }
	ts.do("GET", "/api/v1/applications", clerk, nil, &list)
	if len(list.Applications) != 1 || strings.Contains(list.Applications[0].Applicant, "三丰") || strings.Contains(list.Applications[0].IDDocument, "19900101") {
		t.Fatalf("list leaks personal data: %+v", list.Applications)
	}
	var full appResp
	ts.do("GET", base, clerk, nil, &full)
	if full.Applicant != "张三丰" {
		t.Fatalf("clerk's view lacks the name: %+v", full)
	}
	wantError(t, ts.do("GET", base, editor2, nil, nil), 404, CodeNotFound)

	// Out of order: nothing to pay, nothing to send.
	wantError(t, ts.do("POST", base+"/fee-paid", clerk, map[string]string{"paid_on": today}, nil), 409, CodeInvalidState)
	wantError(t, ts.do("POST", base+"/sent", clerk, map[string]string{"sent_on": today, "method": "邮寄"}, nil), 409, CodeInvalidState)
	if e := wantError(t, ts.do("POST", base+"/reply", clerk, map[string]string{"outcome": "no_such", "text": "x"}, nil), 400, CodeValidation); e.Field != "outcome" {
		t.Fatalf("bad outcome field %q", e.Field)
	}

	// The reply goes through the agency's chain; its tasks carry the number.
	ts.expect("POST", base+"/reply", clerk, map[string]string{"outcome": "disclosed", "text": "经查，现将名单提供如下。"}, 200)
	var inbox struct {
		Tasks []struct {
			ID                uint
			Step              string
			ApplicationNumber string `json:"application_number"`
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(inbox.Tasks) == 0 && time.Now().Before(deadline) {
		ts.do("GET", "/api/v1/tasks", reviewer, nil, &inbox)
		time.Sleep(50 * time.Millisecond)
	}
	if len(inbox.Tasks) != 1 || inbox.Tasks[0].ApplicationNumber != app.Number {
		t.Fatalf("reviewer inbox = %+v", inbox.Tasks)
	}
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", inbox.Tasks[0].ID), reviewer, nil, 200)
	ts.do("GET", "/api/v1/tasks", leader, nil, &inbox)
	if len(inbox.Tasks) != 1 {
		t.Fatalf("leader inbox = %+v", inbox.Tasks)
	}
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", inbox.Tasks[0].ID), leader, nil, 200)
	ts.waitApp(clerk, app.ID, models.AppReplyReady)

	ts.expect("POST", base+"/sent", clerk, map[string]string{"sent_on": today, "method": "电子邮件"}, 200)
	got := ts.waitApp(clerk, app.ID, models.AppReplied)
	if got.Outcome != "disclosed" || got.Clock.State != string(calendar.StateStopped) {
		t.Fatalf("after sent: %+v", got)
	}
	ts.expect("POST", base+"/archive", clerk, nil, 200)
	ts.waitApp(clerk, app.ID, models.AppArchived)
	wantError(t, ts.do("POST", base+"/withdraw", clerk, nil, nil), 409, CodeInvalidState)

	// The applicant's page: right code only; nothing personal; same 404 for a wrong code.
	var pub map[string]any
	w := ts.do("GET", "/api/v1/public/applications/"+app.Number+"?code="+app.QueryCode, "", nil, &pub)
	if w.Code != 200 || pub["status"] != models.AppArchived || strings.Contains(w.Body.String(), "张三丰") || strings.Contains(w.Body.String(), "13900001111") {
		t.Fatalf("public page: %d %s", w.Code, w.Body)
	}
	wrong := wantError(t, ts.do("GET", "/api/v1/public/applications/"+app.Number+"?code=WRONGCODE1", "", nil, nil), 404, CodeNotFound)
	unknown := wantError(t, ts.do("GET", "/api/v1/public/applications/nope-YSQ-1?code="+app.QueryCode, "", nil, nil), 404, CodeNotFound)
	if wrong.Message != unknown.Message {
		t.Fatalf("wrong code and unknown number answer differently: %q / %q", wrong.Message, unknown.Message)
	}
	// Guessing is rate-limited.
	limited := false
	for range publicLookups + 1 {
		if ts.do("GET", "/api/v1/public/applications/"+app.Number+"?code=GUESS", "", nil, nil).Code == http.StatusTooManyRequests {
			limited = true
		}
	}
	if !limited {
		t.Fatal("guessing query codes is not rate-limited")
	}
	// Personal data never reaches the log.
	if strings.Contains(ts.log.String(), "张三丰") || strings.Contains(ts.log.String(), "640423199001011234") {
		t.Fatal("personal data in the server log")
	}
}
