package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/auth"
	"gongkai/calendar"
	"gongkai/content"
	"gongkai/dbtest"
	"gongkai/models"
	"gongkai/temporaltest"
	"gongkai/worker"
	"gongkai/workflows"
)

// newChainServer is a test server wired to an embedded Temporal server and
// a running worker, as `gongkai serve` wires them.
func newChainServer(t *testing.T, db *gorm.DB) *testServer {
	t.Helper()
	tc := temporaltest.Client(t)
	queue := "test-" + t.Name()
	w := worker.New(tc, queue, &activities.Activities{DB: db, Logger: slog.New(slog.DiscardHandler)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return newTestServerWith(t, db, Deps{Temporal: tc, TaskQueue: queue})
}

type itemResp struct {
	ID         uint
	IndexNo    string `json:"index_no"`
	Status     string
	Version    int
	Revision   int
	PublishDue string `json:"publish_due"`
	Steps      []models.Task
	History    []models.AuditEvent
}

type inboxResp struct {
	Tasks  []taskView
	Counts struct{ Open, Overdue int }
}

func (ts *testServer) createItem(token, title string) itemResp {
	ts.t.Helper()
	var it itemResp
	w := ts.do("POST", "/api/v1/items", token, map[string]any{
		"title": title, "summary": "概述", "body": "# 标题\n\n正文", "column": "新闻中心", "formed_on": "2026-11-20",
	}, &it)
	if w.Code != http.StatusCreated {
		ts.t.Fatalf("create item: %d %s", w.Code, w.Body)
	}
	return it
}

func (ts *testServer) inbox(token string) inboxResp {
	ts.t.Helper()
	var r inboxResp
	if w := ts.do("GET", "/api/v1/tasks", token, nil, &r); w.Code != 200 {
		ts.t.Fatalf("inbox: %d %s", w.Code, w.Body)
	}
	return r
}

func (ts *testServer) taskFor(token string, itemID uint) taskView {
	ts.t.Helper()
	for _, tk := range ts.inbox(token).Tasks {
		if tk.ItemID == itemID {
			return tk
		}
	}
	ts.t.Fatalf("no task for item %d in inbox", itemID)
	return taskView{}
}

func (ts *testServer) expect(method, path, token string, body any, status int) {
	ts.t.Helper()
	if w := ts.do(method, path, token, body, nil); w.Code != status {
		ts.t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body, status)
	}
}

func TestChainFullAsDemoUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newChainServer(t, db)
		editor, reviewer, leader := ts.login("editor"), ts.login("reviewer"), ts.login("leader")
		it := ts.createItem(editor, "2026年城关镇第三季度财政收支情况")
		if it.Status != models.ItemDraft || it.IndexNo == "" || it.PublishDue == "" || it.Version != 1 {
			t.Fatalf("created item = %+v", it)
		}
		base := fmt.Sprintf("/api/v1/items/%d", it.ID)
		ts.expect("POST", base+"/submit", editor, nil, 200)

		// The editor cannot decide their own item; the reviewer sees the task.
		if n := len(ts.inbox(editor).Tasks); n != 0 {
			t.Fatalf("editor's inbox has %d tasks", n)
		}
		task := ts.taskFor(reviewer, it.ID)
		if task.Step != "review" || task.DueOn == "" {
			t.Fatalf("review task = %+v", task)
		}
		if w := ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), leader, nil, nil); w.Code != http.StatusForbidden {
			t.Fatalf("leader approving review step: %d %s", w.Code, w.Body)
		}
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewer, map[string]string{"comment": "同意"}, 200)
		wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewer, nil, nil), 409, CodeTaskClosed)

		task = ts.taskFor(leader, it.ID)
		if task.Step != "approve" {
			t.Fatalf("second task = %+v", task)
		}
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), leader, nil, 200)

		var got itemResp
		ts.do("GET", base, editor, nil, &got)
		if got.Status != models.ItemPublished || len(got.Steps) != 2 || got.Steps[0].State != models.TaskApproved || got.Steps[1].State != models.TaskApproved {
			t.Fatalf("after chain: %+v", got)
		}
		var pub struct {
			Items []publicItem
			Total int
		}
		ts.do("GET", "/api/v1/public/chengguan/items", "", nil, &pub)
		// The newest first: ours, then the demo's eleven 2023 items.
		if pub.Total != 12 || pub.Items[0].IndexNo != it.IndexNo || pub.Items[0].PublishedOn == "" {
			t.Fatalf("public catalogue = %+v", pub)
		}
		var one publicItem
		ts.do("GET", "/api/v1/public/chengguan/items/"+it.IndexNo, "", nil, &one)
		if one.BodyHTML == "" || one.Title != it.IndexNo && one.Title == "" {
			t.Fatalf("public item = %+v", one)
		}
		ts.do("GET", "/api/v1/public/shanhe/items", "", nil, &pub)
		if pub.Total != 0 {
			t.Fatalf("shanhe catalogue shows chengguan's item")
		}
		var notes struct {
			Notifications []models.Notification
		}
		ts.do("GET", "/api/v1/notifications", editor, nil, &notes)
		found := false
		for _, n := range notes.Notifications {
			found = found || n.Kind == "published"
		}
		if !found {
			t.Fatalf("editor not told of publication: %+v", notes)
		}
	})
}

