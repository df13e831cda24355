package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"gongkai/api"
	"gongkai/auth"
	"gongkai/dbtest"
	"gongkai/models"
)

func TestLoggedOutPagesGoToLogin(t *testing.T) {
	e := newEnv(t)
	it := e.seedItem("editor", "城关镇2026年工作要点", models.ItemDraft)
	var before int64
	e.db.Model(&models.Item{}).Count(&before)
	anon := e.anonymous()
	for _, p := range []string{"/", "/tasks", "/tasks?overdue=true", "/done", "/mine", "/items/new", "/logout",
		fmt.Sprintf("/items/%d", it.ID), fmt.Sprintf("/items/%d/edit", it.ID), fmt.Sprintf("/items/%d/sheet", it.ID),
		fmt.Sprintf("/items/%d/attachments/1", it.ID)} {
		r := anon.get(p)
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Fatalf("GET %s logged out: %d %q", p, r.status, loc)
		}
		if p != "/" && loc != "/login?next="+url.QueryEscape(p) {
			t.Fatalf("GET %s: Location %q does not come back", p, loc)
		}
	}
	// Form posts without a session change nothing and go to the login page.
	for _, p := range []string{"/items/new", fmt.Sprintf("/items/%d/edit", it.ID), fmt.Sprintf("/items/%d/submit", it.ID), "/tasks/1/approve", "/logout"} {
		r := anon.post(p, url.Values{"title": {"x"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("POST %s logged out: %d %q", p, r.status, r.header.Get("Location"))
		}
	}
	var n int64
	e.db.Model(&models.Item{}).Count(&n)
	if n != before {
		t.Fatalf("%d items after anonymous posts, %d before", n, before)
	}
	// What needs no login.
	wantStatus(t, anon.get("/login"), http.StatusOK, "登录", `name="_csrf"`)
	wantStatus(t, anon.get("/public/chengguan"), http.StatusOK, "政府信息公开目录", "隆德县城关镇人民政府")
	wantStatus(t, anon.get("/public/no-such-agency"), http.StatusNotFound, "机关不存在")
	css := anon.get("/assets/app.css")
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Fatalf("app.css: %d %s", css.status, css.header.Get("Content-Type"))
	}
	wantStatus(t, anon.get("/assets/nope.css"), http.StatusNotFound)
	// Unknown pages are an HTML 404; the API keeps its JSON envelope.
	nf := anon.get("/no-such-page")
	wantStatus(t, nf, http.StatusNotFound, "页面不存在")
	if !strings.HasPrefix(nf.header.Get("Content-Type"), "text/html") {
		t.Fatalf("404 page type %s", nf.header.Get("Content-Type"))
	}
	wantStatus(t, anon.get("/api/v1/no-such-thing"), http.StatusNotFound, `"code":"not_found"`)
	wantStatus(t, anon.get(fmt.Sprintf("/items/%d/submit", it.ID)), http.StatusMethodNotAllowed, "不支持的操作")
	wantStatus(t, anon.get("/api/v1/login"), http.StatusMethodNotAllowed, `"code":"method_not_allowed"`)
}

func TestPagesAndAgencyScoping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) { testPagesAndAgencyScoping(t, newEnvWith(t, db, api.Deps{})) })
}

