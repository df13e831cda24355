package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/models"
)

// --- 依申请公开 ---------------------------------------------------------------
//
// Every page here reads and changes applications through the JSON API; the
// application's workflow decides what is allowed, and its refusals (an
// action out of order, a date before receipt) come back as Chinese messages
// next to the form that caused them.

// appClock is an application's statutory clock as the API evaluates it today.
type appClock struct {
	Due          string   `json:"due"`
	WorkdaysLeft int      `json:"workdays_left"`
	State        string   `json:"state"`
	Provisional  bool     `json:"provisional"`
	Explanation  []string `json:"explanation"`
}

// applicationResp is GET /api/v1/applications/{id} (and one row of the list).
type applicationResp struct {
	models.Application
	QueryCode     string                `json:"query_code"`
	Clock         *appClock             `json:"clock"`
	Consultations []models.Consultation `json:"consultations"`
	Fees          []models.FeeNotice    `json:"fees"`
	History       []models.AuditEvent   `json:"history"`
}

// appResult is what every application action answers.
type appResult struct {
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
	DueOn   string `json:"due_on"`
	ItemID  uint   `json:"item_id"`
}

// canSeeApplications: the roles that handle applications and may see the
// applicants' personal data (the API masks it for everyone else).
func canSeeApplications(s *session) bool {
	u := s.P.User
	return u.HasRole(models.RoleClerk) || u.HasRole(models.RoleReviewer) || u.HasRole(models.RoleLeader)
}

func (ui *UI) requireApplicationRole(c *gin.Context) bool {
	if canSeeApplications(sess(c)) {
		return true
	}
	ui.errorPage(c, http.StatusForbidden, "没有权限", "依申请公开由依申请公开经办人办理，负责人和分管领导审核；您的账号没有这些角色。", "/")
	return false
}

func (ui *UI) requireClerk(c *gin.Context, back string) bool {
	if sess(c).P.User.HasRole(models.RoleClerk) {
		return true
	}
	ui.errorPage(c, http.StatusForbidden, "没有权限", "只有依申请公开经办人可以登记和办理申请。", back)
	return false
}

// --- the list ------------------------------------------------------------------

type appRow struct {
	applicationResp
	Badge clockBadge
}

type applicationsData struct {
	Status, Overdue, DueBefore, Q string
	Statuses                      []string
	Filtered                      bool
	Rows                          []appRow
	Pager                         pager
	Clerk                         bool
}

type appList struct {
	Applications []applicationResp `json:"applications"`
	Total        int64             `json:"total"`
}

func toRows(apps []applicationResp) []appRow {
	rows := make([]appRow, 0, len(apps))
	for _, a := range apps {
		rows = append(rows, appRow{applicationResp: a, Badge: badgeOf(a.Clock)})
	}
	return rows
}

func (ui *UI) applications(c *gin.Context) {
	if !ui.requireApplicationRole(c) {
		return
	}
	s := sess(c)
	page := pageParam(c)
	d := applicationsData{Status: c.Query("status"), Overdue: c.Query("overdue"), DueBefore: strings.TrimSpace(c.Query("due_before")),
		Q: strings.TrimSpace(c.Query("q")), Statuses: appStatuses, Clerk: s.P.User.HasRole(models.RoleClerk)}
	if _, ok := appStatusLabels[d.Status]; !ok {
		d.Status = ""
	}
	if d.Overdue != "true" {
		d.Overdue = ""
	}
	if _, err := calendar.ParseDate(d.DueBefore); err != nil {
		d.DueBefore = ""
	}
	filters := url.Values{}
	for k, v := range map[string]string{"status": d.Status, "overdue": d.Overdue, "due_before": d.DueBefore, "q": d.Q} {
		if v != "" {
			filters.Set(k, v)
			d.Filtered = true
		}
	}
	q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa((page - 1) * pageSize)}}
	for k, v := range filters {
		q[k] = v
	}
	var l appList
	if err := ui.api(c, s.Token).get("/api/v1/applications?"+q.Encode(), &l); err != nil {
		ui.fail(c, err, "/")
		return
	}
	base := "/applications"
	if len(filters) > 0 {
		base += "?" + filters.Encode()
	}
	d.Rows, d.Pager = toRows(l.Applications), newPager(page, l.Total, base)
	ui.render(c, http.StatusOK, "applications", &view{Title: "依申请公开", Nav: "applications", Data: d})
}