func TestReturnResubmitAndVersionConflict(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	editor, reviewer := ts.login("editor"), ts.login("reviewer")
	it := ts.createItem(editor, "退回测试")
	base := fmt.Sprintf("/api/v1/items/%d", it.ID)
	ts.expect("POST", base+"/submit", editor, nil, 200)
	// No edits while under review.
	wantError(t, ts.do("PUT", base, editor, map[string]any{"version": 1, "title": "x", "column": "新闻中心", "formed_on": "2026-11-20"}, nil), 409, CodeInvalidState)
	task := ts.taskFor(reviewer, it.ID)
	if e := wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/return", task.ID), reviewer, map[string]string{}, nil), 400, CodeValidation); e.Field != "comment" {
		t.Fatalf("return without comment field %q", e.Field)
	}
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/return", task.ID), reviewer, map[string]string{"comment": "请补充数据来源"}, 200)
	var got itemResp
	ts.do("GET", base, editor, nil, &got)
	if got.Status != models.ItemReturned {
		t.Fatalf("status after return = %s", got.Status)
	}
	// A stale version is refused; the current one saves a new revision.
	edit := map[string]any{"version": got.Version, "title": "退回测试（已补充）", "column": "新闻中心", "formed_on": "2026-11-20", "body": "数据来源：财政所"}
	ts.expect("PUT", base, editor, edit, 200)
	wantError(t, ts.do("PUT", base, editor, edit, nil), 409, CodeVersionConflict)
	var diff struct {
		Fields []struct {
			Field   string
			Changed bool
		}
	}
	if w := ts.do("GET", base+"/diff?from=1&to=2", editor, nil, &diff); w.Code != 200 {
		t.Fatalf("diff: %d %s", w.Code, w.Body)
	}
	changed := map[string]bool{}
	for _, f := range diff.Fields {
		changed[f.Field] = f.Changed
	}
	if !changed["title"] || !changed["body"] || changed["column"] {
		t.Fatalf("diff = %+v", diff)
	}
	ts.expect("POST", base+"/submit", editor, nil, 200)
	task = ts.taskFor(reviewer, it.ID)
	if task.Revision != 2 {
		t.Fatalf("resubmitted task revision %d, want 2", task.Revision)
	}
	// The author may withdraw before the final approval; the task closes.
	ts.expect("POST", base+"/withdraw", editor, nil, 200)
	ts.do("GET", base, editor, nil, &got)
	if got.Status != models.ItemWithdrawn || ts.inbox(reviewer).Counts.Open != 0 {
		t.Fatalf("after withdraw: %s, inbox %+v", got.Status, ts.inbox(reviewer).Counts)
	}
}

