package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"gongkai/models"
)

// The browser tests drive Debian's Chromium headless through the real
// server (embedded Temporal, worker, HTTP), as an office would use it.
// Chromium is /usr/bin/chromium or GONGKAI_TEST_CHROMIUM; without it the
// tests are skipped, except under CI, where they fail.

const (
	envChromium   = "GONGKAI_TEST_CHROMIUM"
	envScreenshot = "GONGKAI_SCREENSHOT_DIR"
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv(envChromium)
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but Chromium is missing at %s (%s): %v", p, envChromium, err)
		}
		t.Skipf("Chromium not found at %s (set %s); skipping browser tests", p, envChromium)
	}
	return p
}

// tab is one headless Chromium page against the test server.
type tab struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shotDir string
}

func newTab(t *testing.T, e *env) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first Do starts the browser, for as long as ctx lives: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: e.ts.URL, shotDir: t.TempDir()}
}

// result runs one action that answers a value, within a time limit.
func result[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalAt(err)
	}
	return v
}

func (b *tab) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	result(b, chromedp.Steps(actions...))
}

// fatalAt fails with where the browser is and what it shows.
func (b *tab) fatalAt(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("browser: %v\nat %s:\n%s", err, loc, body)
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base + path))
}

// clickAndLoad clicks sel (a submit button or link) and waits for the new
// page to have loaded.
func (b *tab) clickAndLoad(sel string) {
	b.t.Helper()
	result(b, chromedp.Evaluate[bool](`window.__gkOld = true`))
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__gkOld && document.readyState === "complete"`))
		cancel()
		if err == nil && loaded {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.fatalAt(fmt.Errorf("no new page after clicking %s", sel))
}

func (b *tab) click(sel string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *tab) location() string {
	b.t.Helper()
	return strings.TrimPrefix(result(b, chromedp.Location()), b.base)
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return result(b, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *tab) wantText(sel string, wants ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s at %s: %q lacks %q", sel, b.location(), got, w)
		}
	}
}

func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.run(chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

func (b *tab) login(username string) {
	b.t.Helper()
	b.open("/login")
	b.typeInto(`input[name="username"]`, username)
	b.typeInto(`input[name="password"]`, password)
	b.clickAndLoad(`main form button[type="submit"]`)
	if loc := b.location(); loc != "/" {
		b.t.Fatalf("after login as %s at %s", username, loc)
	}
	b.wantText("h1", "工作台")
}

func (b *tab) logout() {
	b.t.Helper()
	b.clickAndLoad(`header form[action="/logout"] button`)
	b.wantText(".flash", "您已安全退出")
}

// taskRow finds the inbox row of the item titled title.
func (b *tab) taskRow(title string) string {
	b.t.Helper()
	q, _ := json.Marshal(title)
	id := result(b, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		for (const li of document.querySelectorAll("li.task")) {
			if (li.querySelector(".task-title").textContent.trim() === %s) return li.id;
		}
		return "";
	})()`, q)))
	if id == "" {
		b.t.Fatalf("no inbox row for %q at %s:\n%s", title, b.location(), b.text("main"))
	}
	return "#" + id
}

// screenshot saves the whole page as name.png (also under
// GONGKAI_SCREENSHOT_DIR when set) and checks it is not blank.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	b.screenshotInked(name, 5)
}

// screenshotInked is screenshot wanting minPercent of the pixels not white
// (a printed page is mostly white paper).
func (b *tab) screenshotInked(name string, minPercent int) {
	b.t.Helper()
	buf := result(b, chromedp.FullScreenshot(100))
	checkNotBlank(b.t, name, buf, minPercent)
	path := filepath.Join(b.shotDir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if dir := os.Getenv(envScreenshot); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.t.Logf("screenshot %s", path)
}

// checkNotBlank decodes the PNG and wants many colours and a fair share
// of pixels that are not white: a page that failed to render (or rendered
// white) has neither.
func checkNotBlank(t *testing.T, name string, data []byte, minPercent int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	bounds := img.Bounds()
	colours := map[uint32]bool{}
	var nonWhite, total int
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			colours[r<<16|g<<8|b] = true
			if r < 245 || g < 245 || b < 245 {
				nonWhite++
			}
			total++
		}
	}
	if bounds.Dx() < 300 || bounds.Dy() < 300 {
		t.Fatalf("screenshot %s is only %dx%d", name, bounds.Dx(), bounds.Dy())
	}
	if len(colours) < 64 || nonWhite*100 < total*minPercent {
		t.Fatalf("screenshot %s looks blank: %d colours, %d of %d pixels not white", name, len(colours), nonWhite, total)
	}
}