// expiringApplications lists the open applications due within five working
// days (and those already overdue), for the 工作台.
func (ui *UI) expiringApplications(c *gin.Context, a apiClient) ([]appRow, int64, string, error) {
	today := calendar.Today(time.Now())
	q := url.Values{"start": {today.String()}, "workdays": {"5"}}
	if r := sess(c).P.Agency.Region; r != "" {
		q.Set("region", r)
	}
	var dl struct {
		Due string `json:"due"`
	}
	if err := a.get("/api/v1/calendar/deadline?"+q.Encode(), &dl); err != nil {
		return nil, 0, "", err
	}
	due, err := calendar.ParseDate(dl.Due)
	if err != nil {
		return nil, 0, "", err
	}
	// due_before is exclusive: the day after the 5th working day.
	before := due.AddDays(1).String()
	var l appList
	if err := a.get("/api/v1/applications?limit=5&due_before="+before, &l); err != nil {
		return nil, 0, "", err
	}
	return toRows(l.Applications), l.Total, before, nil
}

// --- registration ----------------------------------------------------------------

// appForm is a submitted form shown again with the API's refusal, so what
// the clerk typed is kept.
type appForm struct {
	Action string // the form's action (register, reply, consultation-reply, …)
	CID    uint   // the consultation, for consultation-reply
	Values url.Values
	Error  string
	Field  string
}

// formValue is what the form field shows: the value just submitted when
// the form comes back with an error, else def.
func formValue(f *appForm, action, field, def string) string {
	if f != nil && f.Action == action {
		return f.Values.Get(field)
	}
	return def
}

func formError(f *appForm, action string) string {
	if f != nil && f.Action == action {
		return f.Error
	}
	return ""
}

func formInvalid(f *appForm, action, field string) bool {
	return f != nil && f.Action == action && f.Field == field
}

type registerData struct {
	Form          *appForm
	Today         string
	Kinds         []string
	Channels      []string
	ReceiptFields map[string]string
	Key           string
}

var applicantKinds = models.ApplicantKinds

func (ui *UI) renderRegister(c *gin.Context, status int, f *appForm) {
	d := registerData{Form: f, Today: calendar.Today(time.Now()).String(), Kinds: applicantKinds, Channels: channels,
		ReceiptFields: models.ReceiptField, Key: randomToken()}
	ui.render(c, status, "application_new", &view{Title: "登记政府信息公开申请", Nav: "applications", Data: d})
}

func (ui *UI) newApplication(c *gin.Context) {
	if !ui.requireClerk(c, "/applications") {
		return
	}
	ui.renderRegister(c, http.StatusOK, nil)
}

// registerFields are the registration form's fields, as the API names them.
var registerFields = []string{"applicant_kind", "applicant_name", "id_document", "contact", "description", "delivery_form", "channel"}

func (ui *UI) createApplication(c *gin.Context) {
	if !ui.requireClerk(c, "/applications") {
		return
	}
	f := &appForm{Action: "register", Values: url.Values{}}
	body := map[string]string{}
	for _, k := range append(registerFields, "submitted_on", "signed_on", "confirmed_on") {
		v := c.PostForm(k)
		if k == "description" {
			v = normalizeNewlines(v)
		}
		f.Values.Set(k, v)
	}
	for _, k := range registerFields {
		body[k] = f.Values.Get(k)
	}
	// Only the date Art.31 makes the receipt date for the channel is sent.
	channel := f.Values.Get("channel")
	if field, ok := models.ReceiptField[channel]; ok {
		body[field] = strings.TrimSpace(f.Values.Get(field))
	}
	var res applicationResp
	err := ui.api(c, sess(c).Token).call(http.MethodPost, "/api/v1/applications", body, &res, idem(c))
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status >= 500 || ae.Status == http.StatusUnauthorized || ae.Status == http.StatusNotFound || ae.Status == http.StatusForbidden {
			ui.fail(c, err, "/applications")
			return
		}
		f.Error, f.Field = friendlyMessage(ae), ae.Field
		if _, isDate := channelDateLabels[ae.Field]; isDate && strings.HasPrefix(ae.Message, "渠道 ") {
			f.Error = "按“" + label(channelLabels, channel) + "”渠道收到的申请，须填写" + channelDateLabels[ae.Field] +
				"：条例第三十一条以该日为收到申请之日。"
		}
		ui.renderRegister(c, ae.Status, f)
		return
	}
	msg := "已登记申请 " + res.Number + "，收到申请之日 " + res.ReceivedOn
	if res.Clock != nil {
		msg += "，答复期限 " + res.Clock.Due
	}
	msg += "。"
	if res.QueryCode != "" {
		msg += "申请人查询码：" + res.QueryCode + "（只在登记时显示这一次，请告知申请人，凭申请编号和查询码在“申请人查询”页面查看办理进度）。"
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/applications/%d", res.ID))
}