func testPagesAndAgencyScoping(t *testing.T, e *env) {
	draft := e.seedItem("editor", "城关镇草稿信息", models.ItemDraft)
	pub := e.seedItem("editor", "城关镇已发布信息", models.ItemPublished)
	other := e.seedItem("editor2", "山河镇草稿信息", models.ItemDraft)
	editor, reviewer, editor2 := e.login("editor"), e.login("reviewer"), e.login("editor2")

	item := func(it *models.Item, suffix string) string { return fmt.Sprintf("/items/%d%s", it.ID, suffix) }
	wantStatus(t, editor.get("/"), http.StatusOK, "工作台", "待办", "逾期", "我发起的", "暂无", "城关镇编辑")
	// 即将到期的申请 is for the roles that handle applications (see applications_test.go).
	if strings.Contains(editor.get("/").body, "即将到期的申请") {
		t.Fatal("an editor's workbench shows the applications box")
	}
	wantStatus(t, editor.get("/tasks"), http.StatusOK, "暂无待办")
	wantStatus(t, editor.get("/tasks?step=review&overdue=true&column=新闻中心&q=x"), http.StatusOK, "没有符合条件的待办")
	wantStatus(t, editor.get("/done"), http.StatusOK, "已办", "暂无已办事项")
	mine := editor.get("/mine")
	wantStatus(t, mine, http.StatusOK, draft.Title, pub.Title, draft.IndexNo)
	if strings.Contains(mine.body, other.Title) {
		t.Fatal("editor's 我发起 lists another agency's item")
	}
	wantStatus(t, editor.get("/mine?status=published"), http.StatusOK, pub.Title)
	if strings.Contains(editor.get("/mine?status=published").body, draft.Title) {
		t.Fatal("status filter ignored")
	}
	wantStatus(t, editor.get("/items/new"), http.StatusOK, "新建信息", `name="title"`)
	wantStatus(t, editor.get(item(draft, "")), http.StatusOK, draft.Title, "草稿", "提交审核", "审核流程", "操作记录", "<h1>"+draft.Title+"</h1>")
	wantStatus(t, editor.get(item(draft, "/edit")), http.StatusOK, `value="`+draft.Title+`"`, `name="version" value="1"`)
	wantStatus(t, editor.get(item(draft, "/sheet")), http.StatusOK, "政府信息主动公开发布审核单", "隆德县城关镇人民政府", "城关镇编辑")
	wantStatus(t, editor.get(item(pub, "/edit")), http.StatusConflict, "只有草稿或被退回的信息可以修改")

	// Another agency's item is a 404 page, whatever the page.
	for _, suffix := range []string{"", "/edit", "/sheet", "/attachments/1"} {
		wantStatus(t, editor.get(item(other, suffix)), http.StatusNotFound, "信息不存在")
	}
	r := editor.postForm(item(other, "/edit"), url.Values{"version": {"1"}, "title": {"改掉"}, "column": {"新闻中心"}, "formed_on": {"2026-01-05"}})
	wantStatus(t, r, http.StatusNotFound, "信息不存在")
	wantStatus(t, editor.postForm(item(other, "/withdraw"), nil), http.StatusNotFound)
	var still models.Item
	e.db.First(&still, other.ID)
	if still.Title != other.Title || still.Version != 1 {
		t.Fatalf("other agency's item changed: %+v", still)
	}
	wantStatus(t, editor.get("/items/abc"), http.StatusNotFound, "信息不存在")
	wantStatus(t, editor.get("/items/999999"), http.StatusNotFound, "信息不存在")
	wantStatus(t, editor2.get(item(draft, "")), http.StatusNotFound)
	wantStatus(t, editor2.get("/mine"), http.StatusOK, other.Title)

	// Roles: a reviewer sees the agency's items but cannot write them.
	wantStatus(t, reviewer.get(item(draft, "")), http.StatusOK, draft.Title)
	wantStatus(t, reviewer.get("/items/new"), http.StatusForbidden, "只有编辑人员可以新建信息")
	wantStatus(t, reviewer.get(item(draft, "/edit")), http.StatusForbidden)
	if strings.Contains(reviewer.get("/").body, `href="/items/new"`) {
		t.Fatal("reviewer offered 新建信息")
	}
	wantStatus(t, reviewer.postForm("/items/new", url.Values{"title": {"x"}, "column": {"新闻中心"}, "formed_on": {"2026-01-05"}}),
		http.StatusForbidden, "您没有执行此操作的权限")

	// The public catalogue: published items of that agency only.
	anon := e.anonymous()
	cat := anon.get("/public/chengguan")
	wantStatus(t, cat, http.StatusOK, pub.Title, pub.IndexNo)
	if strings.Contains(cat.body, draft.Title) {
		t.Fatal("catalogue shows a draft")
	}
	if strings.Contains(anon.get("/public/shanhe").body, pub.Title) {
		t.Fatal("shanhe's catalogue shows chengguan's item")
	}
	wantStatus(t, anon.get("/public/chengguan/"+pub.IndexNo), http.StatusOK, pub.Title, "正文第一段", "索引号", "生成日期")
	wantStatus(t, anon.get("/public/chengguan/"+draft.IndexNo), http.StatusNotFound, "信息不存在或未公开")
	wantStatus(t, anon.get("/public/shanhe/"+pub.IndexNo), http.StatusNotFound)
}