func TestBrowser(t *testing.T) {
	chromiumPath(t) // skip early, before starting Temporal
	e := newChainEnv(t)
	b := newTab(t, e)

	t.Run("publish through the chain", func(t *testing.T) {
		b.t = t
		const title = "2026年城关镇第三季度财政收支情况"
		// Logged out, the workbench sends to the login page.
		b.open("/tasks")
		if loc := b.location(); loc != "/login?next=%2Ftasks" {
			t.Fatalf("logged out /tasks went to %s", loc)
		}
		b.screenshot("login")
		b.login("editor")
		b.open("/items/999999")
		b.wantText(".errorbox", "404", "信息不存在")
		b.screenshot("not-found")
		b.screenshot("dashboard-editor")
		b.clickAndLoad(`a.menu-new`)
		b.typeInto(`input[name="title"]`, title)
		b.typeInto(`input[name="column"]`, "财政资金")
		b.typeInto(`textarea[name="summary"]`, "第三季度财政收入、支出情况")
		b.typeInto(`textarea[name="body"]`, "## 收入\n\n本季度一般公共预算收入 **1200 万元**。\n\n| 项目 | 金额 |\n|---|---|\n| 税收 | 900 |\n| 非税 | 300 |\n")
		b.clickAndLoad(`button[name="then"][value="submit"]`)
		b.wantText(".flash", "已保存草稿", "已提交审核，待负责人审核")
		b.wantText(".item-head", title, "审核中")
		b.logout()

		b.login("reviewer")
		b.clickAndLoad(`nav.menu a[href="/tasks"]`)
		row := b.taskRow(title)
		b.wantText(row, "负责人审核", "办理期限")
		b.screenshot("inbox-reviewer")
		b.click(row + " details.act > summary")
		b.typeInto(row+" form.approve textarea", "同意公开。")
		b.clickAndLoad(row + " form.approve button")
		b.wantText(".flash", "已同意，已转分管领导审批")
		b.clickAndLoad(`nav.menu a[href="/done"]`)
		b.wantText("table.list", title, "同意", "同意公开。")
		b.logout()

		b.login("leader")
		b.open("/tasks")
		row = b.taskRow(title)
		b.screenshot("inbox-leader")
		// On a phone the same inbox fits the screen.
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.open("/tasks")
		b.click(row + " details.act > summary")
		width := result(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if width > 390 {
			t.Fatalf("the inbox is %dpx wide on a 390px phone", width)
		}
		b.screenshot("inbox-phone")
		b.run(chromedp.EmulateViewport(1280, 900))
		b.open("/tasks")
		b.click(row + " details.act > summary")
		b.clickAndLoad(row + " form.approve button")
		b.wantText(".flash", "已同意，信息已发布")
		b.logout()

		// Anyone, without logging in, finds it in the catalogue.
		b.open("/public/chengguan")
		b.wantText("table.catalogue", title, "财政资金")
		b.screenshot("public-catalogue")
		b.clickAndLoad(`table.catalogue a`)
		b.wantText("h1.public-title", title)
		b.wantText(".prose", "1200 万元", "税收")
		strong := result(b, chromedp.Evaluate[int](`document.querySelectorAll(".prose strong, .prose table").length`))
		if strong != 2 {
			t.Fatalf("rendered Markdown has %d strong/table elements, want 2", strong)
		}
		b.screenshot("public-item")
	})

	t.Run("return with a comment and resubmit", func(t *testing.T) {
		b.t = t
		const title = "城关镇2026年防汛应急预案"
		b.login("editor")
		b.open("/items/new")
		b.typeInto(`input[name="title"]`, title)
		b.typeInto(`input[name="column"]`, "通知公告")
		b.typeInto(`textarea[name="body"]`, "各村（社区）落实防汛责任。")
		b.clickAndLoad(`form.editor button:not([name])`)
		b.wantText(".flash", "已保存草稿")
		b.wantText(".item-head", "草稿")
		b.clickAndLoad(`form[action$="/submit"] button`)
		b.wantText(".flash", "已提交审核")
		itemPath := b.location()
		b.logout()

		// The reviewer returns it from the item page, with a comment.
		b.login("reviewer")
		b.open("/tasks")
		b.clickAndLoad(b.taskRow(title) + " a.task-title")
		b.wantText("#decide", "待您办理：负责人审核")
		b.screenshot("item-decide")
		b.typeInto(`#decide form.return textarea`, "请补充转移安置点名单。")
		b.clickAndLoad(`#decide form.return button`)
		b.wantText(".flash", "已退回")
		b.wantText(".timeline", "退回", "请补充转移安置点名单。")
		b.logout()

		// The editor sees why, edits and submits again.
		b.login("editor")
		b.wantText(".cards", "其中 1 条被退回")
		b.open(itemPath)
		b.wantText(".notice.warn", "请补充转移安置点名单。")
		b.clickAndLoad(`a[href$="/edit"]`)
		pdf := filepath.Join(t.TempDir(), "安置点名单.pdf")
		if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(chromedp.SendKeys(chromedp.CSS(`form.upload input[type="file"]`), pdf))
		b.clickAndLoad(`form.upload button`)
		b.wantText(".flash", "已上传附件“安置点名单.pdf”")
		b.wantText("#attachments", "安置点名单.pdf")
		b.screenshot("editor")
		b.click(`textarea[name="body"]`)
		b.run(chromedp.KeyEvent(kb.End))
		b.typeInto(`textarea[name="body"]`, "\n转移安置点：城关镇中心小学。")
		b.clickAndLoad(`button[name="then"][value="submit"]`)
		b.wantText(".flash", "已保存（第 3 版）", "已提交审核")
		b.logout()

		// The reviewer sees what changed since the version they returned.
		b.login("reviewer")
		b.open("/tasks")
		row := b.taskRow(title)
		b.wantText(row+" details.changes > summary", "查看修改（第 1 版 → 第 3 版）")
		b.click(row + " details.changes > summary")
		b.wantText(row+" .diff", "您上次办理的版本", "转移安置点：城关镇中心小学。", "安置点名单.pdf")
		b.screenshot("inbox-diff")
		b.click(row + " details.act > summary")
		b.typeInto(row+" form.approve textarea", "已补充，同意。")
		b.clickAndLoad(row + " form.approve button")
		b.wantText(".flash", "已同意")
		b.logout()

		b.login("leader")
		b.open("/tasks")
		row = b.taskRow(title)
		b.click(row + " details.act > summary")
		b.clickAndLoad(row + " form.approve button")
		b.wantText(".flash", "信息已发布")
		b.open(itemPath)
		b.screenshot("item-page")
		b.open(itemPath + "/sheet")
		b.wantText(".sheet", "政府信息主动公开发布审核单", "请补充转移安置点名单。", "已补充，同意。", "城关镇负责人", "城关镇分管领导")
		b.screenshot("review-sheet")
		// Printed, the sheet drops the site's header, menus and buttons.
		b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		hidden := result(b, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header.site")).display === "none" &&
			getComputedStyle(document.querySelector(".sheet-tools")).display === "none"`))
		if !hidden {
			t.Fatal("the print stylesheet leaves the header or the buttons on the sheet")
		}
		b.screenshotInked("review-sheet-print", 1)
		b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}))
		b.logout()

		b.open("/public/chengguan")
		b.wantText("table.catalogue", title)
		b.clickAndLoad(`table.catalogue a`)
		b.wantText("section.attachments", "安置点名单.pdf")
		href := result(b, chromedp.Evaluate[string](`document.querySelector("section.attachments a").getAttribute("href")`))
		resp, err := http.Get(b.base + href)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("public attachment %s: %d %s", href, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("a clerk registers an application", func(t *testing.T) {
		b.t = t
		b.login("clerk")
		b.clickAndLoad(`nav.menu a[href="/applications"]`)
		b.wantText("h1", "依申请公开")
		b.clickAndLoad(`a[href="/applications/new"]`)
		// Only the date Art.31 makes the receipt date for the channel shows.
		visible := func(name string) bool {
			return result(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('[data-channel-date=%q]').offsetParent !== null`, name)))
		}
		if !visible("submitted_on") || visible("signed_on") || visible("confirmed_on") {
			t.Fatal("in person: the form should ask the submission date only")
		}
		b.run(chromedp.SetValue(chromedp.CSS(`select[name="channel"]`), "post_signed"))
		result(b, chromedp.Evaluate[bool](`document.querySelector('select[name="channel"]').dispatchEvent(new Event("change"))`))
		if visible("submitted_on") || !visible("signed_on") {
			t.Fatal("post (signed): the form should ask the signature date only")
		}
		b.typeInto(`input[name="applicant_name"]`, "王小明")
		b.typeInto(`input[name="id_document"]`, "居民身份证 640423199205051234")
		b.typeInto(`input[name="contact"]`, "13995551234")
		b.typeInto(`textarea[name="description"]`, "城关镇2026年老旧小区改造项目的实施方案和资金安排。")
		b.typeInto(`input[name="delivery_form"]`, "纸质文本，邮寄")
		b.clickAndLoad(`form.editor button.primary`)
		b.wantText(".flash", "已登记申请", "答复期限", "申请人查询码")
		b.wantText(".item-head", "办理中", "邮寄（需签收）")
		b.wantText("#clock", "答复期限", "期限是怎样算出来的", "收到申请（起算日）", "20 个工作日届满")
		due := b.text("#clock .due-date")
		var app models.Application
		if err := e.db.Order("id DESC").First(&app).Error; err != nil {
			t.Fatal(err)
		}
		if app.ApplicantName != "王小明" || app.Channel != "post_signed" || app.SignedOn == "" || app.SubmittedOn != "" {
			t.Fatalf("registered %+v", app)
		}
		if !strings.Contains(b.text("#clock"), "20 个工作日届满 "+due) {
			t.Fatalf("the explanation does not reach the due date %s: %s", due, b.text("#clock"))
		}
		b.screenshot("application")
		b.clickAndLoad(`nav.menu a[href="/applications"]`)
		b.wantText("table.apps", app.Number, "王*", "剩 ")
		b.screenshot("applications-inbox")
		// On a phone the list fits the screen.
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.open("/applications")
		if width := result(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); width > 390 {
			t.Fatalf("the applications list is %dpx wide on a 390px phone", width)
		}
		b.screenshot("applications-phone")
		b.run(chromedp.EmulateViewport(1280, 900))
		b.open("/")
		b.logout()
	})

	t.Run("the 2023 annual report", func(t *testing.T) {
		b.t = t
		b.login("editor")
		b.clickAndLoad(`nav.menu a[href="/reports"]`)
		b.open("/reports/2023")
		b.wantText("h1.annual-title", "隆德县城关镇人民政府2023年政府信息公开工作年度报告")
		b.wantText("#checks", "勾稽关系检查全部通过", "R-A", "R-B", "R-C", "R-D", "R-E", "T3")
		b.wantText("#part-1", "主动公开信息共计11条")
		b.wantText("#table-1", "规章", "行政规范性文件", "行政许可", "行政事业性收费")
		b.wantText("#table-2", "本年新收政府信息公开申请数量", "予以公开", "（七）总计", "结转下年度继续办理")
		b.wantText("#table-3", "行政复议", "未经复议直接起诉", "复议后起诉")
		tables := result(b, chromedp.Evaluate[int](`document.querySelectorAll("table.report-table").length`))
		cells := result(b, chromedp.Evaluate[int](`document.querySelectorAll("#table-2 td.num").length`))
		if tables != 3 || cells != 25*7 {
			t.Fatalf("%d report tables, %d numbers in table 2; want 3 and 175", tables, cells)
		}
		b.screenshot("annual-report")
		// Printed, the report keeps its tables and drops the site's chrome.
		b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		hidden := result(b, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header.site")).display === "none" &&
			getComputedStyle(document.querySelector("#narrative")).display === "none" &&
			getComputedStyle(document.querySelector("#table-2")).display !== "none"`))
		if !hidden {
			t.Fatal("the printed report keeps the header or the forms, or loses the tables")
		}
		b.screenshotInked("annual-report-print", 1)
		b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}))
		b.logout()
	})
}
