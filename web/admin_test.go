package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gongkai/models"
)

// TestNewPagesNeedLoginAndCSRF: every new page sends a logged-out visitor
// to the login page, every new form wants the session's CSRF token, and
// a refused post changes nothing.
func TestNewPagesNeedLoginAndCSRF(t *testing.T) {
	e := newEnv(t)
	app := e.seedApplication("clerk", daysAgo(2), "", models.AppRegistered)
	anon := e.anonymous()
	appPage := fmt.Sprintf("/applications/%d", app.ID)
	for _, p := range []string{"/applications", "/applications?overdue=true", "/applications/new", appPage,
		"/calendar", "/calendar?year=2026&region=宁夏", "/calendar/deadline?start=2026-09-18&workdays=20",
		"/reports", "/reports/2023", "/reports/2023/export.html", "/reports/2023/export.xlsx", "/appeals?year=2023",
		"/admin", "/admin/users", "/admin/users/1", "/admin/agency"} {
		r := anon.get(p)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape(p) {
			t.Fatalf("GET %s logged out: %d %q", p, r.status, r.header.Get("Location"))
		}
	}
	posts := []string{"/applications/new", appPage + "/correction-notice", appPage + "/corrected", appPage + "/consultations",
		appPage + "/consultations/1/reply", appPage + "/extension", appPage + "/fee-notice", appPage + "/fee-paid", appPage + "/excessive",
		appPage + "/reply", appPage + "/sent", appPage + "/archive", appPage + "/withdraw",
		"/calendar/overrides", "/calendar/overrides/1/delete", "/calendar/import",
		"/reports/2023/narrative", "/reports/2023/figures", "/reports/2023/finalise", "/appeals", "/appeals/1",
		"/admin/users", "/admin/users/1", "/admin/users/1/disable", "/admin/users/1/enable", "/admin/users/1/password",
		"/admin/agency", "/admin/agency/chains"}
	form := url.Values{"date": {"2026-03-20"}, "working": {"false"}, "name": {"开斋节"}, "username": {"mallory"}, "password": {"long-password-1"},
		"roles": {"admin"}, "month": {"02"}, "day": {"28"}, "kind": {"review"}, "filed_on": {"2023-05-01"}, "licensing": {"9"},
		"penalty": {"9"}, "enforcement": {"9"}, "part_1": {"篡改"}, "disabled": {"true"}}
	for _, p := range posts {
		r := anon.post(p, form)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("POST %s logged out: %d %q", p, r.status, r.header.Get("Location"))
		}
	}
	// Logged in, but without the token (or with another session's).
	clerk, admin, editor := e.login("clerk"), e.login("admin"), e.login("editor")
	stolen := e.login("admin").csrf()
	for _, u := range []*user{clerk, admin, editor} {
		for _, p := range posts {
			wantStatus(t, u.post(p, form), http.StatusForbidden, "安全校验未通过")
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			bad.Set("_csrf", stolen)
			wantStatus(t, u.post(p, bad), http.StatusForbidden, "安全校验未通过")
		}
	}
	// The multipart import form too.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "overlay.csv")
	fw.Write([]byte("date,region,working,name,source\n2026-03-20,宁夏,放假,开斋节,\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/calendar/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	wantStatus(t, admin.do(req), http.StatusForbidden, "安全校验未通过")

	var n int64
	e.db.Model(&models.CalendarOverride{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d overrides after refused posts", n)
	}
	e.db.Model(&models.User{}).Where("username = ?", "mallory").Count(&n)
	if n != 0 {
		t.Fatal("a refused post added a user")
	}
	e.db.Model(&models.Appeal{}).Count(&n)
	if n != 0 {
		t.Fatal("a refused post added an appeal")
	}
	e.db.Model(&models.AnnualFigures{}).Count(&n)
	if n != 0 {
		t.Fatal("a refused post stored figures")
	}
	var got models.Application
	e.db.First(&got, app.ID)
	if got.Status != models.AppRegistered {
		t.Fatalf("a refused post changed the application: %s", got.Status)
	}
}

// TestAnnualReportPages: the 2023 demo report (城关镇, 11 published items)
// laid out as the 30号 form, with its checks; who may change what; other
// agencies' reports are 404 pages.
func TestAnnualReportPages(t *testing.T) {
	e := newEnv(t)
	editor, reviewer, clerk, admin, editor2 := e.login("editor"), e.login("reviewer"), e.login("clerk"), e.login("admin"), e.login("editor2")
	wantStatus(t, editor.get("/reports?year=2023"), http.StatusSeeOther)
	page := editor.get("/reports/2023")
	wantStatus(t, page, http.StatusOK, "隆德县城关镇人民政府2023年政府信息公开工作年度报告", "草稿",
		"勾稽关系检查全部通过", `data-rule="R-A"`, `data-rule="T3"`,
		"一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
		`id="table-1"`, `id="table-2"`, `id="table-3"`, "第二十条第（一）项", "行政事业性收费", "三、本年度办理结果", "（七）总计",
		"结果维持", "未经复议直接起诉", "主动公开信息共计11条", "（请填写）",
		`href="/reports/2023/export.html"`, `href="/reports/2023/export.xlsx"`,
		`action="/reports/2023/narrative"`, `action="/reports/2023/finalise"`)
	if strings.Contains(page.body, `action="/reports/2023/figures"`) {
		t.Fatal("an editor is offered the admin's figures form")
	}
	wantStatus(t, admin.get("/reports/2023"), http.StatusOK, `action="/reports/2023/figures"`, `action="/reports/2023/narrative"`)
	r := reviewer.get("/reports/2023")
	wantStatus(t, r, http.StatusOK, `id="table-2"`)
	if strings.Contains(r.body, `action="/reports/2023/narrative"`) || strings.Contains(r.body, `action="/reports/2023/finalise"`) {
		t.Fatal("a reviewer is offered the report's forms")
	}

	// Exports: the server's own HTML (its inline styles allowed for this
	// response only) and the XLSX.
	html := editor.get("/reports/2023/export.html")
	wantStatus(t, html, http.StatusOK, "<table", "一、总体情况")
	if csp := html.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'unsafe-inline'") || strings.Contains(csp, "script-src") {
		t.Fatalf("export CSP %q", csp)
	}
	xlsx := editor.get("/reports/2023/export.xlsx")
	if xlsx.status != http.StatusOK || !strings.Contains(xlsx.header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(xlsx.body, "PK") {
		t.Fatalf("xlsx: %d %s", xlsx.status, xlsx.header.Get("Content-Type"))
	}

	// Scope: another agency's report is the 404 page, for every page.
	for _, p := range []string{"/reports/2023?agency=shanhe", "/reports/2023?agency=no-such", "/reports/2023/export.html?agency=shanhe", "/reports/2023/export.xlsx?agency=shanhe"} {
		wantStatus(t, editor.get(p), http.StatusNotFound, "机关不存在")
	}
	wantStatus(t, admin.postForm("/reports/2023/figures", url.Values{"agency": {"shanhe"}, "licensing": {"1"}, "penalty": {"1"}, "enforcement": {"1"}}), http.StatusNotFound)
	wantStatus(t, editor2.get("/reports/2023"), http.StatusOK, "隆德县山河镇人民政府2023年")
	wantStatus(t, editor.get("/reports/abc"), http.StatusNotFound, "年度报告不存在")
	wantStatus(t, editor.get("/reports/2999"), http.StatusNotFound, "年度报告不存在")

	// Roles: narrative by editors and admins, figures by admins, finalising by editors.
	wantStatus(t, reviewer.postForm("/reports/2023/narrative", url.Values{"part_1": {"x"}}), http.StatusForbidden, "没有权限")
	wantStatus(t, editor.postForm("/reports/2023/figures", url.Values{"licensing": {"1"}, "penalty": {"1"}, "enforcement": {"1"}}), http.StatusForbidden)
	wantStatus(t, admin.postForm("/reports/2023/finalise", nil), http.StatusForbidden, "只有编辑人员可以定稿")
	wantStatus(t, admin.postForm("/reports/2023/figures", url.Values{"licensing": {"12"}, "penalty": {"3"}, "enforcement": {"1"}, "fees_wan_yuan": {"abc"}}),
		http.StatusBadRequest, "行政事业性收费应为以万元计的金额", `value="abc"`)
	wantStatus(t, admin.postForm("/reports/2023/figures", url.Values{"licensing": {"x"}}), http.StatusBadRequest, "“行政许可”应填写非负整数")
	r = admin.postForm("/reports/2023/figures", url.Values{"licensing": {"12"}, "penalty": {"3"}, "enforcement": {"1"}, "fees_wan_yuan": {"0.5"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/reports/2023#figures" {
		t.Fatalf("figures: %d %q", r.status, r.header.Get("Location"))
	}
	wantStatus(t, admin.get("/reports/2023"), http.StatusOK, "已保存表一的统计数字", `<tr data-row="licensing"><th>行政许可</th><td colspan="3" class="num">12</td></tr>`, "0.50")

	// Finalising is refused while a part still reads （请填写）, with the reason.
	wantStatus(t, editor.postForm("/reports/2023/finalise", url.Values{"_idem": {"finalise-key-1"}}), http.StatusConflict,
		"报告尚未写完，不能定稿", "仍有“（请填写）”")
	r = editor.postForm("/reports/2023/narrative", url.Values{"part_1": {"2023年，城关镇依法做好政府信息公开工作。"}, "part_5": {"问题与改进。"}, "part_6": {""}})
	wantStatus(t, r, http.StatusSeeOther)
	page = editor.get("/reports/2023")
	wantStatus(t, page, http.StatusOK, "已保存报告正文", "2023年，城关镇依法做好政府信息公开工作。", "问题与改进。")

	// Appeals: the clerk's; they feed table 3.
	wantStatus(t, editor.postForm("/appeals", url.Values{"kind": {"review"}, "filed_on": {"2023-05-01"}, "result": {"pending"}}), http.StatusForbidden, "只有依申请公开经办人")
	wantStatus(t, clerk.postForm("/appeals", url.Values{"kind": {"review"}, "filed_on": {"2099-05-01"}, "result": {"pending"}, "note": {"保留的备注"}}),
		http.StatusBadRequest, "立案日期无效或晚于今天", "保留的备注")
	wantStatus(t, clerk.postForm("/appeals", url.Values{"kind": {"review"}, "filed_on": {"2023-05-01"}, "number": {"chengguan-YSQ-2023-9999"}}),
		http.StatusBadRequest, "关联的申请编号“chengguan-YSQ-2023-9999”不存在")
	r = clerk.postForm("/appeals", url.Values{"_idem": {"appeal-key-0001"}, "kind": {"review"}, "filed_on": {"2023-05-01"}, "result": {"upheld"}, "decided_on": {"2023-07-01"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/appeals?year=2023" {
		t.Fatalf("appeal: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	var ap models.Appeal
	if err := e.db.First(&ap).Error; err != nil {
		t.Fatal(err)
	}
	wantStatus(t, clerk.get("/appeals?year=2023"), http.StatusOK, "已登记案件", "行政复议", "2023-05-01", "结果维持", fmt.Sprintf(`href="/appeals?year=2023&amp;edit=%d#edit"`, ap.ID))
	wantStatus(t, clerk.get(fmt.Sprintf("/appeals?year=2023&edit=%d", ap.ID)), http.StatusOK, "修改案件", fmt.Sprintf(`action="/appeals/%d"`, ap.ID), `value="2023-07-01"`)
	wantStatus(t, clerk.postForm(fmt.Sprintf("/appeals/%d", ap.ID), url.Values{"kind": {"review"}, "filed_on": {"2023-05-01"}, "result": {"corrected"}, "decided_on": {"2023-01-01"}}),
		http.StatusBadRequest, "修改案件", "审结日期无效")
	wantStatus(t, clerk.postForm(fmt.Sprintf("/appeals/%d", ap.ID), url.Values{"kind": {"review"}, "filed_on": {"2023-05-01"}, "result": {"corrected"}, "decided_on": {"2023-08-01"}}), http.StatusSeeOther)
	wantStatus(t, clerk.get("/appeals?year=2023"), http.StatusOK, "已保存案件", "结果纠正")
	wantStatus(t, editor.get("/reports/2023"), http.StatusOK, `data-row="appeals"><td class="num">0</td><td class="num">1</td>`, "本年度登记的行政复议、行政诉讼案件（1 件）")
	// Another agency's case is not found.
	other := models.Appeal{AgencyID: 3, Kind: "review", FiledOn: "2023-01-01", Result: "pending", CreatedBy: 1}
	var shanhe models.Agency
	e.db.Where("code = ?", "shanhe").First(&shanhe)
	other.AgencyID = shanhe.ID
	e.db.Create(&other)
	wantStatus(t, clerk.postForm(fmt.Sprintf("/appeals/%d", other.ID), url.Values{"kind": {"review"}, "filed_on": {"2023-05-01"}}), http.StatusNotFound, "案件不存在")
	if strings.Contains(clerk.get("/appeals?year=2023").body, fmt.Sprintf(`id="appeal-%d"`, other.ID)) {
		t.Fatal("another agency's case is listed")
	}

	// A failed check is shown clearly: in the list, on its cells, and as
	// finalising's refusal. Last year's published report carried 2
	// applications forward that this year's row 二 does not carry in.
	var cg models.Agency
	e.db.Where("code = ?", "chengguan").First(&cg)
	e.db.Create(&models.AnnualReport{AgencyID: cg.ID, Year: 2022, Status: models.ReportPublished,
		Frozen: `{"applications":{"rows":{"carried_forward":[2,0,0,0,0,0,2]}}}`})
	page = editor.get("/reports/2023")
	wantStatus(t, page, http.StatusOK, "勾稽关系检查：1 项未通过", `<li class="bad" data-rule="R-D">`, "表中标红的单元格",
		`<tr data-row="carried_in"><th colspan="3" class="l1">二、上年结转政府信息公开申请数量</th><td class="num bad" title="未通过：R-D">0</td>`)
	wantStatus(t, editor.postForm("/reports/2023/finalise", url.Values{"_idem": {"finalise-key-2"}}), http.StatusConflict,
		"未通过勾稽检查，不能定稿", "R-D")
}

// TestCalendarPages: the year view and the overlay for admins, the
// deadline calculator for everyone.
func TestCalendarPages(t *testing.T) {
	e := newEnv(t)
	admin, editor, clerk := e.login("admin"), e.login("editor"), e.login("clerk")
	wantStatus(t, editor.get("/calendar"), http.StatusForbidden, "只有管理员")
	wantStatus(t, editor.postForm("/calendar/overrides", url.Values{"date": {"2026-03-20"}, "working": {"false"}, "name": {"开斋节"}}), http.StatusForbidden)
	wantStatus(t, clerk.postForm("/calendar/import", url.Values{"content": {"x"}}), http.StatusForbidden)
	if strings.Contains(editor.get("/").body, `href="/calendar"`) || !strings.Contains(editor.get("/").body, `href="/calendar/deadline"`) {
		t.Fatal("an editor's menu: the calculator, not the calendar")
	}

	cal := admin.get("/calendar?year=2026&region=宁夏")
	wantStatus(t, cal, http.StatusOK, "节假日日历", "2026 年 · 宁夏", "10 月", `class="off" title="2026-10-01 国庆节`, `class="makeup"`,
		`class="weekend"`, "调休上班", "本系统调整", "2026 年没有调整")
	// Add a regional holiday: marked on the view and listed.
	r := admin.postForm("/calendar/overrides", url.Values{"view_year": {"2026"}, "view_region": {"宁夏"}, "date": {"2026-03-20"},
		"region": {"宁夏"}, "working": {"false"}, "name": {"开斋节"}, "source": {"宁政办发〔2026〕12号"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/calendar?") {
		t.Fatalf("add: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	cal = admin.get(r.header.Get("Location"))
	wantStatus(t, cal, http.StatusOK, "已保存 2026-03-20 的调整", `class="off ov" title="2026-03-20 开斋节`, "宁政办发〔2026〕12号", "本系统调整（宁夏）：开斋节")
	// Nationally the day stays a working day.
	if strings.Contains(admin.get("/calendar?year=2026&region=").body, `class="off ov" title="2026-03-20`) {
		t.Fatal("a 宁夏 holiday shows on the national calendar")
	}
	wantStatus(t, admin.postForm("/calendar/overrides", url.Values{"date": {"2026-03-21"}, "region": {"宁夏"}, "name": {"x"}}),
		http.StatusBadRequest, "缺少“上班或放假”")
	// Import is all or nothing; the error names the line.
	bad := "date,region,working,name,source\n2026-06-16,宁夏,放假,古尔邦节,\n2026-06-17,宁夏,也许,古尔邦节,\n"
	wantStatus(t, admin.postForm("/calendar/import", url.Values{"view_year": {"2026"}, "content": {bad}}), http.StatusBadRequest,
		"导入未完成，没有保存任何一条", "第 3 行的“上班或放假”（working 列）", "也许")
	wantStatus(t, admin.postForm("/calendar/import", url.Values{"content": {`[{"date":"2026-13-01","region":"宁夏","working":false,"name":"x"}]`}}),
		http.StatusBadRequest, "第 1 条的“日期”（date）")
	var n int64
	e.db.Model(&models.CalendarOverride{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d overrides after refused imports, want 1", n)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", admin.csrf())
	mw.WriteField("view_year", "2026")
	mw.WriteField("view_region", "宁夏")
	fw, _ := mw.CreateFormFile("file", "2026-宁夏.csv")
	fw.Write([]byte("date,region,working,name,source\n2026-05-27,宁夏,放假,古尔邦节,宁政办发〔2026〕12号\n2026-05-28,宁夏,放假,古尔邦节,宁政办发〔2026〕12号\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/calendar/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = admin.do(req)
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, admin.get(r.header.Get("Location")), http.StatusOK, "已导入 2 条调整", "古尔邦节")
	// Delete one.
	var o models.CalendarOverride
	e.db.Where("date = ?", "2026-03-20").First(&o)
	r = admin.postForm(fmt.Sprintf("/calendar/overrides/%d/delete", o.ID), url.Values{"view_year": {"2026"}, "view_region": {"宁夏"}})
	wantStatus(t, r, http.StatusSeeOther)
	if strings.Contains(admin.get(r.header.Get("Location")).body, `title="2026-03-20 开斋节`) {
		t.Fatal("the deleted override still shows")
	}
	wantStatus(t, admin.postForm("/calendar/overrides/99999/delete", nil), http.StatusNotFound)

	// The calculator, for everyone: start + N working days, explained.
	d := editor.get("/calendar/deadline?start=2026-09-18&workdays=20&region=宁夏")
	wantStatus(t, d, http.StatusOK, "届满日期", "2026-10-22", "计算过程", "国庆节", "调休上班")
	wantStatus(t, editor.get("/calendar/deadline?start=2026-09-18&workdays=0"), http.StatusBadRequest, "“工作日数”应为 1 到")
	wantStatus(t, editor.get("/calendar/deadline?start=bad&workdays=5"), http.StatusBadRequest, "起算日期")
	wantStatus(t, editor.get("/calendar/deadline"), http.StatusOK, `name="start"`)
}

// TestAdminPages: users and agency settings, for admins only.
func TestAdminPages(t *testing.T) {
	e := newEnv(t)
	admin, editor := e.login("admin"), e.login("editor")
	for _, p := range []string{"/admin/users", "/admin/users/1", "/admin/agency"} {
		wantStatus(t, editor.get(p), http.StatusForbidden, "只有管理员")
	}
	wantStatus(t, editor.postForm("/admin/users", url.Values{"username": {"x"}, "password": {"long-password-1"}}), http.StatusForbidden)
	if strings.Contains(editor.get("/").body, `href="/admin/users"`) || !strings.Contains(admin.get("/").body, `href="/admin/users"`) {
		t.Fatal("管理 is in the menu of admins only")
	}
	users := admin.get("/admin/users")
	wantStatus(t, users, http.StatusOK, "用户管理", "城关镇编辑", "编辑人员", "依申请公开经办人", `action="/admin/users"`)
	if strings.Contains(users.body, "山河镇编辑") {
		t.Fatal("another agency's users are listed")
	}

	// Add: refusals come back next to the form.
	wantStatus(t, admin.postForm("/admin/users", url.Values{"username": {"wang"}, "display_name": {"王五"}, "password": {"short"}, "roles": {"reviewer"}}),
		http.StatusBadRequest, "密码至少 8 个字符", `value="wang"`, `value="reviewer" checked`)
	wantStatus(t, admin.postForm("/admin/users", url.Values{"username": {"editor"}, "password": {"long-password-1"}, "roles": {"editor"}}),
		http.StatusConflict, "用户名已存在")
	r := admin.postForm("/admin/users", url.Values{"_idem": {"add-user-key-1"}, "username": {"wang"}, "display_name": {"王五"},
		"password": {"long-password-1"}, "roles": {"reviewer", "leader"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/users/") {
		t.Fatalf("add user: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	userPage := r.header.Get("Location")
	wantStatus(t, admin.get(userPage), http.StatusOK, "已添加用户 wang（负责人、分管领导）", "王五", `value="reviewer" checked`, `value="leader" checked`)
	wang := e.anonymous()
	tok := formToken(t, wang.get("/login").body)
	wantStatus(t, wang.post("/login", url.Values{"_csrf": {tok}, "username": {"wang"}, "password": {"long-password-1"}}), http.StatusSeeOther)
	wantStatus(t, wang.get("/applications"), http.StatusOK)

	// Roles and name.
	wantStatus(t, admin.postForm(userPage, url.Values{"display_name": {"王五（负责人）"}, "roles": {"clerk"}}), http.StatusSeeOther)
	wantStatus(t, admin.get(userPage), http.StatusOK, "已保存姓名和角色", "王五（负责人）", `value="clerk" checked`)
	// Disable: the session ends; enable again.
	wantStatus(t, admin.postForm(userPage+"/disable", nil), http.StatusSeeOther)
	wantStatus(t, admin.get("/admin/users"), http.StatusOK, "已停用")
	if r := wang.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("a disabled user's session still works: %d", r.status)
	}
	wantStatus(t, admin.postForm(userPage+"/enable", nil), http.StatusSeeOther)
	// Reset the password.
	wantStatus(t, admin.postForm(userPage+"/password", url.Values{"password": {"another-pass-2"}, "password_again": {"another-pass-3"}}),
		http.StatusBadRequest, "两次输入的新密码不一致")
	wantStatus(t, admin.postForm(userPage+"/password", url.Values{"password": {"another-pass-2"}, "password_again": {"another-pass-2"}}), http.StatusSeeOther)
	wang = e.anonymous()
	tok = formToken(t, wang.get("/login").body)
	wantStatus(t, wang.post("/login", url.Values{"_csrf": {tok}, "username": {"wang"}, "password": {"another-pass-2"}}), http.StatusSeeOther)

	// An admin cannot lock themselves out.
	me, _ := models.UserByUsername(context.Background(), e.db, "admin")
	mine := fmt.Sprintf("/admin/users/%d", me.ID)
	wantStatus(t, admin.postForm(mine+"/disable", nil), http.StatusBadRequest, "不能停用自己的账号")
	wantStatus(t, admin.postForm(mine, url.Values{"display_name": {"管理员"}, "roles": {"editor"}}), http.StatusBadRequest, "不能取消自己的管理员角色")
	// Another agency's user is the 404 page.
	other, _ := models.UserByUsername(context.Background(), e.db, "editor2")
	wantStatus(t, admin.get(fmt.Sprintf("/admin/users/%d", other.ID)), http.StatusNotFound, "用户不存在")
	wantStatus(t, admin.postForm(fmt.Sprintf("/admin/users/%d/disable", other.ID), nil), http.StatusNotFound)

	// Agency settings: the report deadline and the chains.
	wantStatus(t, admin.get("/admin/agency"), http.StatusOK, "年度报告公布期限", `name="month" min="1" max="12" required value="01"`, "默认流程", "负责人审核", "分管领导审批")
	wantStatus(t, admin.postForm("/admin/agency", url.Values{"month": {"2"}, "day": {"30"}}), http.StatusBadRequest, "年度报告公布期限应为 MM-DD")
	wantStatus(t, admin.postForm("/admin/agency", url.Values{"month": {"2"}, "day": {"28"}}), http.StatusSeeOther)
	wantStatus(t, admin.get("/admin/agency"), http.StatusOK, "次年 02-28 前公布", `value="02"`, `value="28"`)
	chain := url.Values{"column": {"财政资金"}, "new": {"1"},
		"step_name": {"review", "", "", ""}, "step_role": {"reviewer", "leader", "leader", "leader"}, "step_workdays": {"2", "", "", ""}}
	wantStatus(t, admin.postForm("/admin/agency/chains", chain), http.StatusBadRequest, "须有 2 到 4 个环节（现为 1 个）", `value="财政资金"`)
	chain["step_name"] = []string{"review", "secrecy", "approve", ""}
	chain["step_role"] = []string{"reviewer", "admin", "leader", "leader"}
	chain["step_workdays"] = []string{"2", "1", "3", ""}
	wantStatus(t, admin.postForm("/admin/agency/chains", chain), http.StatusSeeOther)
	wantStatus(t, admin.get("/admin/agency"), http.StatusOK, "已保存“财政资金”栏目的审核流程", "栏目：财政资金", `value="secrecy"`)
	steps, _ := models.ChainFor(context.Background(), e.db, me.AgencyID, "财政资金")
	if len(steps) != 3 || steps[1].Role != models.RoleAdmin || steps[1].Workdays != 1 {
		t.Fatalf("stored chain %+v", steps)
	}
}
