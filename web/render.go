package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// view is what every page template gets.
type view struct {
	Title     string
	Nav       string   // the active menu entry
	S         *session // nil on public pages and the login page
	Flash     *flash
	Public    *publicHeader // set on the public catalogue's pages
	RequestID string
	Data      any
}

type publicHeader struct {
	Code, Name string
}

// parseTemplates builds one template set per page: the layout and the
// shared parts, plus the page's own file.
func parseTemplates(assetVer string) map[string]*template.Template {
	fm := funcs()
	fm["asset"] = func(name string) string { return "/assets/" + name + "?v=" + assetVer }
	base := template.Must(template.New("").Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/parts.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// render executes the page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (ui *UI) render(c *gin.Context, status int, page string, v *view) {
	if v.S == nil {
		v.S = sess(c)
	}
	v.Flash = takeFlash(c)
	v.RequestID = c.Writer.Header().Get("X-Request-ID")
	t, ok := ui.pages[page]
	if !ok {
		ui.internalError(c, fmt.Errorf("no page template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		ui.b.Logger().ErrorContext(c.Request.Context(), "render page", "page", page, "request_id", v.RequestID, "err", err)
		if page != "error" {
			ui.internalError(c, err)
		} else {
			c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("服务器内部错误，请求编号 "+v.RequestID))
		}
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type errorData struct {
	Status  int
	Message string
	Back    string
}

// errorPage shows a Chinese explanation with the status, and a way back.
func (ui *UI) errorPage(c *gin.Context, status int, title, msg, back string) {
	if back == "" {
		back = "/"
	}
	ui.render(c, status, "error", &view{Title: title, Data: errorData{Status: status, Message: msg, Back: safeNext(back, "/")}})
	c.Abort()
}

func (ui *UI) internalError(c *gin.Context, err error) {
	id := c.Writer.Header().Get("X-Request-ID")
	ui.b.Logger().ErrorContext(c.Request.Context(), "web page failed", "path", c.Request.URL.Path, "request_id", id, "err", err)
	ui.errorPage(c, http.StatusInternalServerError, "服务器内部错误",
		"服务器暂时无法完成该操作，请稍后重试；如持续出现，请联系管理员并提供请求编号 "+id+"。", "")
}

// errorTitles name what went wrong, by the API's error code.
var errorTitles = map[string]string{
	"separation_of_duties": "职责分离：不能办理",
	"task_closed":          "该待办已办结",
	"version_conflict":     "版本冲突",
	"invalid_state":        "当前状态不允许此操作",
	"forbidden":            "没有权限",
	"validation_failed":    "填写有误",
	"not_found":            "信息不存在",
	"payload_too_large":    "提交的内容过大",
	"too_many_requests":    "操作过于频繁",
	"idempotency_conflict": "请求正在处理",
	"conflict":             "操作未完成",
	"report_checks_failed": "未通过勾稽检查，不能定稿",
	"report_incomplete":    "报告尚未写完，不能定稿",
}

// fail turns an API answer into a page: 401 back to the login page, 404
// the not-found page, any other refusal its Chinese message, and the rest
// a 500 with the request id. back is where the page's "返回" link goes.
func (ui *UI) fail(c *gin.Context, err error, back string) {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status >= 500 {
		ui.internalError(c, err)
		return
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		clearCookie(c, sessionCookie)
		setFlash(c, "error", "登录已过期，请重新登录。")
		ui.redirectToLogin(c, "")
		c.Abort()
		return
	case http.StatusNotFound:
		msg := ae.Message + "。"
		if ae.Message == "信息不存在" {
			msg = "该信息不存在，或不在您所在机关的范围内。"
		}
		ui.errorPage(c, http.StatusNotFound, ae.Message, msg, back)
		return
	}
	title := errorTitles[ae.Code]
	if title == "" {
		title = "操作未完成"
	}
	ui.errorPage(c, ae.Status, title, friendlyMessage(ae), back)
}

// friendlyMessage is the API's message with field names in Chinese.
func friendlyMessage(ae *apiError) string {
	msg := ae.Message
	if ae.Code == "validation_failed" && ae.Field != "" {
		if label, ok := fieldLabels[ae.Field]; ok {
			if strings.HasPrefix(msg, "缺少必填字段") {
				return "请填写“" + label + "”。"
			}
			msg = strings.ReplaceAll(msg, "字段 "+ae.Field, "“"+label+"”")
			msg = strings.ReplaceAll(msg, "缺少 "+ae.Field, "缺少“"+label+"”")
		}
	}
	return chineseDetails(msg)
}