func TestChainCrossAgencyIdempotencyAndConcurrency(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	editor, reviewer, reviewer2 := ts.login("editor"), ts.login("reviewer"), ts.login("reviewer2")
	it := ts.createItem(editor, "并发测试")
	base := fmt.Sprintf("/api/v1/items/%d", it.ID)
	ts.expect("POST", base+"/submit", editor, nil, 200)
	task := ts.taskFor(reviewer, it.ID)

	// Another agency sees neither the item nor the task.
	wantError(t, ts.do("GET", base, reviewer2, nil, nil), 404, CodeNotFound)
	wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewer2, nil, nil), 404, CodeNotFound)
	if n := len(ts.inbox(reviewer2).Tasks); n != 0 {
		t.Fatalf("shanhe reviewer inbox has %d tasks", n)
	}

	// A retried create with the same key creates one item.
	var a, b itemResp
	for _, out := range []*itemResp{&a, &b} {
		req := map[string]any{"title": "幂等", "column": "新闻中心", "formed_on": "2026-11-20"}
		w := ts.doWithHeader("POST", "/api/v1/items", editor, "Idempotency-Key", "create-1", req, out)
		if w.Code != http.StatusCreated {
			t.Fatalf("idempotent create: %d %s", w.Code, w.Body)
		}
	}
	if a.ID != b.ID {
		t.Fatalf("retried create made two items: %d and %d", a.ID, b.ID)
	}

	// Two people approve the same task at once: exactly one wins.
	ctx := context.Background()
	cg, _ := models.AgencyByCode(ctx, ts.DB, "chengguan")
	hash, _ := auth.HashPassword(demoPassword)
	if err := models.CreateUser(ctx, ts.DB, &models.User{AgencyID: cg.ID, Username: "reviewer_b", PasswordHash: hash}, []string{models.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	second := ts.login("reviewer_b")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, tok := range []string{reviewer, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), tok, nil, nil).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("concurrent approvals answered %v, want one 200 and one 409", codes)
	}
	var got itemResp
	ts.do("GET", base, editor, nil, &got)
	approved := 0
	for _, s := range got.Steps {
		if s.State == models.TaskApproved {
			approved++
		}
	}
	if approved != 1 || got.Status != models.ItemInApproval {
		t.Fatalf("after concurrent approvals: %d approved steps, status %s", approved, got.Status)
	}
}

func TestChainConfigAndCalendarChangeReachWorkflows(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	admin, editor, reviewer, leader := ts.login("admin"), ts.login("editor"), ts.login("reviewer"), ts.login("leader")

	// 财政资金 gets a third step, decided by the admin.
	chain := map[string]any{"column": "财政资金", "steps": []map[string]any{
		{"name": "review", "role": "reviewer", "workdays": 2},
		{"name": "approve", "role": "leader", "workdays": 3},
		{"name": "secrecy", "role": "admin", "workdays": 1},
	}}
	ts.expect("PUT", "/api/v1/agency/chains", editor, chain, 403)
	if e := wantError(t, ts.do("PUT", "/api/v1/agency/chains", admin, map[string]any{"column": "x", "steps": []any{}}, nil), 400, CodeValidation); e.Field != "steps" {
		t.Fatalf("empty chain field %q", e.Field)
	}
	ts.expect("PUT", "/api/v1/agency/chains", admin, chain, 200)

	var it itemResp
	if w := ts.do("POST", "/api/v1/items", editor, map[string]any{"title": "2026年预算公开", "column": "财政资金", "formed_on": "2026-11-20"}, &it); w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", it.ID), editor, nil, 200)
	task := ts.taskFor(reviewer, it.ID)

	// Make the review task's due date a 宁夏 holiday: the open workflow
	// recomputes it one working day later.
	ts.expect("POST", "/api/v1/calendar/overrides", admin, map[string]any{
		"date": task.DueOn, "region": "宁夏", "working": false, "name": "测试假日", "source": "测试",
	}, 201)
	deadline := time.Now().Add(20 * time.Second)
	for {
		moved := ts.taskFor(reviewer, it.ID)
		if moved.DueOn > task.DueOn {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("task due %s not moved after the calendar change", moved.DueOn)
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkTallies(t, ts.DB)

	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewer, nil, 200)
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, it.ID).ID), leader, nil, 200)
	third := ts.taskFor(admin, it.ID)
	if third.Step != "secrecy" || third.StepNumber != 3 {
		t.Fatalf("third task = %+v", third)
	}
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", third.ID), admin, nil, 200)
	var got itemResp
	ts.do("GET", fmt.Sprintf("/api/v1/items/%d", it.ID), editor, nil, &got)
	if got.Status != models.ItemPublished || len(got.Steps) != 3 {
		t.Fatalf("after 3-step chain: %s with %d steps", got.Status, len(got.Steps))
	}
}

