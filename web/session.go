package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
	"gongkai/content"
)

// Cookie names.
const (
	sessionCookie = "gongkai_session" // the session token, as the API issues it
	loginCookie   = "gongkai_login"   // pre-session CSRF secret of the login form
	flashCookie   = "gongkai_flash"   // a one-time message for the next page
)

// csrfField is the hidden form field every POST must carry.
const csrfField = "_csrf"

// maxUploadBytes is an attachment plus room for the rest of the form.
const maxUploadBytes = content.MaxAttachmentBytes + 1<<20

const ctxSession = "gongkai.web.session"

// session is the logged-in caller of a page.
type session struct {
	Token string
	P     *auth.Principal
	CSRF  string
}

func sess(c *gin.Context) *session {
	v, _ := c.Get(ctxSession)
	s, _ := v.(*session)
	return s
}

// csrfToken is the session's CSRF token: an HMAC keyed with the secret
// session token, so it needs no storage, differs per session and cannot be
// computed by anyone who does not hold the cookie.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("gongkai web csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomToken() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// isTLS tells whether the browser reached us over TLS, directly or through
// a proxy that says so.
func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets an HttpOnly, SameSite=Lax cookie on /, Secure over TLS.
// maxAge < 0 deletes it; expires zero makes it last for the browser session.
func setCookie(c *gin.Context, name, value string, expires time.Time, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(c.Request),
	})
}

func clearCookie(c *gin.Context, name string) { setCookie(c, name, "", time.Time{}, -1) }

// requireSession lets a request through only with a valid session cookie:
// pages without one go to the login page, and every POST must also carry
// the session's CSRF token.
func (ui *UI) requireSession(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	token, _ := c.Cookie(sessionCookie)
	var p *auth.Principal
	var err error
	if token != "" {
		p, err = ui.b.Authenticate(c.Request.Context(), token)
	}
	if token == "" || errors.Is(err, auth.ErrInvalidToken) {
		if token != "" {
			clearCookie(c, sessionCookie)
		}
		next := c.Request.URL.RequestURI()
		if c.Request.Method != http.MethodGet {
			next = ""
		}
		ui.redirectToLogin(c, next)
		c.Abort()
		return
	}
	if err != nil {
		ui.internalError(c, err)
		c.Abort()
		return
	}
	s := &session{Token: token, P: p, CSRF: csrfToken(token)}
	c.Set(ctxSession, s)
	if c.Request.Method == http.MethodPost {
		if !ui.parseForm(c) {
			c.Abort()
			return
		}
		if got := c.Request.PostFormValue(csrfField); !validCSRF(got, s.CSRF) {
			ui.csrfRefused(c)
			c.Abort()
			return
		}
	}
	c.Next()
}

// parseForm reads a form post (multipart for uploads) within the body
// limit; on failure it has answered.
func (ui *UI) parseForm(c *gin.Context) bool {
	r := c.Request
	limit := int64(1 << 20)
	if strings.HasSuffix(r.URL.Path, "/attachments") {
		limit = maxUploadBytes
	}
	r.Body = http.MaxBytesReader(c.Writer, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		ui.errorPage(c, http.StatusRequestEntityTooLarge, "提交的内容过大",
			fmt.Sprintf("提交的内容过大：附件不能超过 %d MB，其他表单不能超过 1 MB。", content.MaxAttachmentBytes>>20), "")
		return false
	case err != nil:
		ui.errorPage(c, http.StatusBadRequest, "表单无效", "无法读取提交的表单，请返回后重试。", "")
		return false
	}
	return true
}

func validCSRF(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (ui *UI) csrfRefused(c *gin.Context) {
	ui.errorPage(c, http.StatusForbidden, "安全校验未通过",
		"该表单缺少安全校验码或校验码已失效（可能是页面停留过久、已重新登录，或请求并非来自本系统的页面）。请返回、刷新页面后重新操作。", "")
}

func (ui *UI) redirectToLogin(c *gin.Context, next string) {
	target := "/login"
	if next = safeNext(next, ""); next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	c.Redirect(http.StatusSeeOther, target)
}

// safeNext accepts only a path on this site ("/tasks?x=1"), never another
// host ("//evil", "/\evil", "https://…"); otherwise fallback.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	return next
}

