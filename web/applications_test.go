package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/models"
)

// seedApplication stores an application of the user's agency directly, as
// a registration would leave it before its workflow runs (no stored clock:
// the API counts 20 working days from receivedOn).
func (e *env) seedApplication(username, receivedOn, dueOn, status string) *models.Application {
	e.t.Helper()
	ctx := context.Background()
	u, err := models.UserByUsername(ctx, e.db, username)
	if err != nil {
		e.t.Fatal(err)
	}
	var a models.Agency
	if err := e.db.First(&a, u.AgencyID).Error; err != nil {
		e.t.Fatal(err)
	}
	app := &models.Application{AgencyID: a.ID, QueryCode: "ABCDEFGH23", ApplicantKind: "natural_person", ApplicantName: "李四光",
		IDDocument: "640423198001015678", Contact: "13912345678", Description: "请公开" + a.Name + "的道路养护经费",
		DeliveryForm: "电子邮件", Channel: models.ChannelInPerson, SubmittedOn: receivedOn, ReceivedOn: receivedOn,
		Status: status, DueOn: dueOn, CreatedBy: u.ID}
	err = e.db.Transaction(func(tx *gorm.DB) error {
		d, _ := calendar.ParseDate(receivedOn)
		var err error
		if app.Number, err = models.NextApplicationNumber(tx, &a, d.Year); err != nil {
			return err
		}
		if err := tx.Create(app).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, models.AuditEvent{ActorID: &u.ID, AgencyID: &a.ID, Action: "register", ObjectType: "application",
			ObjectID: strconv.FormatUint(uint64(app.ID), 10)}, nil, map[string]any{"number": app.Number, "channel": app.Channel, "received_on": receivedOn})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return app
}

func daysAgo(n int) string { return calendar.Today(time.Now()).AddDays(-n).String() }

var flashError = regexp.MustCompile(`class="flash error" role="alert"[^>]*>([^<]*)`)

// TestApplicationPagesRolesAndScoping runs without Temporal: the pages
// that read, who may see them, and that another agency's application is a
// 404 page.
func TestApplicationPagesRolesAndScoping(t *testing.T) {
	e := newEnv(t)
	mine := e.seedApplication("clerk", daysAgo(40), daysAgo(10), models.AppRegistered)
	other := e.seedApplication("editor2", daysAgo(3), daysAgo(-25), models.AppRegistered)
	clerk, reviewer, editor, admin := e.login("clerk"), e.login("reviewer"), e.login("editor"), e.login("admin")
	page := fmt.Sprintf("/applications/%d", mine.ID)

	list := clerk.get("/applications")
	wantStatus(t, list, http.StatusOK, mine.Number, "李*", "已逾期", `class="clock overdue"`, "登记申请")
	if strings.Contains(list.body, other.Number) || strings.Contains(list.body, "李四光") {
		t.Fatal("the list shows another agency's application or unmasked names")
	}
	wantStatus(t, clerk.get("/applications?overdue=true&status=registered&q="+url.QueryEscape(mine.Number)), http.StatusOK, mine.Number)
	wantStatus(t, clerk.get("/applications?status=replied"), http.StatusOK, "没有符合条件的申请")
	wantStatus(t, clerk.get("/applications/new"), http.StatusOK, `name="applicant_name"`, `name="signed_on"`, `data-date-field="confirmed_on"`)
	app := clerk.get(page)
	wantStatus(t, app, http.StatusOK, mine.Number, "李四光", "640423198001015678", "答复期限", "期限是怎样算出来的", "收到申请",
		"已逾期", `action="`+page+`/correction-notice"`, `action="`+page+`/reply"`, "办理记录", "登记")
	// The clerk's workbench lists it among the applications due soon.
	wantStatus(t, clerk.get("/"), http.StatusOK, "即将到期的申请", mine.Number, `href="/applications?due_before=`)

	// Reviewers and leaders see it in full, without the clerk's forms.
	r := reviewer.get(page)
	wantStatus(t, r, http.StatusOK, "李四光", "期限是怎样算出来的")
	if strings.Contains(r.body, "/correction-notice") || strings.Contains(r.body, `href="/applications/new"`) {
		t.Fatal("a reviewer is offered the clerk's forms")
	}
	wantStatus(t, reviewer.get("/applications/new"), http.StatusForbidden, "只有依申请公开经办人")
	wantStatus(t, reviewer.postForm(page+"/archive", nil), http.StatusForbidden, "只有依申请公开经办人")
	// Editors and admins do not handle applications: no menu entry, no page.
	if strings.Contains(editor.get("/").body, `href="/applications"`) {
		t.Fatal("an editor's menu offers 依申请公开")
	}
	for _, u := range []*user{editor, admin} {
		wantStatus(t, u.get("/applications"), http.StatusForbidden, "没有权限")
		wantStatus(t, u.get(page), http.StatusForbidden)
		wantStatus(t, u.postForm("/applications/new", url.Values{"applicant_name": {"x"}}), http.StatusForbidden)
	}

	// Another agency's application is the 404 page, whatever the page.
	otherPage := fmt.Sprintf("/applications/%d", other.ID)
	wantStatus(t, clerk.get(otherPage), http.StatusNotFound, "申请不存在")
	wantStatus(t, clerk.postForm(otherPage+"/archive", nil), http.StatusNotFound, "申请不存在")
	wantStatus(t, clerk.postForm(otherPage+"/consultations/1/reply", url.Values{"replied_on": {daysAgo(0)}}), http.StatusNotFound)
	wantStatus(t, clerk.get("/applications/abc"), http.StatusNotFound, "申请不存在")
	wantStatus(t, clerk.get("/applications/999999"), http.StatusNotFound)
	wantStatus(t, clerk.postForm(page+"/no-such-action", nil), http.StatusNotFound, "页面不存在")
	var still models.Application
	e.db.First(&still, other.ID)
	if still.Status != models.AppRegistered {
		t.Fatalf("another agency's application changed: %s", still.Status)
	}
}

// TestApplicantQuery: the applicant's page needs no login, and a wrong
// code reads exactly as an unknown number.
func TestApplicantQuery(t *testing.T) {
	e := newEnv(t)
	app := e.seedApplication("clerk", daysAgo(2), "", models.AppRegistered)
	anon := e.anonymous()
	form := anon.get("/query")
	wantStatus(t, form, http.StatusOK, "办理进度查询", `name="number"`, `name="code"`)
	tok := formToken(t, form.body)
	ask := func(number, code string) answer {
		return anon.post("/query", url.Values{"_csrf": {tok}, "number": {number}, "code": {code}})
	}
	ok := ask(app.Number, strings.ToLower(app.QueryCode))
	wantStatus(t, ok, http.StatusOK, app.Number, "办理中", "答复期限", "答复期限的计算", "收到申请", "办理过程", "登记", "道路养护经费")
	if strings.Contains(ok.body, "李四光") || strings.Contains(ok.body, "13912345678") {
		t.Fatal("the applicant's page shows personal data")
	}
	wrong, unknown := ask(app.Number, "WRONGCODE2"), ask("chengguan-YSQ-2000-9999", app.QueryCode)
	wantStatus(t, wrong, http.StatusNotFound)
	wantStatus(t, unknown, http.StatusNotFound)
	mw, mu := flashError.FindStringSubmatch(wrong.body), flashError.FindStringSubmatch(unknown.body)
	if mw == nil || mu == nil || mw[1] != mu[1] || !strings.Contains(mw[1], "申请编号或查询码不正确") {
		t.Fatalf("wrong code %q and unknown number %q should read alike", mw, mu)
	}
	if strings.Contains(wrong.body, "办理过程") {
		t.Fatal("a wrong code shows the application")
	}
	wantStatus(t, ask("", ""), http.StatusBadRequest, "请输入申请编号和查询码")
	// The form's token is required, and tied to the cookie it set.
	wantStatus(t, anon.post("/query", url.Values{"number": {app.Number}, "code": {app.QueryCode}}), http.StatusForbidden, "安全校验未通过")
	stranger := e.anonymous()
	wantStatus(t, stranger.post("/query", url.Values{"_csrf": {tok}, "number": {app.Number}, "code": {app.QueryCode}}), http.StatusForbidden)
	wantStatus(t, anon.get("/login"), http.StatusOK, `href="/query"`)
}

// appIDFrom reads the application id from a redirect to /applications/{id}.
func appIDFrom(t *testing.T, r answer) uint {
	t.Helper()
	loc := r.header.Get("Location")
	id, err := strconv.ParseUint(strings.TrimPrefix(loc, "/applications/"), 10, 32)
	if r.status != http.StatusSeeOther || err != nil {
		t.Fatalf("want a redirect to the application, got %d %q: %s", r.status, loc, r.body)
	}
	return uint(id)
}

// waitOpenTask waits for the chain the workflow starts by itself to open
// its first step.
func (e *env) waitOpenTask(itemID uint) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int64
		e.db.Model(&models.Task{}).Where("item_id = ? AND state = ?", itemID, models.TaskOpen).Count(&n)
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("item %d has no open task", itemID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *env) waitAppStatus(id uint, status string) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var a models.Application
		e.db.First(&a, id)
		if a.Status == status {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("application %d stays %q, want %q", id, a.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestApplicationThroughTheWorkflow registers an application through the
// form and takes it through its actions against a real Temporal server:
// refusals out of order come back as Chinese messages next to the form,
// with what the clerk typed; the reply goes through the chain.
func TestApplicationThroughTheWorkflow(t *testing.T) {
	e := newChainEnv(t)
	clerk, reviewer, leader := e.login("clerk"), e.login("reviewer"), e.login("leader")
	today := calendar.Today(time.Now()).String()
	reg := func() url.Values {
		return url.Values{"_idem": {"register-key-01"}, "applicant_kind": {"commercial"}, "applicant_name": {"宁夏某某建设有限公司"},
			"id_document": {"统一社会信用代码 91640000MA7"}, "contact": {"0951-1234567"}, "description": {"2026年城关镇道路硬化工程的招标文件"},
			"delivery_form": {"电子邮件"}, "channel": {"online"}, "submitted_on": {""}, "signed_on": {""}, "confirmed_on": {today}}
	}
	// Refusals keep what was typed.
	bad := reg()
	bad.Set("applicant_name", " ")
	bad.Set("_idem", "register-key-00")
	wantStatus(t, clerk.postForm("/applications/new", bad), http.StatusBadRequest, "请填写“申请人姓名或名称”", "2026年城关镇道路硬化工程的招标文件")
	bad = reg()
	bad.Set("confirmed_on", "")
	bad.Set("submitted_on", today)
	bad.Set("_idem", "register-key-02")
	wantStatus(t, clerk.postForm("/applications/new", bad), http.StatusBadRequest, "按“互联网渠道”渠道收到的申请，须填写与申请人确认之日")

	r := clerk.postForm("/applications/new", reg())
	id := appIDFrom(t, r)
	// The same form posted twice registers once.
	if again := clerk.postForm("/applications/new", reg()); appIDFrom(t, again) != id {
		t.Fatal("a repeated registration made a second application")
	}
	page := fmt.Sprintf("/applications/%d", id)
	got := clerk.get(page)
	wantStatus(t, got, http.StatusOK, "已登记申请", "申请人查询码：", "宁夏某某建设有限公司", "商业企业", "互联网渠道", "答复期限",
		"期限是怎样算出来的", "收到申请（起算日）", "20 个工作日届满")
	code := regexp.MustCompile(`申请人查询码：([A-Z0-9]+)`).FindStringSubmatch(got.body)
	var app models.Application
	e.db.First(&app, id)
	if code == nil || code[1] != app.QueryCode || app.ReceivedOn != today || app.ConfirmedOn != today || app.SubmittedOn != "" {
		t.Fatalf("registered %+v, code shown %v", app, code)
	}

	n := 0
	act := func(u *user, path string, form url.Values) answer {
		if form == nil {
			form = url.Values{}
		}
		n++
		form.Set("_idem", "action-key-"+strconv.Itoa(n))
		return u.postForm(page+path, form)
	}
	// Out of order: no correction is awaited.
	r = act(clerk, "/corrected", url.Values{"received_on": {today}})
	wantStatus(t, r, http.StatusConflict, "当前状态不允许此操作", "没有等待中的补正", "当前状态：办理中")
	// A date before receipt is refused at its form, with the input kept.
	r = act(clerk, "/correction-notice", url.Values{"sent_on": {"2000-01-01"}, "items": {"请写明标段"}, "period_workdays": {"10"}})
	wantStatus(t, r, http.StatusBadRequest, "日期不能早于收到申请之日", "请写明标段", `<details class="act" open><summary>补正告知`)
	r = act(clerk, "/extension", url.Values{"workdays": {"abc"}, "reason": {"x"}})
	wantStatus(t, r, http.StatusBadRequest, "“工作日数”应填写整数")

	// A fee notice pauses the clock until the fee is paid.
	r = act(clerk, "/fee-notice", url.Values{"method": {"per_page"}, "pages": {""}, "notified_on": {today}})
	wantStatus(t, r, http.StatusBadRequest, "按量计收须填写页数")
	wantStatus(t, act(clerk, "/fee-notice", url.Values{"method": {"per_item"}, "pages": {"7"}, "notified_on": {today}}), http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已发出收费通知", "待缴费", "暂停中", `id="fees"`, "按件计收", "本月第 1 件", "未缴", "记录缴费")
	wantStatus(t, act(clerk, "/fee-paid", url.Values{"paid_on": {today}}), http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已记录缴费", "办理中")

	// An extension goes to the reviewer's inbox; the page links it.
	wantStatus(t, act(clerk, "/extension", url.Values{"workdays": {"10"}, "reason": {"需要调取档案"}}), http.StatusSeeOther)
	var ext models.Item
	if err := e.db.Where("application_id = ? AND kind = ?", id, models.KindExtension).First(&ext).Error; err != nil {
		t.Fatal(err)
	}
	e.waitOpenTask(ext.ID)
	got = clerk.get(page)
	wantStatus(t, got, http.StatusOK, "延长答复期限的申请已提交负责人审批", "延长答复期限的申请正在等待负责人审批", fmt.Sprintf(`href="/items/%d"`, ext.ID))
	if strings.Contains(got.body, `action="`+page+`/extension"`) {
		t.Fatal("a second extension is offered while one is pending")
	}
	wantStatus(t, reviewer.get("/tasks"), http.StatusOK, "延长答复期限："+app.Number, "延长答复期限审批（负责人）")
	task := e.openTask(ext.ID)
	wantStatus(t, reviewer.postForm(fmt.Sprintf("/tasks/%d/approve", task.ID), url.Values{"_idem": {"approve-ext-01"}}), http.StatusSeeOther)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(clerk.get(page).body, "负责人同意延长答复期限") {
		if time.Now().After(deadline) {
			t.Fatal("the approved extension never reached the application")
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantStatus(t, clerk.get(page), http.StatusOK, "延长 10 个工作日")

	// A consultation pauses the clock; the reply resumes it.
	r = act(clerk, "/consultations", url.Values{"kind": {"third_party"}, "party": {"宁夏某某监理公司"}, "sent_on": {today}, "received_on": {today}})
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已记录征求意见", "征求意见中", "暂停中", "宁夏某某监理公司", "记录回复")
	var cs models.Consultation
	if err := e.db.Where("application_id = ?", id).First(&cs).Error; err != nil {
		t.Fatal(err)
	}
	r = act(clerk, fmt.Sprintf("/consultations/%d/reply", cs.ID), url.Values{"replied_on": {today}, "opinion": {"同意公开"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已记录对方意见", "同意公开", "办理中")

	// The reply goes through the chain, linked from the page and the inbox.
	r = act(clerk, "/reply", url.Values{"outcome": {""}, "text": {"经审查，予以公开。"}})
	wantStatus(t, r, http.StatusBadRequest, "答复结果", "经审查，予以公开。")
	r = act(clerk, "/reply", url.Values{"outcome": {"disclosed"}, "text": {"经审查，予以公开。"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "答复已提交审批", "答复审批中")
	e.db.First(&app, id)
	if app.ReplyItemID == nil {
		t.Fatal("no reply item")
	}
	e.waitOpenTask(*app.ReplyItemID)
	wantStatus(t, clerk.get(page), http.StatusOK, "答复审批", "当前环节：<strong>负责人审核</strong>", fmt.Sprintf(`href="/items/%d"`, *app.ReplyItemID))
	wantStatus(t, reviewer.get("/tasks"), http.StatusOK, "答复："+app.Number, fmt.Sprintf(`href="/applications/%d"`, id))
	wantStatus(t, reviewer.get(fmt.Sprintf("/items/%d", *app.ReplyItemID)), http.StatusOK, "所属申请", fmt.Sprintf(`href="/applications/%d"`, id))
	for _, u := range []*user{reviewer, leader} {
		e.waitOpenTask(*app.ReplyItemID)
		task := e.openTask(*app.ReplyItemID)
		wantStatus(t, u.postForm(fmt.Sprintf("/tasks/%d/approve", task.ID), url.Values{"_idem": {"approve-" + u.name + "-01"}}), http.StatusSeeOther)
	}
	e.waitAppStatus(id, models.AppReplyReady)
	wantStatus(t, clerk.get(page), http.StatusOK, "答复待送达", "记录送达答复")
	wantStatus(t, act(clerk, "/withdraw", url.Values{"on": {today}}), http.StatusConflict, "申请已办结，不能撤回")
	r = act(clerk, "/sent", url.Values{"sent_on": {today}, "method": {""}})
	wantStatus(t, r, http.StatusBadRequest, "请写明送达方式")
	wantStatus(t, act(clerk, "/sent", url.Values{"sent_on": {today}, "method": {"电子邮件"}}), http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已答复", "予以公开", "送达答复", `action="`+page+`/archive"`)
	wantStatus(t, act(clerk, "/archive", nil), http.StatusSeeOther)
	wantStatus(t, clerk.get(page), http.StatusOK, "已归档", "没有可办理的事项")
	// The API answers 500 for an ended workflow; the page says what it means.
	wantStatus(t, act(clerk, "/withdraw", url.Values{"on": {today}}), http.StatusConflict, "该申请已归档")

	// The applicant sees the same story.
	anon := e.anonymous()
	tok := formToken(t, anon.get("/query").body)
	wantStatus(t, anon.post("/query", url.Values{"_csrf": {tok}, "number": {app.Number}, "code": {app.QueryCode}}), http.StatusOK,
		"已归档", "予以公开", "送达答复", "答复期限")
}