// --- the application page ------------------------------------------------------

type appHistoryRow struct {
	At     time.Time
	Actor  string
	Action string
	Detail string
}

type outcomeOption struct {
	Code, Label string
}

type applicationData struct {
	App           *applicationResp
	Badge         clockBadge
	Clerk         bool
	Can           map[string]bool
	CreatorName   string
	History       []appHistoryRow
	ReplyItem     *itemResp
	ReplyStep     *stepRow
	ExtensionItem *models.Item
	Form          *appForm
	FormGone      string // the refusal of a form this status no longer offers
	Today         string
	Outcomes      []outcomeOption
	OpenConsults  []models.Consultation
}

func (ui *UI) appParam(c *gin.Context) (uint, bool) { return ui.idParam(c, "申请", "/applications") }

func (ui *UI) application(c *gin.Context) {
	if !ui.requireApplicationRole(c) {
		return
	}
	id, ok := ui.appParam(c)
	if !ok {
		return
	}
	ui.showApplication(c, http.StatusOK, id, nil)
}

// showApplication renders the application page, with f the form that just
// failed (nil when none).
func (ui *UI) showApplication(c *gin.Context, status int, id uint, f *appForm) {
	s := sess(c)
	a := ui.api(c, s.Token)
	var app applicationResp
	if err := a.get(fmt.Sprintf("/api/v1/applications/%d", id), &app); err != nil {
		ui.fail(c, err, "/applications")
		return
	}
	d := applicationData{App: &app, Badge: badgeOf(app.Clock), Clerk: s.P.User.HasRole(models.RoleClerk), Form: f,
		Today: calendar.Today(time.Now()).String()}
	for _, code := range models.Outcomes {
		d.Outcomes = append(d.Outcomes, outcomeOption{code, models.OutcomeNames[code]})
	}
	for _, cs := range app.Consultations {
		if cs.RepliedOn == "" {
			d.OpenConsults = append(d.OpenConsults, cs)
		}
	}
	d.Can = allowedActions(&app, d.OpenConsults)
	if f != nil && (!d.Can[f.Action] || !d.Clerk) {
		d.FormGone = f.Error
	}
	// Names of the people in the history.
	ids := []uint{app.CreatedBy}
	for _, h := range app.History {
		if h.ActorID != nil {
			ids = append(ids, *h.ActorID)
		}
	}
	slices.Sort(ids)
	names, _, err := ui.b.Names(c.Request.Context(), s.P, slices.Compact(ids), nil)
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d.CreatorName = names[app.CreatedBy]
	for _, h := range app.History {
		row := appHistoryRow{At: h.At, Actor: nameOf(names, h.ActorID), Action: label(appActionLabels, h.Action), Detail: appEventDetail(h)}
		if h.ActorID == nil {
			row.Actor = "系统"
			if h.Action == "register" {
				// The workflow's first step: the clock starts.
				row.Action = "开始计算答复期限"
			}
		}
		d.History = append(d.History, row)
	}
	// The reply in its approval chain: a link, and the step it is at.
	if app.ReplyItemID != nil {
		var it itemResp
		if err := a.get(fmt.Sprintf("/api/v1/items/%d", *app.ReplyItemID), &it); err == nil {
			d.ReplyItem = &it
			for _, st := range rounds(it.Steps, nil) {
				for i := range st.Steps {
					if st.Steps[i].State == models.TaskOpen {
						d.ReplyStep = &st.Steps[i]
					}
				}
			}
		} else if !isAPIError(err, http.StatusNotFound, "") {
			ui.fail(c, err, "/applications")
			return
		}
	}
	// A pending extension request: its item in the reviewer's chain.
	if extensionPending(app.History) {
		var l struct {
			Items []models.Item `json:"items"`
		}
		q := url.Values{"kind": {models.KindExtension}, "q": {app.Number}, "limit": {"5"}}
		if err := a.get("/api/v1/items?"+q.Encode(), &l); err == nil {
			for i := range l.Items {
				if l.Items[i].ApplicationID != nil && *l.Items[i].ApplicationID == app.ID {
					d.ExtensionItem = &l.Items[i]
					break
				}
			}
		}
	}
	ui.render(c, status, "application", &view{Title: "申请 " + app.Number, Nav: "applications", Data: d})
}

