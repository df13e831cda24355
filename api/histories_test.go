package api

// Recorded histories of ApplicationCase, for the replay test in package
// workflows (TestReplayStoredHistories). They are recorded here, through
// the HTTP API on an embedded Temporal server, because the API builds an
// application's workflow input and actions:
//
//	go test ./api/ -run TestRecordApplicationHistories -record
//
// As for ItemReview's: record again only to add scenarios, never to make a
// failing replay pass.

import (
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/models"
	"gongkai/temporaltest"
	"gongkai/workflows"
)

var recordHistories = flag.Bool("record", false, "TestRecordApplicationHistories: write ../workflows/testdata/histories/application_*.json")

func TestRecordApplicationHistories(t *testing.T) {
	if !*recordHistories {
		t.Skip("regenerate with: go test ./api/ -run TestRecordApplicationHistories -record")
	}
	ts := newChainServer(t, dbtest.SQLite(t))
	clerk, reviewer, leader := ts.login("clerk"), ts.login("reviewer"), ts.login("leader")
	today := calendar.Today(time.Now()).String()

	register := func(name string) (uint, string) {
		var app appResp
		if w := ts.do("POST", "/api/v1/applications", clerk, map[string]any{
			"applicant_kind": "natural_person", "applicant_name": name, "contact": "13900001111",
			"description": "2026年城关镇低保发放名单", "delivery_form": "电子邮件", "channel": "in_person", "submitted_on": today,
		}, &app); w.Code != 201 {
			t.Fatalf("register: %d %s", w.Code, w.Body)
		}
		return app.ID, fmt.Sprintf("/api/v1/applications/%d", app.ID)
	}
	// chain approves the open chain's steps as the given users, in turn: a
	// reply's review and approval, an extension's one review.
	chain := func(deciders ...string) {
		for _, tok := range deciders {
			var inbox inboxResp
			deadline := time.Now().Add(20 * time.Second)
			for len(inbox.Tasks) == 0 && time.Now().Before(deadline) {
				ts.do("GET", "/api/v1/tasks", tok, nil, &inbox)
				time.Sleep(50 * time.Millisecond)
			}
			if len(inbox.Tasks) != 1 {
				t.Fatalf("inbox %+v, want one task", inbox.Tasks)
			}
			ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", inbox.Tasks[0].ID), tok, nil, 200)
		}
	}
	replySendArchive := func(id uint, base, outcome string) {
		ts.expect("POST", base+"/reply", clerk, map[string]string{"outcome": outcome, "text": "经查，答复如下。"}, 200)
		chain(reviewer, leader)
		ts.waitApp(clerk, id, models.AppReplyReady)
		ts.expect("POST", base+"/sent", clerk, map[string]string{"sent_on": today, "method": "电子邮件"}, 200)
		ts.waitApp(clerk, id, models.AppReplied)
		ts.expect("POST", base+"/archive", clerk, nil, 200)
		ts.waitApp(clerk, id, models.AppArchived)
	}

	scenarios := []struct {
		name string
		run  func(id uint, base string)
	}{
		{"application_reply_sent_archived", func(id uint, base string) {
			replySendArchive(id, base, "disclosed")
		}},
		{"application_correction_consultation_extension", func(id uint, base string) {
			ts.expect("POST", base+"/correction-notice", clerk, map[string]any{"sent_on": today, "items": "请写明所需信息的年份", "period_workdays": 10}, 200)
			ts.expect("POST", base+"/corrected", clerk, map[string]string{"received_on": today}, 200)
			ts.expect("POST", base+"/consultations", clerk, map[string]string{"kind": "third_party", "party": "某公司", "sent_on": today, "received_on": today}, 200)
			var app struct {
				Consultations []struct{ ID uint }
			}
			ts.do("GET", base, clerk, nil, &app)
			if len(app.Consultations) != 1 {
				t.Fatalf("consultations: %+v", app.Consultations)
			}
			ts.expect("POST", fmt.Sprintf("%s/consultations/%d/reply", base, app.Consultations[0].ID), clerk, map[string]string{"replied_on": today, "opinion": "同意公开"}, 200)
			ts.expect("POST", base+"/extension", clerk, map[string]any{"workdays": 20, "reason": "需要汇总多个部门的材料"}, 200)
			chain(reviewer)
			replySendArchive(id, base, "partially_disclosed")
		}},
		{"application_withdrawn", func(id uint, base string) {
			ts.expect("POST", base+"/withdraw", clerk, nil, 200)
			ts.waitApp(clerk, id, models.AppClosed)
			ts.expect("POST", base+"/archive", clerk, nil, 200)
			ts.waitApp(clerk, id, models.AppArchived)
		}},
	}
	for i, sc := range scenarios {
		id, base := register(fmt.Sprintf("申请人%d", i+1))
		sc.run(id, base)
		temporaltest.WriteHistory(t, ts.Temporal, workflows.ApplicationWorkflowID(id), filepath.Join("..", "workflows", "testdata", "histories", sc.name+".json"))
	}
}