func TestCSRFIsRequired(t *testing.T) {
	e := newEnv(t)
	it := e.seedItem("editor", "安全校验测试", models.ItemDraft)
	editor := e.login("editor")
	edit := fmt.Sprintf("/items/%d/edit", it.ID)
	form := func() url.Values {
		return url.Values{"version": {"1"}, "title": {"已被篡改"}, "column": {"新闻中心"}, "formed_on": {"2026-01-05"}}
	}
	wantStatus(t, editor.post(edit, form()), http.StatusForbidden, "安全校验未通过")
	bad := form()
	bad.Set("_csrf", "not-the-token")
	wantStatus(t, editor.post(edit, bad), http.StatusForbidden, "安全校验未通过")
	// A token is bound to its session: another session's does not do.
	other := e.login("editor")
	stolen := form()
	stolen.Set("_csrf", other.csrf())
	wantStatus(t, editor.post(edit, stolen), http.StatusForbidden)
	for _, p := range []string{"/items/new", "/tasks/1/approve", "/tasks/1/return", fmt.Sprintf("/items/%d/submit", it.ID),
		fmt.Sprintf("/items/%d/withdraw", it.ID), fmt.Sprintf("/items/%d/attachments/1/delete", it.ID), "/logout"} {
		wantStatus(t, editor.post(p, url.Values{"comment": {"x"}}), http.StatusForbidden, "安全校验未通过")
	}
	// A multipart upload without the token is refused before anything is stored.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", "1")
	fw, _ := mw.CreateFormFile("file", "a.pdf")
	fw.Write([]byte("%PDF-1.4\n%%EOF\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+fmt.Sprintf("/items/%d/attachments", it.ID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	wantStatus(t, editor.do(req), http.StatusForbidden, "安全校验未通过")
	var got models.Item
	e.db.First(&got, it.ID)
	if got.Title != it.Title || got.Version != 1 {
		t.Fatalf("a refused post changed the item: %+v", got)
	}
	// The session survived the refused logout; with the token it all works.
	wantStatus(t, editor.get("/"), http.StatusOK)
	good := form()
	good.Set("_csrf", editor.csrf())
	if r := editor.post(edit, good); r.status != http.StatusSeeOther {
		t.Fatalf("edit with token: %d %s", r.status, r.body)
	}
	// The login form has its own token, tied to a cookie it sets.
	anon := e.anonymous()
	wantStatus(t, anon.post("/login", url.Values{"username": {"editor"}, "password": {password}}), http.StatusForbidden, "安全校验未通过")
	fresh := e.anonymous()
	tok := formToken(t, fresh.get("/login").body)
	wantStatus(t, anon.post("/login", url.Values{"_csrf": {tok}, "username": {"editor"}, "password": {password}}), http.StatusForbidden)
}

func TestSessionCookieSharesTheSessionsTable(t *testing.T) {
	e := newEnv(t)
	anon := e.anonymous()
	tok := formToken(t, anon.get("/login").body)
	r := anon.post("/login", url.Values{"_csrf": {tok}, "username": {"editor"}, "password": {"wrong-password"}})
	wantStatus(t, r, http.StatusUnauthorized, "用户名或密码错误", `value="editor"`)

	tok = formToken(t, r.body)
	r = anon.post("/login", url.Values{"_csrf": {tok}, "username": {"editor"}, "password": {password}, "next": {"/tasks?q=a"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/tasks?q=a" {
		t.Fatalf("login with next: %d %q", r.status, r.header.Get("Location"))
	}
	var set string
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "gongkai_session=") {
			set = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Expires="} {
		if !strings.Contains(set, want) {
			t.Fatalf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Fatalf("session cookie over plain HTTP is Secure: %q", set)
	}
	token := anon.cookie("gongkai_session").Value

	// The cookie holds a session of the API's own store: it works as a bearer token.
	me := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return anon.do(req).status
	}
	if s := me(); s != http.StatusOK {
		t.Fatalf("cookie token as bearer: %d", s)
	}
	p, err := (&auth.Service{DB: e.db}).Authenticate(context.Background(), token)
	if err != nil || p.User.Username != "editor" {
		t.Fatalf("sessions table does not know the cookie: %v", err)
	}
	wantStatus(t, anon.get("/login"), http.StatusSeeOther)
	r = anon.postForm("/logout", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
	}
	if s := me(); s != http.StatusUnauthorized {
		t.Fatalf("after logout the token answers %d", s)
	}
	wantStatus(t, anon.get("/"), http.StatusSeeOther)
	wantStatus(t, anon.get("/login"), http.StatusOK, "您已安全退出")

	// A revoked or forged cookie is a redirect to the login page, not an error.
	forged := e.anonymous()
	base, _ := url.Parse(e.ts.URL)
	forged.c.Jar.SetCookies(base, []*http.Cookie{{Name: "gongkai_session", Value: token}})
	if r := forged.get("/tasks"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Fatalf("revoked cookie: %d %q", r.status, r.header.Get("Location"))
	}

	// Only paths on this site are followed after login.
	for next, want := range map[string]string{"//evil.example/x": "/", "https://evil.example/": "/", "/\\evil": "/", "/mine": "/mine"} {
		u := e.anonymous()
		tok := formToken(t, u.get("/login").body)
		r := u.post("/login", url.Values{"_csrf": {tok}, "username": {"editor"}, "password": {password}, "next": {next}})
		if r.header.Get("Location") != want {
			t.Fatalf("next %q: Location %q, want %q", next, r.header.Get("Location"), want)
		}
	}
}

// TestSecureCookieOverTLS serves the login through the handler with a TLS
// connection state, as a TLS listener (or a proxy saying so) would.
func TestSecureCookieOverTLS(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	for _, viaProxy := range []bool{false, true} {
		req := httptest.NewRequest(http.MethodGet, "https://gongkai.example/login", nil)
		if viaProxy {
			req = httptest.NewRequest(http.MethodGet, "http://gongkai.example/login", nil)
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		loginCookie := w.Result().Cookies()[0]
		tok := formToken(t, w.Body.String())
		form := url.Values{"_csrf": {tok}, "username": {"editor"}, "password": {password}}
		req = httptest.NewRequest(http.MethodPost, req.URL.String(), strings.NewReader(form.Encode()))
		if viaProxy {
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(loginCookie)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("TLS login: %d %s", w.Code, w.Body)
		}
		var found bool
		for _, c := range w.Result().Cookies() {
			if c.Name == "gongkai_session" {
				found = true
				if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Fatalf("session cookie over TLS: %+v", c)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie")
		}
	}
}

func TestEditorKeepsInputOnConflictAndErrors(t *testing.T) {
	e := newEnv(t)
	it := e.seedItem("editor", "冲突测试", models.ItemDraft)
	editor := e.login("editor")
	edit := fmt.Sprintf("/items/%d/edit", it.ID)
	save := func(version, title, body string) answer {
		return editor.postForm(edit, url.Values{"version": {version}, "title": {title}, "column": {"新闻中心"},
			"formed_on": {"2026-01-05"}, "summary": {"概述"}, "body": {body}})
	}
	// Someone else saves first (from the same version).
	if r := save("1", "冲突测试（他人修改）", "他人的正文"); r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/items/%d", it.ID) {
		t.Fatalf("first save: %d %s", r.status, r.body)
	}
	wantStatus(t, editor.get(fmt.Sprintf("/items/%d", it.ID)), http.StatusOK, "已保存（第 2 版）", "他人的正文")
	r := save("1", "我的标题 <b>", "我写的正文\r\n第二行")
	wantStatus(t, r, http.StatusConflict, "已被他人修改", `value="我的标题 &lt;b&gt;"`, "我写的正文\n第二行",
		"当前已保存的版本", "他人的正文", `name="version" value="2"`)
	// Saving again from the version now shown goes through.
	if r := save("2", "我的标题", "我写的正文"); r.status != http.StatusSeeOther {
		t.Fatalf("save after conflict: %d %s", r.status, r.body)
	}
	var got models.Item
	e.db.First(&got, it.ID)
	if got.Title != "我的标题" || got.Body != "我写的正文" || got.Revision != 3 {
		t.Fatalf("after saves: %+v", got)
	}
	// A missing title: the form comes back with the message and the text.
	r = save("3", "", "保留的正文")
	wantStatus(t, r, http.StatusBadRequest, "请填写“名称”", "保留的正文", `aria-invalid="true"`)
	r = editor.postForm(edit, url.Values{"version": {"3"}, "title": {"日期错误"}, "column": {"新闻中心"}, "formed_on": {"2099-01-01"}})
	wantStatus(t, r, http.StatusBadRequest, "生成日期不能晚于今天", `value="日期错误"`)
}

func TestOutputIsEscapedAndMarkdownSanitised(t *testing.T) {
	e := newEnv(t)
	it := e.seedItem("editor", "x", models.ItemPublished)
	e.db.Model(it).Updates(map[string]any{
		"title": `<script>alert("t")</script>标题`, "summary": `<img src=x onerror=alert(1)>`,
		"body": "**加粗**\n\n<script>alert(1)</script>\n\n[链接](javascript:alert(1))\n\n<iframe src=\"https://evil.example\"></iframe>",
	})
	editor := e.login("editor")
	for _, r := range []answer{editor.get(fmt.Sprintf("/items/%d", it.ID)), e.anonymous().get("/public/chengguan/" + it.IndexNo)} {
		wantStatus(t, r, http.StatusOK, "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;标题", "<strong>加粗</strong>", "&lt;img src=x onerror=alert(1)&gt;")
		for _, bad := range []string{"<script>alert", "javascript:", "<iframe", "<img src=x"} {
			if strings.Contains(r.body, bad) {
				t.Fatalf("page contains %q", bad)
			}
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Fatalf("CSP %q", csp)
		}
	}
}

func TestAttachmentsThroughTheEditor(t *testing.T) {
	e := newEnv(t)
	it := e.seedItem("editor", "附件测试", models.ItemDraft)
	editor, editor2 := e.login("editor"), e.login("editor2")
	edit := fmt.Sprintf("/items/%d/edit", it.ID)
	upload := func(name string, data []byte, version string) answer {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("_csrf", editor.csrf())
		mw.WriteField("version", version)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+fmt.Sprintf("/items/%d/attachments", it.ID), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		r := editor.do(req)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != edit+"#attachments" {
			t.Fatalf("upload %s: %d %q %s", name, r.status, r.header.Get("Location"), r.body)
		}
		return editor.get(edit)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	wantStatus(t, upload("预算表.pdf", pdf, "1"), http.StatusOK, "已上传附件“预算表.pdf”", ">预算表.pdf</a>", `name="version" value="2"`)
	wantStatus(t, upload("x.pdf", []byte("MZ this is not a PDF"), "2"), http.StatusOK, "不支持的附件类型")
	wantStatus(t, upload("again.pdf", pdf, "1"), http.StatusOK, "该信息已被他人修改")

	var att models.Attachment
	if err := e.db.Where("item_id = ?", it.ID).First(&att).Error; err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf("/items/%d/attachments/%d", it.ID, att.ID)
	dl := editor.get(file)
	if dl.status != http.StatusOK || dl.body != string(pdf) || !strings.Contains(dl.header.Get("Content-Disposition"), "attachment") ||
		dl.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q %v", dl.status, dl.body, dl.header)
	}
	wantStatus(t, editor2.get(file), http.StatusNotFound, "信息不存在")
	wantStatus(t, editor.get(fmt.Sprintf("/items/%d/attachments/99999", it.ID)), http.StatusNotFound, "附件不存在")

	r := editor.postForm(file+"/delete", url.Values{"version": {"2"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantStatus(t, editor.get(edit), http.StatusOK, "已删除附件", "暂无附件")
	var got models.Item
	e.db.First(&got, it.ID)
	if got.Revision != 3 {
		t.Fatalf("revision after upload and delete: %d", got.Revision)
	}
	wantStatus(t, editor.get(fmt.Sprintf("/items/%d?from=1&to=2", it.ID)), http.StatusOK, "修改对比", "附件", "预算表.pdf")
}