func TestAttachmentsMakeRevisionsAndReachTheCatalogue(t *testing.T) {
	ts := newChainServer(t, dbtest.SQLite(t))
	ts.Files = content.Store{Root: t.TempDir()}
	editor, reviewer, leader := ts.login("editor"), ts.login("reviewer"), ts.login("leader")
	it := ts.createItem(editor, "附件测试")
	base := fmt.Sprintf("/api/v1/items/%d", it.ID)
	upload := func(name string, data []byte, version int) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("version", strconv.Itoa(version))
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req := httptest.NewRequest("POST", base+"/attachments", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+editor)
		w := httptest.NewRecorder()
		ts.Handler().ServeHTTP(w, req)
		return w
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	if e := wantError(t, upload("x.pdf", []byte("MZ this is an exe"), 1), 400, CodeValidation); e.Field != "file" {
		t.Fatalf("exe as pdf: field %q", e.Field)
	}
	if w := upload("预算表.pdf", pdf, 1); w.Code != 201 {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	wantError(t, upload("again.pdf", pdf, 1), 409, CodeVersionConflict)
	var got itemResp
	var full struct {
		Attachments []models.Attachment
	}
	ts.do("GET", base, editor, nil, &got)
	ts.do("GET", base, editor, nil, &full)
	if got.Revision != 2 || len(full.Attachments) != 1 || full.Attachments[0].Name != "预算表.pdf" {
		t.Fatalf("after upload: revision %d, attachments %+v", got.Revision, full.Attachments)
	}
	w := ts.do("GET", fmt.Sprintf("%s/attachments/%d", base, full.Attachments[0].ID), editor, nil, nil)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("download: %d", w.Code)
	}
	var diff struct {
		Fields []struct {
			Field   string
			Changed bool
		}
	}
	ts.do("GET", base+"/diff?from=1&to=2", editor, nil, &diff)
	for _, f := range diff.Fields {
		if f.Changed != (f.Field == "attachments") {
			t.Fatalf("diff 1→2: %+v", diff.Fields)
		}
	}
	ts.expect("POST", base+"/submit", editor, nil, 200)
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(reviewer, it.ID).ID), reviewer, nil, 200)
	ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, it.ID).ID), leader, nil, 200)
	var pub publicItem
	ts.do("GET", "/api/v1/public/chengguan/items/"+it.IndexNo, "", nil, &pub)
	if len(pub.Attachments) != 1 {
		t.Fatalf("public attachments = %+v", pub.Attachments)
	}
	if w := ts.do("GET", pub.Attachments[0].URL, "", nil, nil); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pdf) {
		t.Fatalf("public download: %d", w.Code)
	}
}

// The inbox leaves out what segregation of duties bars, through the real
// workflow and activities: a user holding every role does not see the item
// they wrote, nor the approval step of an item whose review they decided.
func TestInboxLeavesOutBarredTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newChainServer(t, db)
		admin, editor, leader := ts.login("admin"), ts.login("editor"), ts.login("leader")
		ts.expect("POST", "/api/v1/users", admin, map[string]any{"username": "allrounder", "display_name": "全能",
			"password": "allrounder-pass", "roles": []string{"editor", "reviewer", "leader"}}, 201)
		var lr struct{ Token string }
		ts.do("POST", "/api/v1/login", "", map[string]string{"username": "allrounder", "password": "allrounder-pass"}, &lr)
		all := lr.Token

		mine := ts.createItem(all, "我写的信息")
		theirs := ts.createItem(editor, "编辑写的信息")
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", mine.ID), all, nil, 200)
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", theirs.ID), editor, nil, 200)

		items := func(token string) []uint {
			var ids []uint
			for _, tk := range ts.inbox(token).Tasks {
				ids = append(ids, tk.ItemID)
			}
			return ids
		}
		if e := wantError(t, ts.do("GET", "/api/v1/tasks?offset=9223372036854775800", all, nil, nil), 400, CodeValidation); e.Field != "offset" {
			t.Fatalf("a huge offset: field %q", e.Field)
		}
		inbox := ts.inbox(all)
		if got := items(all); len(got) != 1 || got[0] != theirs.ID || inbox.Counts.Open != 1 {
			t.Fatalf("allrounder's inbox: items %v counts %+v, want only item %d", got, inbox.Counts, theirs.ID)
		}
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(all, theirs.ID).ID), all, nil, 200)
		if got := items(all); len(got) != 0 {
			t.Fatalf("after deciding the review the allrounder sees items %v, want none", got)
		}
		if got := items(leader); !slices.Contains(got, theirs.ID) {
			t.Fatalf("leader's inbox %v lacks item %d", got, theirs.ID)
		}
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, theirs.ID).ID), leader, nil, 200)
		var n int64
		db.Model(&models.TaskBar{}).Joins("JOIN tasks ON tasks.id = task_bars.task_id").Where("tasks.item_id = ?", theirs.ID).Count(&n)
		if n != 0 {
			t.Errorf("%d bars left on the published item's closed tasks", n)
		}
	})
}

