// Package web is gongkai's web UI, in Chinese: server-rendered pages
// (html/template, embedded with go:embed), hand-written CSS and a little
// vanilla JavaScript, with no external assets of any kind, since offices
// run on isolated networks. Pages work on a phone and print cleanly.
//
// The UI holds no business rules. Every read and every change goes through
// the JSON API, called in-process with the logged-in user's session token
// as its bearer token, so a page shows exactly what the API answers: the
// same agency scoping (another agency's item is a 404 page), segregation of
// duties, closed tasks and version conflicts, as Chinese messages. The few
// read-only lookups the JSON API lacks (my items, my decided tasks, names
// of signers) come from Backend.
//
// Sessions are the API's: logging in through the form asks POST
// /api/v1/login for a token and keeps it in an HttpOnly, SameSite=Lax
// cookie (Secure over TLS), so cookie sessions and bearer tokens share one
// sessions table, one lifetime and one logout. Every form carries a CSRF
// token derived from the session token; a POST without it is refused (403).
// The two forms used without a session (login, and the applicant's query
// page) carry a double-submit token tied to a cookie instead.
//
// Pages: 工作台, 待办, 已办, 我发起 and the item pages; 依申请公开 (list with
// each application's statutory clock, registration, the application page
// with a form for each action its status allows); 申请人查询 (public);
// 年度报告 with its tables, checks, narrative, figures, exports and 行政复议/
// 行政诉讼 cases; 节假日日历 and 期限计算; 管理 (users, agency settings and
// review chains). The menu shows each to the roles that may use it.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
	"gongkai/models"
)