// extensionPending tells from the history whether an extension request is
// waiting for the reviewer: requested, and not yet decided since.
func extensionPending(history []models.AuditEvent) bool {
	pending := false
	for _, h := range history {
		switch h.Action {
		case "extension":
			pending = true
		case "extension_approved", "extension_refused", "extension_withdrawn", "corrected":
			pending = false
		}
	}
	return pending
}

// allowedActions are the forms the page offers for the application's
// status, as the 条例's order of things has it. The workflow has the last
// word: a form that is no longer valid (another clerk acted meanwhile) is
// refused with its reason.
func allowedActions(app *applicationResp, open []models.Consultation) map[string]bool {
	can := map[string]bool{}
	correctionSent, extRequested, overrideDue := false, false, false
	for _, h := range app.History {
		switch h.Action {
		case "correction_notice":
			correctionSent = true
		case "extension":
			extRequested = true
		case "extension_refused", "extension_withdrawn":
			extRequested = false
		case "corrected":
			extRequested, overrideDue = false, false
		case "excessive":
			overrideDue = true
		}
	}
	processing := app.Status == models.AppRegistered || app.Status == models.AppConsulting
	switch app.Status {
	case models.AppRegistered:
		can["correction-notice"] = !correctionSent
		can["fee-notice"] = true
	case models.AppCorrection:
		can["corrected"] = true
	case models.AppFeePending:
		can["fee-paid"] = true
	case models.AppReplyReady:
		can["sent"] = true
	case models.AppReplied, models.AppClosed:
		can["archive"] = true
	}
	if processing {
		can["consultations"] = true
		can["consultation-reply"] = app.Status == models.AppConsulting && len(open) > 0
		can["extension"] = !extRequested && !overrideDue && app.Clock != nil && app.Clock.State != "overdue"
		can["excessive"] = true
		can["reply"] = true
	}
	switch app.Status {
	case models.AppReplyReady, models.AppReplied, models.AppClosed, models.AppArchived:
	default:
		can["withdraw"] = true
	}
	for k, ok := range can {
		if !ok {
			delete(can, k)
		}
	}
	return can
}

// appEventDetail says what one history event recorded.
func appEventDetail(e models.AuditEvent) string {
	if e.After == "" {
		return ""
	}
	var after struct {
		DueOn      string         `json:"due_on"`
		Detail     map[string]any `json:"detail"`
		Outcome    string         `json:"outcome"`
		Channel    string         `json:"channel"`
		ReceivedOn string         `json:"received_on"`
	}
	if json.Unmarshal([]byte(e.After), &after) != nil {
		return ""
	}
	var parts []string
	if after.Channel != "" {
		parts = append(parts, "提交渠道："+label(channelLabels, after.Channel))
	}
	if after.ReceivedOn != "" && e.Action == "register" {
		parts = append(parts, "收到申请之日："+after.ReceivedOn)
	}
	for _, k := range []string{"items", "period_workdays", "received_on", "reason", "due_on", "close", "sent_on", "method"} {
		v, ok := after.Detail[k]
		if !ok || v == nil || v == "" || v == false {
			continue
		}
		switch k {
		case "period_workdays":
			parts = append(parts, fmt.Sprintf("补正期限：%v 个工作日", v))
		case "close":
			parts = append(parts, "不予处理")
		case "due_on":
			parts = append(parts, fmt.Sprintf("延迟答复期限：%v", v))
		case "method":
			parts = append(parts, fmt.Sprintf("送达方式：%v", v))
		default:
			parts = append(parts, fmt.Sprintf("%s：%v", label(fieldLabels, k), v))
		}
	}
	if after.Outcome != "" {
		parts = append(parts, "结果："+outcomeLabel(after.Outcome))
	}
	if after.DueOn != "" && e.Action != "register" {
		parts = append(parts, "答复期限："+after.DueOn)
	}
	return strings.Join(parts, "；")
}

// --- actions ----------------------------------------------------------------------

// actionSpec maps one form to its API action: the form fields it sends
// (as strings, or as integers) and what the clerk is told afterwards.
type actionSpec struct {
	Strings []string
	Ints    []string
	Done    string
}