// checkTallies fails the test unless the inbox's tallies equal a count
// from scratch.
func checkTallies(t *testing.T, db *gorm.DB) {
	t.Helper()
	snapshot := func() []models.TaskTally {
		var ts []models.TaskTally
		db.Where("n <> 0").Order("agency_id, role, due_on").Find(&ts)
		return ts
	}
	kept := snapshot()
	if err := models.RebuildTaskTallies(db); err != nil {
		t.Fatal(err)
	}
	if rebuilt := snapshot(); !slices.Equal(kept, rebuilt) {
		t.Errorf("task tallies %v, counted afresh %v", kept, rebuilt)
	}
}

// Claim and reassign through the API: the task moves from the role's queue
// to the assignee's inbox, and the counts follow.
func TestAssignMovesTheTaskBetweenInboxes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newChainServer(t, db)
		admin, editor, reviewer, leader := ts.login("admin"), ts.login("editor"), ts.login("reviewer"), ts.login("leader")
		ts.expect("POST", "/api/v1/users", admin, map[string]any{"username": "reviewer_b", "display_name": "审核乙",
			"password": "reviewer-b-pass", "roles": []string{"reviewer"}}, 201)
		var lr struct{ Token string }
		ts.do("POST", "/api/v1/login", "", map[string]string{"username": "reviewer_b", "password": "reviewer-b-pass"}, &lr)
		reviewerB := lr.Token

		it := ts.createItem(editor, "指定办理人测试")
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", it.ID), editor, nil, 200)
		task := ts.taskFor(reviewer, it.ID)
		assign := fmt.Sprintf("/api/v1/tasks/%d/assign", task.ID)
		if n := ts.inbox(reviewerB).Counts.Open; n != 1 {
			t.Fatalf("reviewer_b sees %d open before the claim, want 1", n)
		}

		// The reviewer claims it: reviewer_b no longer sees it.
		ts.expect("POST", assign, reviewer, map[string]any{"username": "reviewer"}, 200)
		if got := ts.inbox(reviewerB); len(got.Tasks) != 0 || got.Counts.Open != 0 {
			t.Fatalf("after the claim reviewer_b sees %+v", got)
		}
		if got := ts.inbox(reviewer); len(got.Tasks) != 1 || got.Counts.Open != 1 || got.Tasks[0].Assignee == nil {
			t.Fatalf("after the claim the reviewer sees %+v", got)
		}
		checkTallies(t, db)

		// Someone without the role cannot take it; the admin hands it on.
		wantError(t, ts.do("POST", assign, admin, map[string]any{"username": "leader"}, nil), 400, CodeValidation)
		ts.expect("POST", assign, admin, map[string]any{"username": "reviewer_b"}, 200)
		if got := ts.inbox(reviewer); len(got.Tasks) != 0 || got.Counts.Open != 0 {
			t.Fatalf("after the reassignment the reviewer sees %+v", got)
		}
		wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewer, nil, nil), 403, CodeForbidden)
		if got := ts.inbox(reviewerB); len(got.Tasks) != 1 || got.Counts.Open != 1 {
			t.Fatalf("after the reassignment reviewer_b sees %+v", got)
		}
		checkTallies(t, db)

		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task.ID), reviewerB, nil, 200)
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, it.ID).ID), leader, nil, 200)
		checkTallies(t, db)
	})
}