// --- login and logout --------------------------------------------------

type loginData struct {
	Username string
	Next     string
	Token    string // the login form's CSRF token
	Error    string
}

func (ui *UI) loginPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if token, _ := c.Cookie(sessionCookie); token != "" {
		if _, err := ui.b.Authenticate(c.Request.Context(), token); err == nil {
			c.Redirect(http.StatusSeeOther, safeNext(c.Query("next"), "/"))
			return
		}
	}
	ui.renderLogin(c, http.StatusOK, loginData{Next: safeNext(c.Query("next"), "")})
}

// renderLogin shows the form with a fresh pre-session CSRF secret (a
// double-submit cookie: there is no session to tie a token to yet).
func (ui *UI) renderLogin(c *gin.Context, status int, d loginData) {
	// Keep the secret the browser has, so login pages open in several tabs
	// all work.
	if v, err := c.Cookie(loginCookie); err == nil && safeKey.MatchString(v) {
		d.Token = v
	} else {
		d.Token = randomToken()
	}
	setCookie(c, loginCookie, d.Token, time.Time{}, 0)
	ui.render(c, status, "login", &view{Title: "登录", Data: d})
}

func (ui *UI) login(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if !ui.parseForm(c) {
		return
	}
	cookie, _ := c.Cookie(loginCookie)
	if !validCSRF(c.PostForm(csrfField), cookie) {
		ui.csrfRefused(c)
		return
	}
	d := loginData{Username: strings.TrimSpace(c.PostForm("username")), Next: safeNext(c.PostForm("next"), "")}
	password := c.PostForm("password")
	if d.Username == "" || password == "" {
		d.Error = "请输入用户名和密码。"
		ui.renderLogin(c, http.StatusBadRequest, d)
		return
	}
	var res struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	err := ui.api(c, "").call(http.MethodPost, "/api/v1/login", map[string]string{"username": d.Username, "password": password}, &res)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		d.Error = ae.Message
		if ae.Status == http.StatusTooManyRequests {
			if s := ae.RetryAfter; s != "" {
				d.Error += "（请 " + s + " 秒后再试）"
			}
		}
		ui.renderLogin(c, ae.Status, d)
		return
	}
	if err != nil {
		ui.fail(c, err, "/login")
		return
	}
	clearCookie(c, loginCookie)
	setCookie(c, sessionCookie, res.Token, res.ExpiresAt, 0)
	c.Redirect(http.StatusSeeOther, safeNext(d.Next, "/"))
}

func (ui *UI) logoutPage(c *gin.Context) {
	ui.render(c, http.StatusOK, "logout", &view{Title: "退出登录"})
}

// logout revokes the session through the API (which records it) and
// drops the cookie.
func (ui *UI) logout(c *gin.Context) {
	if err := ui.api(c, sess(c).Token).call(http.MethodPost, "/api/v1/logout", nil, nil); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			ui.fail(c, err, "/")
			return
		}
	}
	clearCookie(c, sessionCookie)
	setFlash(c, "ok", "您已安全退出。")
	c.Redirect(http.StatusSeeOther, "/login")
}

// --- flash messages ------------------------------------------------------

type flash struct {
	Kind    string // ok, error
	Message string
}

// setFlash leaves a message for the next page the browser shows.
func setFlash(c *gin.Context, kind, msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + msg))
	setCookie(c, flashCookie, v, time.Time{}, 120)
}

// takeFlash reads and clears the message left for this page.
func takeFlash(c *gin.Context) *flash {
	v, err := c.Cookie(flashCookie)
	if err != nil || v == "" {
		return nil
	}
	clearCookie(c, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "|")
	if !ok || (kind != "ok" && kind != "error") || msg == "" {
		return nil
	}
	return &flash{Kind: kind, Message: msg}
}