// Backend is what the UI needs from the API server; package api provides it.
type Backend interface {
	// API is the JSON API. The UI calls it in-process, with the session's
	// token as bearer token.
	API() http.Handler
	// Authenticate resolves a session token (the cookie's) to its caller,
	// exactly as the API's bearer check does.
	Authenticate(ctx context.Context, token string) (*auth.Principal, error)
	// AuthoredItems lists the caller's own items in their scope, most
	// recently changed first; status "" means any.
	AuthoredItems(ctx context.Context, p *auth.Principal, status string, limit, offset int) ([]models.Item, int64, error)
	// DecidedTasks lists the tasks the caller approved or returned, most
	// recent first, with the current status of each task's item.
	DecidedTasks(ctx context.Context, p *auth.Principal, limit, offset int) ([]models.Task, int64, map[uint]string, error)
	// Names gives display names of users and agencies in the caller's scope.
	Names(ctx context.Context, p *auth.Principal, userIDs, agencyIDs []uint) (users, agencies map[uint]string, err error)
	// RoleHolders lists the users of an agency in the caller's scope who
	// hold role: whom an open task of that role may be assigned to.
	RoleHolders(ctx context.Context, p *auth.Principal, agencyID uint, role string) ([]models.User, error)
	Logger() *slog.Logger
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// UI serves the pages.
type UI struct {
	b        Backend
	pages    map[string]*template.Template
	assetVer string
}

// Mount registers the pages on e and returns the UI, whose NotFound and
// MethodNotAllowed the server uses for unknown page addresses.
func Mount(e *gin.Engine, b Backend) *UI {
	ui := &UI{b: b, assetVer: assetVersion()}
	ui.pages = parseTemplates(ui.assetVer)

	e.GET("/assets/*file", ui.asset)

	pages := e.Group("", securityHeaders)
	pages.GET("/login", ui.loginPage)
	pages.POST("/login", ui.login)
	pages.GET("/public/:agency", ui.publicList)
	pages.GET("/public/:agency/:index_no", ui.publicItem)
	pages.GET("/query", ui.queryPage)
	pages.POST("/query", ui.queryApplication)

	authed := pages.Group("", ui.requireSession)
	authed.GET("/logout", ui.logoutPage)
	authed.POST("/logout", ui.logout)
	authed.GET("/", ui.dashboard)
	authed.GET("/tasks", ui.tasks)
	authed.POST("/tasks/:id/approve", ui.decide(actionApprove))
	authed.POST("/tasks/:id/return", ui.decide(actionReturn))
	authed.POST("/tasks/:id/assign", ui.assign)
	authed.POST("/notifications/:id/read", ui.readNotification)
	authed.GET("/done", ui.done)
	authed.GET("/mine", ui.mine)
	authed.GET("/items/new", ui.newItem)
	authed.POST("/items/new", ui.createItem)
	authed.GET("/items/:id", ui.item)
	authed.GET("/items/:id/edit", ui.editItem)
	authed.POST("/items/:id/edit", ui.saveItem)
	authed.POST("/items/:id/submit", ui.submitItem)
	authed.POST("/items/:id/withdraw", ui.withdrawItem)
	authed.POST("/items/:id/attachments", ui.uploadAttachment)
	authed.POST("/items/:id/attachments/:aid/delete", ui.deleteAttachment)
	authed.GET("/items/:id/attachments/:aid", ui.downloadAttachment)
	authed.GET("/items/:id/sheet", ui.sheet)

	authed.GET("/applications", ui.applications)
	authed.GET("/applications/new", ui.newApplication)
	authed.POST("/applications/new", ui.createApplication)
	authed.GET("/applications/:id", ui.application)
	authed.POST("/applications/:id/:action", ui.applicationAction)
	authed.POST("/applications/:id/consultations/:cid/reply", ui.applicationAction)

	authed.GET("/calendar", ui.calendarPage)
	authed.GET("/calendar/deadline", ui.deadlinePage)
	authed.POST("/calendar/overrides", ui.addOverride)
	authed.POST("/calendar/overrides/:id/delete", ui.deleteOverride)
	authed.POST("/calendar/import", ui.importOverrides)

	authed.GET("/reports", ui.reportsIndex)
	authed.GET("/reports/:year", ui.reportPage)
	authed.GET("/reports/:year/export.html", ui.exportReport("html"))
	authed.GET("/reports/:year/export.xlsx", ui.exportReport("xlsx"))
	authed.POST("/reports/:year/narrative", ui.saveNarrative)
	authed.POST("/reports/:year/figures", ui.saveFigures)
	authed.POST("/reports/:year/finalise", ui.finaliseReport)
	authed.GET("/appeals", ui.appealsPage)
	authed.POST("/appeals", ui.saveAppeal)
	authed.POST("/appeals/:id", ui.saveAppeal)

	authed.GET("/admin", ui.adminIndex)
	authed.GET("/admin/users", ui.usersPage)
	authed.POST("/admin/users", ui.addUser)
	authed.GET("/admin/users/:id", ui.userPage)
	authed.POST("/admin/users/:id", ui.saveUser)
	authed.POST("/admin/users/:id/disable", ui.setUserDisabled(true))
	authed.POST("/admin/users/:id/enable", ui.setUserDisabled(false))
	authed.POST("/admin/users/:id/password", ui.resetPassword)
	authed.GET("/admin/agency", ui.agencyPage)
	authed.POST("/admin/agency", ui.saveAgency)
	authed.POST("/admin/agency/chains", ui.saveChain)
	return ui
}

// NotFound answers an unknown page address with the 404 page.
func (ui *UI) NotFound(c *gin.Context) {
	setSecurityHeaders(c.Writer.Header())
	ui.errorPage(c, http.StatusNotFound, "页面不存在", "您访问的页面不存在，请检查地址是否正确。", "")
}

// MethodNotAllowed answers a page address asked with the wrong method.
func (ui *UI) MethodNotAllowed(c *gin.Context) {
	setSecurityHeaders(c.Writer.Header())
	ui.errorPage(c, http.StatusMethodNotAllowed, "不支持的操作", "该页面不支持此请求方式，请从页面上的按钮或链接进入。", "")
}

// securityHeaders keeps every page to its own origin: no inline scripts or
// styles, no framing, no outside resources.
func securityHeaders(c *gin.Context) {
	setSecurityHeaders(c.Writer.Header())
	c.Next()
}

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}

// asset serves the embedded CSS, JS and icon.
func (ui *UI) asset(c *gin.Context) {
	name := path.Clean("/" + c.Param("file"))
	b, err := fs.ReadFile(assetFS, "assets"+name)
	if err != nil || strings.HasSuffix(name, "/") {
		c.Status(http.StatusNotFound)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, ctype, b)
}

// assetVersion changes whenever an asset does, to bust caches.
func assetVersion() string {
	h := sha256.New()
	_ = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(assetFS, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}
