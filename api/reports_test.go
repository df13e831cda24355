package api

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongkai/calendar"
	"gongkai/content"
	"gongkai/dbtest"
	"gongkai/models"
	"gongkai/report"
)

type reportResp struct {
	Status string
	Report report.Report
}

func TestAnnualReportFiguresNarrativeFinaliseAndFreeze(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	ts.Files = content.Store{Root: t.TempDir()}
	admin, editor, reviewer, leader, clerk := ts.login("admin"), ts.login("editor"), ts.login("reviewer"), ts.login("leader"), ts.login("clerk")
	base := "/api/v1/reports/annual/2023"

	var r reportResp
	if w := ts.do("GET", base, editor, nil, &r); w.Code != 200 {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	if r.Status != models.ReportDraft || !strings.Contains(r.Report.Narrative[report.PartOverview], "主动公开信息共计11条") {
		t.Fatalf("2023 draft = %+v", r)
	}
	wantError(t, ts.do("GET", base+"?agency=shanhe", editor, nil, nil), 404, CodeNotFound)
	if e := wantError(t, ts.do("GET", base+"?format=pdf", editor, nil, nil), 400, CodeValidation); e.Field != "format" {
		t.Fatalf("bad format field %q", e.Field)
	}

	// Figures (admin) and narrative (editor) while it is a draft.
	ts.expect("PUT", base+"/figures", editor, map[string]any{"licensing": 1, "penalty": 0, "enforcement": 0}, 403)
	if e := wantError(t, ts.do("PUT", base+"/figures", admin, map[string]any{"licensing": 1, "penalty": 0, "enforcement": 0, "fees_wan_yuan": "1.234"}, nil), 400, CodeValidation); e.Field != "fees_wan_yuan" {
		t.Fatalf("bad fee field %q", e.Field)
	}
	ts.expect("PUT", base+"/figures", admin, map[string]any{"licensing": 4, "penalty": 2, "enforcement": 0, "fees_wan_yuan": "0.5"}, 200)
	ts.expect("PUT", base+"/narrative", editor, map[string]any{"parts": map[string]string{"5": "存在的问题：栏目更新不够及时。改进：建立周更新制度。"}}, 200)
	ts.do("GET", base, editor, nil, &r)
	if r.Report.Proactive.Licensing != 4 || r.Report.Proactive.FeesWanYuan != "0.50" || !strings.Contains(r.Report.Narrative[report.PartProblems], "周更新") {
		t.Fatalf("after edits: %+v %+v", r.Report.Proactive, r.Report.Narrative)
	}

	// The same numbers in every format.
	w := ts.do("GET", base+"?format=html", editor, nil, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), report.TableNote) || !strings.Contains(w.Body.String(), "其他法律行政法规禁止公开") {
		t.Fatalf("html: %d", w.Code)
	}
	w = ts.do("GET", base+"?format=xlsx", editor, nil, nil)
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	found := false
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for _, row := range rows {
			if len(row) > 1 && row[0] == "行政许可" && row[1] == "4" {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("xlsx lacks 行政许可 4")
	}

	// Finalise: the report goes out as an item through the chain; once
	// published it is frozen.
	ts.expect("POST", base+"/finalise", clerk, nil, 403)
	wantError(t, ts.do("POST", base+"/finalise", editor, nil, nil), 409, CodeReportIncomplete)
	ts.expect("PUT", base+"/narrative", editor, map[string]any{"parts": map[string]string{
		"1": "2023年，我镇在隆德县人民政府网站政务公开专栏主动公开信息共计11条。",
		"6": "（一）政务公开工作要点落实情况。（二）本年度未收取信息处理费。",
	}}, 200)
	var fin struct {
		ItemID uint `json:"item_id"`
	}
	if w := ts.do("POST", base+"/finalise", editor, nil, &fin); w.Code != 200 || fin.ItemID == 0 {
		t.Fatalf("finalise: %d %s", w.Code, w.Body)
	}
	wantError(t, ts.do("PUT", base+"/figures", admin, map[string]any{"licensing": 5, "penalty": 2, "enforcement": 0}, nil), 409, CodeInvalidState)
	wantError(t, ts.do("POST", base+"/finalise", editor, nil, nil), 409, CodeInvalidState)
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(reviewer, fin.ItemID).ID), reviewer, nil, 200)
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, fin.ItemID).ID), leader, nil, 200)
	ts.do("GET", base, editor, nil, &r)
	if r.Status != models.ReportPublished || r.Report.Proactive.Licensing != 4 {
		t.Fatalf("after publication: %s %+v", r.Status, r.Report.Proactive)
	}
	var it itemResp
	ts.do("GET", fmt.Sprintf("/api/v1/items/%d", fin.ItemID), editor, nil, &it)
	if it.Status != models.ItemPublished {
		t.Fatalf("report item %s", it.Status)
	}
}

