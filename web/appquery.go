package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// 申请人查询: an applicant, without logging in, looks up an application
// by its number and the query code given at registration. The API answers a
// wrong code exactly as an unknown number, and so does this page. The form
// is posted (the code stays out of addresses and logs) with a double-submit
// CSRF token, as the login form is.

const queryCookie = "gongkai_query" // the query form's CSRF secret

type publicTimeline struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Label  string    `json:"label"`
}

type publicApplication struct {
	Number       string           `json:"number"`
	Status       string           `json:"status"`
	Outcome      string           `json:"outcome"`
	OutcomeLabel string           `json:"outcome_label"`
	ReceivedOn   string           `json:"received_on"`
	Description  string           `json:"description"`
	SentOn       string           `json:"sent_on"`
	Clock        *appClock        `json:"clock"`
	Timeline     []publicTimeline `json:"timeline"`
}

type queryData struct {
	Token  string
	Number string
	Error  string
	Result *publicApplication
	Badge  clockBadge
}

func (ui *UI) renderQuery(c *gin.Context, status int, d queryData) {
	c.Header("Cache-Control", "no-store")
	if v, err := c.Cookie(queryCookie); err == nil && safeKey.MatchString(v) {
		d.Token = v
	} else {
		d.Token = randomToken()
	}
	setCookie(c, queryCookie, d.Token, time.Time{}, 0)
	ui.render(c, status, "query", &view{Title: "申请人查询", Data: d})
}

func (ui *UI) queryPage(c *gin.Context) {
	ui.renderQuery(c, http.StatusOK, queryData{})
}

func (ui *UI) queryApplication(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if !ui.parseForm(c) {
		return
	}
	cookie, _ := c.Cookie(queryCookie)
	if !validCSRF(c.PostForm(csrfField), cookie) {
		ui.csrfRefused(c)
		return
	}
	d := queryData{Number: strings.TrimSpace(c.PostForm("number"))}
	code := strings.ToUpper(strings.TrimSpace(c.PostForm("code")))
	if d.Number == "" || code == "" {
		d.Error = "请输入申请编号和查询码。"
		ui.renderQuery(c, http.StatusBadRequest, d)
		return
	}
	var res publicApplication
	err := ui.api(c, "").get("/api/v1/public/applications/"+url.PathEscape(d.Number)+"?code="+url.QueryEscape(code), &res)
	var ae *apiError
	switch {
	case err == nil:
		d.Result, d.Badge = &res, badgeOf(res.Clock)
		ui.renderQuery(c, http.StatusOK, d)
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		// The same words whether the number is unknown or the code wrong.
		d.Error = "申请编号或查询码不正确，请核对后重新输入。"
		ui.renderQuery(c, http.StatusNotFound, d)
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		d.Error = "查询过于频繁，请一分钟后再试。"
		ui.renderQuery(c, http.StatusTooManyRequests, d)
	case errors.As(err, &ae) && ae.Status == http.StatusBadRequest:
		d.Error = "申请编号或查询码格式不正确，请核对后重新输入。"
		ui.renderQuery(c, http.StatusBadRequest, d)
	default:
		ui.fail(c, err, "/query")
	}
}