// loseTransition applies the workflow's next transition to the records as
// its local activity would, without telling the workflow: what a process
// that dies between the two leaves behind.
func loseTransition(t *testing.T, ts *testServer, itemID uint, build func(st workflows.ItemState, key string) activities.ItemTransition) {
	t.Helper()
	ctx := context.Background()
	v, err := ts.Temporal.QueryWorkflow(ctx, workflows.ItemWorkflowID(itemID), "", workflows.QueryItemState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.ItemState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{DB: ts.DB, Logger: slog.New(slog.DiscardHandler)}
	tr := build(st, "")
	tr.Key = fmt.Sprintf("%s/t%d/%s", workflows.ItemWorkflowID(itemID), st.Transitions+1, tr.Action)
	tr.ItemID, tr.AgencyID, tr.Region, tr.Today = itemID, st.In.AgencyID, st.In.Region, calendar.Today(time.Now()).String()
	if _, err := a.ApplyItemTransition(ctx, tr); err != nil {
		t.Fatal(err)
	}
}

// A decision whose transition reached the records but not the workflow
// (the process died in between) is caught up: the next step can be decided,
// nothing is written twice, and a different decision in its place is refused.
func TestWorkflowCatchesUpWithItsRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newChainServer(t, db)
		editor, reviewer, leader := ts.login("editor"), ts.login("reviewer"), ts.login("leader")
		reviewerID, leaderID := userIDOf(t, db, "reviewer"), userIDOf(t, db, "leader")

		// The reviewer's approval is lost to the workflow: the leader's task
		// is open in the records; approving it brings the workflow up first.
		it := ts.createItem(editor, "记录领先于流程")
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", it.ID), editor, nil, 200)
		loseTransition(t, ts, it.ID, func(st workflows.ItemState, _ string) activities.ItemTransition {
			next := st.Steps[1]
			return activities.ItemTransition{Action: "approve", ActorID: reviewerID, Comment: "同意", Status: models.ItemInApproval,
				CloseTask: &activities.CloseTask{TaskID: st.TaskID, State: models.TaskApproved},
				OpenTask: &activities.OpenTask{Round: st.Round, Step: 1, StepName: next.Name, Role: next.Role, Workdays: next.Workdays,
					Revision: st.Revision, Title: st.Title, Column: st.Column}}
		})
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(leader, it.ID).ID), leader, nil, 200)
		var got itemResp
		ts.do("GET", fmt.Sprintf("/api/v1/items/%d", it.ID), editor, nil, &got)
		if got.Status != models.ItemPublished || len(got.Steps) != 2 {
			t.Fatalf("after catching up: %s with %d steps", got.Status, len(got.Steps))
		}
		var approvals int64
		db.Model(&models.AuditEvent{}).Where("object_type = ? AND object_id = ? AND action = ?", "item", strconv.Itoa(int(it.ID)), "approve").Count(&approvals)
		if approvals != 1 {
			t.Fatalf("%d approve events, want 1", approvals)
		}
		checkTallies(t, db)

		// The leader's publication is lost: the author's withdrawal in its
		// place is refused once the workflow knows the item is published.
		it2 := ts.createItem(editor, "发布后不能撤回")
		ts.expect("POST", fmt.Sprintf("/api/v1/items/%d/submit", it2.ID), editor, nil, 200)
		ts.expect("POST", fmt.Sprintf("/api/v1/tasks/%d/approve", ts.taskFor(reviewer, it2.ID).ID), reviewer, nil, 200)
		loseTransition(t, ts, it2.ID, func(st workflows.ItemState, _ string) activities.ItemTransition {
			return activities.ItemTransition{Action: "publish", ActorID: leaderID, Status: models.ItemPublished, Publish: true,
				CloseTask: &activities.CloseTask{TaskID: st.TaskID, State: models.TaskApproved}}
		})
		// (The caught-up workflow publishes and ends: "the chain has ended".)
		wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/items/%d/withdraw", it2.ID), editor, nil, nil), 409, CodeTaskClosed)
		ts.do("GET", fmt.Sprintf("/api/v1/items/%d", it2.ID), editor, nil, &got)
		if got.Status != models.ItemPublished {
			t.Fatalf("a lost publication then a withdrawal left the item %s", got.Status)
		}
	})
}

func userIDOf(t *testing.T, db *gorm.DB, username string) uint {
	t.Helper()
	u, err := models.UserByUsername(context.Background(), db, username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// The actions the records key transitions by name the Updates that make
// them: catch-up re-sends a lost transition through that Update.
func TestTransitionActionsNameUpdates(t *testing.T) {
	updates := []string{workflows.UpdateSubmit, workflows.UpdateApprove, workflows.UpdateReturn, workflows.UpdateWithdraw, workflows.UpdateAssign}
	for action, update := range models.ItemTransitionActions {
		if !slices.Contains(updates, update) {
			t.Errorf("action %q is made by %q, which is no ItemReview Update", action, update)
		}
	}
}