func TestAppealsAreScopedAndValidated(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	clerk, editor2 := ts.login("clerk"), ts.login("editor2")
	if e := wantError(t, ts.do("POST", "/api/v1/appeals", clerk, map[string]any{"kind": "x", "filed_on": "2024-01-01"}, nil), 400, CodeValidation); e.Field != "kind" {
		t.Fatalf("kind field %q", e.Field)
	}
	if e := wantError(t, ts.do("POST", "/api/v1/appeals", clerk, map[string]any{"kind": "review", "filed_on": "2024-05-01", "result": "upheld", "decided_on": "2024-04-01"}, nil), 400, CodeValidation); e.Field != "decided_on" {
		t.Fatalf("decided before filed: field %q", e.Field)
	}
	var a models.Appeal
	if w := ts.do("POST", "/api/v1/appeals", clerk, map[string]any{"kind": "review", "filed_on": "2024-05-01"}, &a); w.Code != 201 || a.Result != "pending" {
		t.Fatalf("create: %d %+v", w.Code, a)
	}
	ts.expect("PUT", fmt.Sprintf("/api/v1/appeals/%d", a.ID), clerk, map[string]any{"kind": "review", "filed_on": "2024-05-01", "result": "corrected", "decided_on": "2024-08-01"}, 200)
	wantError(t, ts.do("PUT", fmt.Sprintf("/api/v1/appeals/%d", a.ID), editor2, map[string]any{"kind": "review", "filed_on": "2024-05-01"}, nil), 403, CodeForbidden)
	var list struct{ Appeals []models.Appeal }
	ts.do("GET", "/api/v1/appeals", editor2, nil, &list)
	if len(list.Appeals) != 0 {
		t.Fatal("another agency sees the appeal")
	}
	ts.do("GET", "/api/v1/appeals?year=2024", clerk, nil, &list)
	if len(list.Appeals) != 1 || list.Appeals[0].Result != "corrected" {
		t.Fatalf("appeals = %+v", list.Appeals)
	}
}

func TestAgencyReportDeadlineSetting(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	admin, editor := ts.login("admin"), ts.login("editor")
	ts.expect("PUT", "/api/v1/agency", editor, map[string]string{"report_deadline": "02-20"}, 403)
	for _, bad := range []string{"2-20", "02-30", "13-01", ""} {
		if e := wantError(t, ts.do("PUT", "/api/v1/agency", admin, map[string]string{"report_deadline": bad}, nil), 400, CodeValidation); e.Field != "report_deadline" {
			t.Fatalf("%q: field %q", bad, e.Field)
		}
	}
	ts.expect("PUT", "/api/v1/agency", admin, map[string]string{"report_deadline": "02-20"}, 200)
	var a models.Agency
	ts.do("GET", "/api/v1/agency", admin, nil, &a)
	if a.ReportDeadline != "02-20" || a.Code != "chengguan" {
		t.Fatalf("agency = %+v", a)
	}
}

func TestRepealGoesThroughTheChainAndCounts(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	editor, reviewer, leader := ts.login("editor"), ts.login("reviewer"), ts.login("leader")
	today := calendarToday()
	publish := func(id uint) {
		t.Helper()
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", id), editor, nil, 200)
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(reviewer, id).ID), reviewer, nil, 200)
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, id).ID), leader, nil, 200)
	}
	if e := wantError(t, ts.do("POST", "/api/v1/items", editor, map[string]any{"title": "管理办法", "column": "政策文件",
		"formed_on": today, "doc_type": "normative_document"}, nil), 400, CodeValidation); e.Field != "issued_on" {
		t.Fatalf("missing issued_on: field %q", e.Field)
	}
	var doc itemResp
	ts.do("POST", "/api/v1/items", editor, map[string]any{"title": "城关镇村务公开管理办法", "column": "政策文件",
		"formed_on": today, "doc_type": "normative_document", "issued_on": today}, &doc)
	wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/items/%d/repeal", doc.ID), editor, map[string]string{"reason": "x"}, nil), 409, CodeInvalidState)
	publish(doc.ID)

	var dec itemResp
	if w := ts.do("POST", fmt.Sprintf("/api/v1/items/%d/repeal", doc.ID), editor, map[string]string{"reason": "已被新办法取代"}, &dec); w.Code != 201 {
		t.Fatalf("repeal: %d %s", w.Code, w.Body)
	}
	var got struct {
		RepealedOn string `json:"repealed_on"`
	}
	ts.do("GET", fmt.Sprintf("/api/v1/items/%d", doc.ID), editor, nil, &got)
	if got.RepealedOn != "" {
		t.Fatal("repealed before the decision was published")
	}
	publish(dec.ID)
	ts.do("GET", fmt.Sprintf("/api/v1/items/%d", doc.ID), editor, nil, &got)
	if got.RepealedOn != today {
		t.Fatalf("repealed_on %q, want %s", got.RepealedOn, today)
	}
	var r reportResp
	ts.do("GET", "/api/v1/reports/annual/"+today[:4], editor, nil, &r)
	if r.Report.Proactive.NormativeDocuments != (report.DocCounts{Issued: 1, Repealed: 1, InForce: 0}) {
		t.Fatalf("table 1 normative documents = %+v", r.Report.Proactive.NormativeDocuments)
	}
}

func calendarToday() string { return calendar.Today(time.Now()).String() }
