package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
	"gongkai/models"
)

// --- 管理：用户 ---------------------------------------------------------------------
//
// Users are listed, added and changed through /api/v1/users (admin, in the
// admin's scope); the API keeps an admin from disabling themselves or
// dropping their own admin role, and ends a user's sessions when they are
// disabled or their password is reset.

type userView struct {
	ID          uint     `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	AgencyID    uint     `json:"agency_id"`
	Roles       []string `json:"roles"`
	Disabled    bool     `json:"disabled"`
}

type usersData struct {
	Users        []userView
	AgencyNames  map[uint]string
	ManyAgencies bool
	Roles        []string
	Form         *appForm
	MinPassword  int
	Me           uint
}

func (ui *UI) adminIndex(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, "/admin/users")
}

func (ui *UI) usersPage(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	ui.showUsers(c, http.StatusOK, nil)
}

func (ui *UI) showUsers(c *gin.Context, status int, f *appForm) {
	s := sess(c)
	var l struct {
		Users []userView `json:"users"`
	}
	if err := ui.api(c, s.Token).get("/api/v1/users", &l); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d := usersData{Users: l.Users, ManyAgencies: len(s.P.AgencyIDs) > 1, Roles: models.AllRoles, Form: f,
		MinPassword: auth.MinPasswordLength, Me: s.P.User.ID}
	var ids []uint
	for _, u := range l.Users {
		ids = append(ids, u.AgencyID)
	}
	slices.Sort(ids)
	_, agencies, err := ui.b.Names(c.Request.Context(), s.P, nil, slices.Compact(ids))
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d.AgencyNames = agencies
	ui.render(c, status, "users", &view{Title: "用户管理", Nav: "admin", Data: d})
}

// userFailure shows the API's refusal of a user change: 400 and 409 next
// to the form, anything else as its page.
func userRefusal(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusConflict) {
		return ae, true
	}
	return nil, false
}

func (ui *UI) addUser(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	f := &appForm{Action: "user-new", Values: url.Values{}}
	for _, k := range []string{"username", "display_name", "agency"} {
		f.Values.Set(k, strings.TrimSpace(c.PostForm(k)))
	}
	roles := c.PostFormArray("roles")
	f.Values["roles"] = roles
	body := map[string]any{"username": f.Values.Get("username"), "display_name": f.Values.Get("display_name"),
		"password": c.PostForm("password"), "roles": roles}
	if ag := f.Values.Get("agency"); ag != "" {
		body["agency"] = ag
	}
	var u userView
	if err := ui.api(c, sess(c).Token).call(http.MethodPost, "/api/v1/users", body, &u, idem(c)); err != nil {
		if ae, ok := userRefusal(err); ok {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			ui.showUsers(c, ae.Status, f)
			return
		}
		ui.fail(c, err, "/admin/users")
		return
	}
	setFlash(c, "ok", "已添加用户 "+u.Username+"（"+roleNames(u.Roles)+"）。")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/users/%d", u.ID))
}

type userData struct {
	User        userView
	AgencyName  string
	Roles       []string
	Form        *appForm
	MinPassword int
	Me          bool
}

func (ui *UI) userParam(c *gin.Context) (uint, bool) { return ui.idParam(c, "用户", "/admin/users") }

func (ui *UI) userPage(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	id, ok := ui.userParam(c)
	if !ok {
		return
	}
	ui.showUser(c, http.StatusOK, id, nil)
}

func (ui *UI) showUser(c *gin.Context, status int, id uint, f *appForm) {
	s := sess(c)
	var u userView
	if err := ui.api(c, s.Token).get(fmt.Sprintf("/api/v1/users/%d", id), &u); err != nil {
		ui.fail(c, err, "/admin/users")
		return
	}
	_, agencies, err := ui.b.Names(c.Request.Context(), s.P, nil, []uint{u.AgencyID})
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d := userData{User: u, AgencyName: agencies[u.AgencyID], Roles: models.AllRoles, Form: f, MinPassword: auth.MinPasswordLength, Me: u.ID == s.P.User.ID}
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	ui.render(c, status, "user", &view{Title: "用户：" + name, Nav: "admin", Data: d})
}

// changeUser sends PUT /api/v1/users/{id} with body, for the form named
// action, and comes back to the user's page.
func (ui *UI) changeUser(c *gin.Context, action string, body map[string]any, f *appForm, okMsg string) {
	id, ok := ui.userParam(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/admin/users/%d", id)
	if err := ui.api(c, sess(c).Token).call(http.MethodPut, fmt.Sprintf("/api/v1/users/%d", id), body, nil); err != nil {
		if ae, ok := userRefusal(err); ok {
			if f == nil {
				f = &appForm{Action: action, Values: url.Values{}}
			}
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			ui.showUser(c, ae.Status, id, f)
			return
		}
		ui.fail(c, err, back)
		return
	}
	setFlash(c, "ok", okMsg)
	c.Redirect(http.StatusSeeOther, back)
}

func (ui *UI) saveUser(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	f := &appForm{Action: "user", Values: url.Values{}}
	f.Values.Set("display_name", strings.TrimSpace(c.PostForm("display_name")))
	roles := c.PostFormArray("roles")
	if roles == nil {
		roles = []string{}
	}
	f.Values["roles"] = roles
	ui.changeUser(c, "user", map[string]any{"display_name": f.Values.Get("display_name"), "roles": roles}, f, "已保存姓名和角色。")
}

func (ui *UI) setUserDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !ui.requireAdmin(c) {
			return
		}
		msg := "已启用该账号。"
		if disabled {
			msg = "已停用该账号，其登录已全部失效。"
		}
		ui.changeUser(c, "disable", map[string]any{"disabled": disabled}, nil, msg)
	}
}

func (ui *UI) resetPassword(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	id, ok := ui.userParam(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/admin/users/%d", id)
	pw, again := c.PostForm("password"), c.PostForm("password_again")
	if pw != again {
		ui.showUser(c, http.StatusBadRequest, id, &appForm{Action: "password", Error: "两次输入的新密码不一致。", Field: "password"})
		return
	}
	err := ui.api(c, sess(c).Token).call(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/password", id), map[string]string{"password": pw}, nil)
	if err != nil {
		if ae, ok := userRefusal(err); ok {
			ui.showUser(c, ae.Status, id, &appForm{Action: "password", Error: friendlyMessage(ae), Field: ae.Field})
			return
		}
		ui.fail(c, err, back)
		return
	}
	setFlash(c, "ok", "已重设密码，该用户原有的登录已全部失效；请把新密码当面告知本人。")
	c.Redirect(http.StatusSeeOther, back)
}

// --- 管理：机关设置 -------------------------------------------------------------------

type chainView struct {
	Column string             `json:"column"`
	Steps  []models.ChainStep `json:"steps"`
}

type agencyData struct {
	Agency       models.Agency
	Month, Day   string // of the report deadline
	Chains       []chainView
	New          chainView
	StepRoles    []string
	Form         *appForm
	Columns      []string
	DefaultChain []models.ChainStep
}

func (ui *UI) agencyPage(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	ui.showAgency(c, http.StatusOK, nil)
}

func (ui *UI) showAgency(c *gin.Context, status int, f *appForm) {
	a := ui.api(c, sess(c).Token)
	var d agencyData
	if err := a.get("/api/v1/agency", &d.Agency); err != nil {
		ui.fail(c, err, "/")
		return
	}
	var l struct {
		Chains []chainView `json:"chains"`
	}
	if err := a.get("/api/v1/agency/chains", &l); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d.Chains, d.Form = l.Chains, f
	d.Month, d.Day, _ = strings.Cut(d.Agency.ReportDeadline, "-")
	d.StepRoles = []string{models.RoleReviewer, models.RoleLeader, models.RoleClerk, models.RoleAdmin}
	d.Columns = append(slices.Clone(columns), models.ReplyColumn, "政府信息公开年度报告")
	d.DefaultChain = models.DefaultChain
	// Each form shows 4 step rows; the empty ones are left out when saved.
	for i := range d.Chains {
		d.Chains[i].Steps = padSteps(d.Chains[i].Steps)
	}
	d.New = chainView{Steps: padSteps(nil)}
	ui.render(c, status, "agency", &view{Title: "机关设置", Nav: "admin", Data: d})
}

const maxChainSteps = 4

func padSteps(steps []models.ChainStep) []models.ChainStep {
	out := slices.Clone(steps)
	for len(out) < maxChainSteps {
		out = append(out, models.ChainStep{})
	}
	return out
}

func (ui *UI) saveAgency(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	f := &appForm{Action: "deadline", Values: url.Values{}}
	// The form asks month and day; the API takes MM-DD.
	month, day := strings.TrimSpace(c.PostForm("month")), strings.TrimSpace(c.PostForm("day"))
	f.Values.Set("month", month)
	f.Values.Set("day", day)
	deadline := month + "-" + day
	if m, err := strconv.Atoi(month); err == nil {
		if d, err := strconv.Atoi(day); err == nil {
			deadline = fmt.Sprintf("%02d-%02d", m, d)
		}
	}
	if err := ui.api(c, sess(c).Token).call(http.MethodPut, "/api/v1/agency", map[string]string{"report_deadline": deadline}, nil); err != nil {
		if ae, ok := userRefusal(err); ok {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			ui.showAgency(c, ae.Status, f)
			return
		}
		ui.fail(c, err, "/admin/agency")
		return
	}
	setFlash(c, "ok", "已保存：年度报告须于次年 "+deadline+" 前公布。")
	c.Redirect(http.StatusSeeOther, "/admin/agency")
}

// saveChain sets the chain of one column (blank: the agency's default)
// from the form's step rows; rows without a name are left out.
func (ui *UI) saveChain(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	column := strings.TrimSpace(c.PostForm("column"))
	action := "chain-" + column
	if c.PostForm("new") == "1" {
		action = "chain-new"
	}
	f := &appForm{Action: action, Values: url.Values{}}
	f.Values.Set("column", column)
	names, roles, days := c.PostFormArray("step_name"), c.PostFormArray("step_role"), c.PostFormArray("step_workdays")
	steps := []models.ChainStep{}
	for i := range names {
		name := strings.TrimSpace(names[i])
		role, wd := "", ""
		if i < len(roles) {
			role = roles[i]
		}
		if i < len(days) {
			wd = strings.TrimSpace(days[i])
		}
		f.Values.Add("step_name", name)
		f.Values.Add("step_role", role)
		f.Values.Add("step_workdays", wd)
		if name == "" {
			continue
		}
		n, err := strconv.Atoi(wd)
		if err != nil {
			f.Error, f.Field = fmt.Sprintf("第 %d 个环节的“办理期限”应填写整数（工作日）。", i+1), "steps"
			ui.showAgency(c, http.StatusBadRequest, f)
			return
		}
		steps = append(steps, models.ChainStep{Name: name, Role: role, Workdays: n})
	}
	if err := ui.api(c, sess(c).Token).call(http.MethodPut, "/api/v1/agency/chains", map[string]any{"column": column, "steps": steps}, nil); err != nil {
		if ae, ok := userRefusal(err); ok {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			ui.showAgency(c, ae.Status, f)
			return
		}
		ui.fail(c, err, "/admin/agency")
		return
	}
	which := "默认审核流程"
	if column != "" {
		which = "“" + column + "”栏目的审核流程"
	}
	setFlash(c, "ok", "已保存"+which+"，之后提交的信息按新流程审核；正在审核的信息仍按原流程。")
	c.Redirect(http.StatusSeeOther, "/admin/agency#chains")
}