var appActions = map[string]actionSpec{
	"correction-notice":  {Strings: []string{"sent_on", "items"}, Ints: []string{"period_workdays"}, Done: "已发出补正告知，等待补正期间答复期限暂停计算；收到补正后的申请之日起重新计算。"},
	"corrected":          {Strings: []string{"received_on"}, Done: "已记录收到补正后的申请，答复期限自该日起重新计算。"},
	"consultations":      {Strings: []string{"kind", "party", "sent_on", "received_on"}, Done: "已记录征求意见，征求意见期间不计入答复期限。"},
	"consultation-reply": {Strings: []string{"replied_on", "opinion"}, Done: "已记录对方意见。"},
	"extension":          {Strings: []string{"reason"}, Ints: []string{"workdays"}, Done: "延长答复期限的申请已提交负责人审批。"},
	"fee-notice":         {Strings: []string{"method", "notified_on"}, Ints: []string{"pages"}, Done: "已发出收费通知，待缴费期间不计入答复期限。"},
	"fee-paid":           {Strings: []string{"paid_on"}, Done: "已记录缴费，答复期限恢复计算。"},
	"excessive":          {Strings: []string{"reason", "due_on"}, Done: "已按条例第三十五条处理。"},
	"reply":              {Strings: []string{"outcome", "text"}, Done: "答复已提交审批。"},
	"sent":               {Strings: []string{"sent_on", "method"}, Done: "已记录送达答复，申请办结。"},
	"archive":            {Done: "已归档。"},
	"withdraw":           {Strings: []string{"on"}, Done: "已记录申请人撤回申请，申请办结。"},
}

func (ui *UI) applicationAction(c *gin.Context) {
	if !ui.requireApplicationRole(c) {
		return
	}
	id, ok := ui.appParam(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/applications/%d", id)
	action := c.Param("action")
	path := action
	var cid uint
	if v := c.Param("cid"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			ui.errorPage(c, http.StatusNotFound, "征求意见不存在", "该征求意见记录不存在。", back)
			return
		}
		cid, action, path = uint(n), "consultation-reply", fmt.Sprintf("consultations/%d/reply", n)
	}
	spec, known := appActions[action]
	if !known {
		ui.NotFound(c)
		return
	}
	if !ui.requireClerk(c, back) {
		return
	}
	f := &appForm{Action: action, CID: cid, Values: url.Values{}}
	body := map[string]any{}
	for _, k := range spec.Strings {
		v := strings.TrimSpace(normalizeNewlines(c.PostForm(k)))
		f.Values.Set(k, v)
		body[k] = v
	}
	for _, k := range spec.Ints {
		v := strings.TrimSpace(c.PostForm(k))
		f.Values.Set(k, v)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Error, f.Field = "“"+label(fieldLabels, k)+"”应填写整数。", k
			ui.showApplication(c, http.StatusBadRequest, id, f)
			return
		}
		body[k] = n
	}
	switch action {
	case "fee-notice":
		if f.Values.Get("method") != "per_page" {
			delete(body, "pages")
		}
	case "excessive":
		mode := c.PostForm("mode")
		f.Values.Set("mode", mode)
		if mode == "close" {
			body["close"] = true
			delete(body, "due_on")
		}
	case "withdraw":
		if body["on"] == "" {
			delete(body, "on")
		}
	}
	var res appResult
	err := ui.api(c, sess(c).Token).call(http.MethodPost, fmt.Sprintf("/api/v1/applications/%d/%s", id, path), body, &res, idem(c))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusConflict) {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			if ae.Code == "invalid_state" {
				f.Error = "当前状态不允许此操作：" + f.Error + "。请刷新页面，按当前状态办理。"
			}
			ui.showApplication(c, ae.Status, id, f)
			return
		}
		// The API cannot reach the workflow of an archived application (it
		// has ended) and answers 500; say what it means.
		var cur applicationResp
		if errors.As(err, &ae) && ae.Status >= 500 &&
			ui.api(c, sess(c).Token).get(fmt.Sprintf("/api/v1/applications/%d", id), &cur) == nil && cur.Status == models.AppArchived {
			f.Error = "当前状态不允许此操作：该申请已归档，办理已经结束。"
			ui.showApplication(c, http.StatusConflict, id, f)
			return
		}
		ui.fail(c, err, back)
		return
	}
	msg := spec.Done
	if res.DueOn != "" && res.Status != models.AppReplied && res.Status != models.AppClosed && res.Status != models.AppArchived {
		msg += "当前答复期限 " + res.DueOn + "。"
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, back)
}
