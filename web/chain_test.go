package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/models"
)

// itemIDFrom reads the item id from a redirect to /items/{id}.
func itemIDFrom(t *testing.T, r answer) uint {
	t.Helper()
	loc := r.header.Get("Location")
	id, err := strconv.ParseUint(strings.TrimPrefix(loc, "/items/"), 10, 32)
	if r.status != http.StatusSeeOther || err != nil {
		t.Fatalf("want a redirect to the item, got %d %q: %s", r.status, loc, r.body)
	}
	return uint(id)
}

func (e *env) openTask(itemID uint) models.Task {
	e.t.Helper()
	var tk models.Task
	if err := e.db.Where("item_id = ? AND state = ?", itemID, models.TaskOpen).First(&tk).Error; err != nil {
		e.t.Fatalf("no open task for item %d: %v", itemID, err)
	}
	return tk
}

// TestDecisionsThroughTheWorkflow runs the review chain through the pages
// against a real Temporal server, and checks each refusal of the workflow
// shows as its Chinese message with the API's status.
func TestDecisionsThroughTheWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) { testDecisionsThroughTheWorkflow(t, newChainEnvOn(t, db)) })
}

func testDecisionsThroughTheWorkflow(t *testing.T, e *env) {
	ctx := context.Background()
	cg, _ := models.AgencyByCode(ctx, e.db, "chengguan")
	hash, _ := auth.HashPassword(password)
	if err := models.CreateUser(ctx, e.db, &models.User{AgencyID: cg.ID, Username: "both", DisplayName: "兼任编辑和负责人", PasswordHash: hash},
		[]string{models.RoleEditor, models.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	both, reviewer, leader, editor2 := e.login("both"), e.login("reviewer"), e.login("leader"), e.login("editor2")

	// Save and submit in one go.
	r := both.postForm("/items/new", url.Values{"_idem": {"create-key-0001"}, "title": {"2026年城关镇防汛工作方案"}, "column": {"通知公告"},
		"formed_on": {calendar.Today(time.Now()).String()}, "summary": {"防汛方案"}, "body": {"# 防汛\n\n各村（社区）做好准备。"}, "then": {"submit"}})
	id := itemIDFrom(t, r)
	page := fmt.Sprintf("/items/%d", id)
	wantStatus(t, both.get(page), http.StatusOK, "已保存草稿", "已提交审核，待负责人审核", "审核中")
	// The same form posted again (a double click) makes nothing new.
	again := both.postForm("/items/new", url.Values{"_idem": {"create-key-0001"}, "title": {"2026年城关镇防汛工作方案"}, "column": {"通知公告"},
		"formed_on": {calendar.Today(time.Now()).String()}, "summary": {"防汛方案"}, "body": {"# 防汛\n\n各村（社区）做好准备。"}, "then": {"submit"}})
	if itemIDFrom(t, again) != id {
		t.Fatal("a repeated create made a second item")
	}
	wantStatus(t, both.get(page), http.StatusOK, "已提交审核，待负责人审核")
	task := e.openTask(id)

	// Segregation of duties: whoever edited it may not decide it.
	decide := func(u *user, action string, taskID uint, comment, key string) answer {
		return u.postForm(fmt.Sprintf("/tasks/%d/%s", taskID, action), url.Values{"comment": {comment}, "_idem": {key}, "next": {"/tasks"}})
	}
	wantStatus(t, decide(both, "approve", task.ID, "", "sod-key-00001"), http.StatusForbidden, "您编辑过该信息，不能审核或审批它（职责分离）")
	if strings.Contains(both.get("/tasks").body, "防汛工作方案") {
		t.Fatal("the editor's inbox offers their own item")
	}
	// Another agency does not see the task at all.
	wantStatus(t, decide(editor2, "approve", task.ID, "", "other-key-0001"), http.StatusNotFound)
	wantStatus(t, editor2.get(page), http.StatusNotFound)
	// Returning needs a comment.
	wantStatus(t, decide(reviewer, "return", task.ID, "  ", "ret-key-000001"), http.StatusBadRequest, "退回时必须填写意见")

	// The inbox: overdue in red, due soon in amber, and the item page offers the decision.
	if err := models.SetTaskDue(e.db, task.ID, "2001-01-01"); err != nil {
		t.Fatal(err)
	}
	inbox := reviewer.get("/tasks")
	wantStatus(t, inbox, http.StatusOK, "防汛工作方案", `class="task overdue"`, "已逾期", "逾期 1 件", fmt.Sprintf(`action="/tasks/%d/approve"`, task.ID))
	wantStatus(t, reviewer.get("/"), http.StatusOK, `<a class="card alert" href="/tasks?overdue=true"><span class="num">1</span>`)
	wantStatus(t, reviewer.get("/tasks?overdue=false"), http.StatusOK, "没有符合条件的待办")
	wantStatus(t, reviewer.get("/tasks?column=通知公告&step=review"), http.StatusOK, "防汛工作方案")
	wantStatus(t, reviewer.get("/tasks?q=不存在的标题"), http.StatusOK, "没有符合条件的待办")
	if err := models.SetTaskDue(e.db, task.ID, calendar.Today(time.Now()).String()); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, reviewer.get("/tasks"), http.StatusOK, `class="task soon"`, "今日到期")
	wantStatus(t, reviewer.get(page), http.StatusOK, "待您办理：负责人审核", fmt.Sprintf(`action="/tasks/%d/return"`, task.ID))
	wantStatus(t, leader.get(page), http.StatusOK, "当前环节：<strong>负责人审核</strong>")

	// Approve; a double click (same form key) gets the same answer.
	r = decide(reviewer, "approve", task.ID, "同意公开", "approve-key-01")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/tasks" {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if again := decide(reviewer, "approve", task.ID, "同意公开", "approve-key-01"); again.status != http.StatusSeeOther {
		t.Fatalf("double-clicked approve: %d %s", again.status, again.body)
	}
	wantStatus(t, reviewer.get("/tasks"), http.StatusOK, "已同意，已转分管领导审批")
	// A new decision on the closed task is refused.
	wantStatus(t, decide(reviewer, "approve", task.ID, "", "late-key-00001"), http.StatusConflict, "该待办已办结")
	wantStatus(t, reviewer.get("/done"), http.StatusOK, "防汛工作方案", "同意公开", "审批中")

	// The leader approves from the item page; it is published.
	task2 := e.openTask(id)
	r = leader.postForm(fmt.Sprintf("/tasks/%d/approve", task2.ID), url.Values{"next": {page}, "_idem": {"leader-key-001"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != page {
		t.Fatalf("leader approve: %d %s", r.status, r.body)
	}
	wantStatus(t, leader.get(page), http.StatusOK, "已同意，信息已发布", "已发布", "同意公开")
	sheet := leader.get(page + "/sheet")
	wantStatus(t, sheet, http.StatusOK, "负责人审核意见", "同意公开", "签署人：城关镇负责人", "分管领导审批意见", "签署人：城关镇分管领导", "兼任编辑和负责人")
	var it models.Item
	e.db.First(&it, id)
	wantStatus(t, e.anonymous().get("/public/chengguan"), http.StatusOK, "2026年城关镇防汛工作方案", it.IndexNo)
	wantStatus(t, e.anonymous().get("/public/chengguan/"+it.IndexNo), http.StatusOK, "各村（社区）做好准备。")
	// The author is told, on the workbench, until they mark it read.
	wantStatus(t, both.get("/"), http.StatusOK, "已审批通过并发布", "标为已读")
	var note models.Notification
	if err := e.db.Where("kind = ? AND item_id = ?", "published", id).First(&note).Error; err != nil {
		t.Fatal(err)
	}
	wantStatus(t, reviewer.postForm(fmt.Sprintf("/notifications/%d/read", note.ID), nil), http.StatusNotFound)
	wantStatus(t, both.postForm(fmt.Sprintf("/notifications/%d/read", note.ID), nil), http.StatusSeeOther)
	if strings.Contains(both.get("/").body, "已审批通过并发布") {
		t.Fatal("a read notification is still on the workbench")
	}
	// A published item can no longer be withdrawn or edited.
	wantStatus(t, both.postForm(page+"/withdraw", url.Values{"_idem": {"withdraw-key-1"}}), http.StatusConflict, "流程已结束")
}

// TestReturnResubmitShowsTheDiff: a returned item, edited and submitted
// again, shows the reviewer what changed since the revision they decided.
func TestReturnResubmitShowsTheDiff(t *testing.T) {
	e := newChainEnv(t)
	editor, reviewer := e.login("editor"), e.login("reviewer")
	r := editor.postForm("/items/new", url.Values{"_idem": {"create-key-0002"}, "title": {"城关镇第三季度财政收支"}, "column": {"财政资金"},
		"formed_on": {"2026-01-05"}, "body": {"收入 100 万元。\n支出 80 万元。"}})
	id := itemIDFrom(t, r)
	page := fmt.Sprintf("/items/%d", id)
	wantStatus(t, editor.postForm(page+"/submit", url.Values{"_idem": {"submit-key-001"}}), http.StatusSeeOther)
	task := e.openTask(id)
	r = reviewer.postForm(fmt.Sprintf("/tasks/%d/return", task.ID), url.Values{"comment": {"请补充数据来源"}, "next": {page}, "_idem": {"return-key-001"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.status, r.body)
	}
	wantStatus(t, editor.get(page), http.StatusOK, "已退回", "请补充数据来源", "编辑")
	wantStatus(t, editor.get("/"), http.StatusOK, "其中 1 条被退回")
	r = editor.postForm(page+"/edit", url.Values{"version": {"1"}, "title": {"城关镇第三季度财政收支"}, "column": {"财政资金"},
		"formed_on": {"2026-01-05"}, "body": {"收入 100 万元。\n支出 80 万元。\n数据来源：镇财政所。"}, "then": {"submit"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, editor.get(page), http.StatusOK, "已保存（第 2 版）", "已提交审核")

	inbox := reviewer.get("/tasks")
	wantStatus(t, inbox, http.StatusOK, "查看修改（第 1 版 → 第 2 版）", "您上次办理的版本", `<div class="ln insert">`, "数据来源：镇财政所。")
	wantStatus(t, reviewer.get(page), http.StatusOK, "修改对比", "数据来源：镇财政所。")
	wantStatus(t, reviewer.get(page+"?from=1&to=2"), http.StatusOK, "所选版本")
	wantStatus(t, editor.postForm(page+"/withdraw", url.Values{"_idem": {"withdraw-key-2"}}), http.StatusSeeOther)
	wantStatus(t, editor.get(page), http.StatusOK, "已撤回")
	wantStatus(t, reviewer.get("/tasks"), http.StatusOK, "暂无待办")
}

// TestClaimAndAssignFromTheItemPage: a holder of the step's role claims the
// task; an admin hands it to someone else; a user who may not assign sees
// the API's refusal.
func TestClaimAndAssignFromTheItemPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newChainEnvOn(t, db)
		ctx := context.Background()
		cg, _ := models.AgencyByCode(ctx, e.db, "chengguan")
		hash, _ := auth.HashPassword(password)
		if err := models.CreateUser(ctx, e.db, &models.User{AgencyID: cg.ID, Username: "reviewer_b", DisplayName: "审核乙", PasswordHash: hash},
			[]string{models.RoleReviewer}); err != nil {
			t.Fatal(err)
		}
		editor, reviewer, reviewerB, admin, leader := e.login("editor"), e.login("reviewer"), e.login("reviewer_b"), e.login("admin"), e.login("leader")
		id := itemIDFrom(t, editor.postForm("/items/new", url.Values{"_idem": {"assign-create-01"}, "title": {"指定办理人测试"}, "column": {"通知公告"},
			"formed_on": {calendar.Today(time.Now()).String()}, "then": {"submit"}}))
		page := fmt.Sprintf("/items/%d", id)
		task := e.openTask(id)
		assign := fmt.Sprintf("/tasks/%d/assign", task.ID)
		userID := func(name string) string {
			u, err := models.UserByUsername(ctx, e.db, name)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(u.ID)
		}

		wantStatus(t, reviewer.get(page), http.StatusOK, "未指定办理人", "认领（只由我办理）", "审核乙（reviewer_b）", fmt.Sprintf(`action="%s"`, assign))
		if strings.Contains(leader.get(page).body, fmt.Sprintf(`action="%s"`, assign)) {
			t.Fatal("the leader, who neither holds the role nor administers, is offered the assign form")
		}

		// The reviewer claims it: reviewer_b may no longer decide it.
		r := reviewer.postForm(assign, url.Values{"assignee_id": {userID("reviewer")}, "next": {page}, "_idem": {"claim-key-0001"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != page {
			t.Fatalf("claim: %d %s", r.status, r.body)
		}
		wantStatus(t, reviewer.get(page), http.StatusOK, "已认领，该待办现在只由您办理", "已指定 城关镇负责人 办理")
		if body := reviewerB.get(page).body; strings.Contains(body, "待您办理") || !strings.Contains(body, "已指定 城关镇负责人 办理") {
			t.Fatal("after the claim reviewer_b is still offered the task, or not told who has it")
		}

		// The leader may not assign; the admin hands it to reviewer_b.
		wantStatus(t, leader.postForm(assign, url.Values{"assignee_id": {userID("reviewer_b")}, "next": {page}, "_idem": {"leader-assign-1"}}),
			http.StatusForbidden, "只有该待办的办理人或管理员可以指定办理人")
		wantStatus(t, admin.get(page), http.StatusOK, fmt.Sprintf(`action="%s"`, assign), "审核乙（reviewer_b）")
		if r := admin.postForm(assign, url.Values{"assignee_id": {userID("reviewer_b")}, "next": {page}, "_idem": {"admin-assign-01"}}); r.status != http.StatusSeeOther {
			t.Fatalf("admin assign: %d %s", r.status, r.body)
		}
		wantStatus(t, reviewerB.get(page), http.StatusOK, "待您办理：负责人审核", "已指定 审核乙 办理")
		wantStatus(t, admin.postForm(assign, url.Values{"next": {page}}), http.StatusSeeOther)
		wantStatus(t, admin.get(page), http.StatusOK, "请选择办理人")
	})
}
