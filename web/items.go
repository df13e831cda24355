package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/content"
	"gongkai/models"
)

// itemResp is GET /api/v1/items/{id}: the item with its chain and history.
type itemResp struct {
	models.Item
	Attachments []models.Attachment `json:"attachments"`
	Steps       []models.Task       `json:"steps"`
	History     []models.AuditEvent `json:"history"`
}

func editable(status string) bool { return status == models.ItemDraft || status == models.ItemReturned }

// idParam is the :id of the address, or a 404 page naming what was not
// found (with a link back to back).
func (ui *UI) idParam(c *gin.Context, what, back string) (uint, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil || id == 0 {
		ui.errorPage(c, http.StatusNotFound, what+"不存在", "该"+what+"不存在，或不在您的权限范围内。", back)
		return 0, false
	}
	return uint(id), true
}

// itemParam is the item :id of the address, or a 404 page.
func (ui *UI) itemParam(c *gin.Context) (uint, bool) { return ui.idParam(c, "信息", "/") }

// loadItem reads the item through the API (which answers 404 outside the
// caller's agency scope); on failure it has answered.
func (ui *UI) loadItem(c *gin.Context, a apiClient, id uint) (*itemResp, bool) {
	var it itemResp
	if err := a.get(fmt.Sprintf("/api/v1/items/%d", id), &it); err != nil {
		ui.fail(c, err, "/")
		return nil, false
	}
	return &it, true
}

// --- the item page ---------------------------------------------------------

type stepRow struct {
	models.Task
	Label        string
	ActorName    string
	AssigneeName string
}

type roundRow struct {
	N     int
	Steps []stepRow
}

type historyRow struct {
	At     time.Time
	Actor  string
	Action string
	Detail string
}

type itemData struct {
	Item          *itemResp
	BodyHTML      template.HTML
	AgencyName    string
	AuthorName    string
	CanEdit       bool
	CanWithdraw   bool
	MyTask        *taskRow
	OpenStep      *stepRow
	Rounds        []roundRow
	History       []historyRow
	Diff          *diffView
	Revisions     []int
	ReturnComment *stepRow // the latest return, while the item is returned
	// Assign: whom the open step may be assigned to, for a holder of its
	// role or an admin; empty for anyone else.
	Assign      *assignForm
	SubmitKey   string
	WithdrawKey string
	Self        string
}

// names looks up the display names the page needs.
func (ui *UI) names(c *gin.Context, it *itemResp) (map[uint]string, string, error) {
	ids := []uint{it.AuthorID}
	for _, t := range it.Steps {
		if t.ActorID != nil {
			ids = append(ids, *t.ActorID)
		}
		if t.AssigneeID != nil {
			ids = append(ids, *t.AssigneeID)
		}
	}
	for _, h := range it.History {
		if h.ActorID != nil {
			ids = append(ids, *h.ActorID)
		}
	}
	slices.Sort(ids)
	users, agencies, err := ui.b.Names(c.Request.Context(), sess(c).P, slices.Compact(ids), []uint{it.AgencyID})
	return users, agencies[it.AgencyID], err
}

func nameOf(names map[uint]string, id *uint) string {
	if id == nil {
		return ""
	}
	if n, ok := names[*id]; ok {
		return n
	}
	return fmt.Sprintf("用户 %d", *id)
}

func rounds(steps []models.Task, names map[uint]string) []roundRow {
	var out []roundRow
	for _, t := range steps {
		if len(out) == 0 || out[len(out)-1].N != t.Round {
			out = append(out, roundRow{N: t.Round})
		}
		r := &out[len(out)-1]
		r.Steps = append(r.Steps, stepRow{Task: t, Label: stepLabel(t.StepName, t.Role),
			ActorName: nameOf(names, t.ActorID), AssigneeName: nameOf(names, t.AssigneeID)})
	}
	return out
}

func history(events []models.AuditEvent, names map[uint]string) []historyRow {
	out := make([]historyRow, 0, len(events))
	for _, e := range events {
		h := historyRow{At: e.At, Actor: nameOf(names, e.ActorID), Action: label(actionLabels, e.Action)}
		var after struct {
			Comment  string `json:"comment"`
			Revision int    `json:"revision"`
		}
		if e.After != "" && json.Unmarshal([]byte(e.After), &after) == nil {
			switch {
			case after.Comment != "":
				h.Detail = "意见：" + after.Comment
			case after.Revision > 0:
				h.Detail = fmt.Sprintf("保存为第 %d 版", after.Revision)
			}
		}
		out = append(out, h)
	}
	return out
}

func (ui *UI) item(c *gin.Context) {
	s := sess(c)
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	a := ui.api(c, s.Token)
	it, ok := ui.loadItem(c, a, id)
	if !ok {
		return
	}
	names, agencyName, err := ui.names(c, it)
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d := itemData{
		Item: it, BodyHTML: content.RenderMarkdown(it.Body), AgencyName: agencyName, AuthorName: names[it.AuthorID],
		CanEdit:     editable(it.Status) && s.P.User.HasRole(models.RoleEditor),
		CanWithdraw: it.AuthorID == s.P.User.ID && it.Status != models.ItemPublished && it.Status != models.ItemWithdrawn && it.Status != models.ItemUnpublished,
		Rounds:      rounds(it.Steps, names), History: history(it.History, names),
		SubmitKey: randomToken(), WithdrawKey: randomToken(), Self: c.Request.URL.Path,
	}
	for i := range d.Rounds {
		for j := range d.Rounds[i].Steps {
			st := &d.Rounds[i].Steps[j]
			if st.State == models.TaskOpen {
				d.OpenStep = st
			}
			if st.State == models.TaskReturned && it.Status == models.ItemReturned {
				d.ReturnComment = st
			}
		}
	}
	// The open step is the caller's to decide only if the API's inbox says so.
	if d.OpenStep != nil {
		var inbox tasksResp
		if err := a.get("/api/v1/tasks?limit=200&q="+url.QueryEscape(it.Title), &inbox); err != nil {
			ui.fail(c, err, "/")
			return
		}
		for _, t := range inbox.Tasks {
			if t.ID == d.OpenStep.ID {
				today, soon := ui.dueDates(c, a)
				r := newTaskRow(t, today, soon)
				d.MyTask = &r
			}
		}
	}
	if d.OpenStep != nil && (d.MyTask != nil || s.P.User.HasRole(models.RoleAdmin)) {
		if d.Assign, err = ui.assignForm(c, d.OpenStep, s.P.User.ID); err != nil {
			ui.fail(c, err, "/")
			return
		}
	}
	for r := 1; r <= it.Revision; r++ {
		d.Revisions = append(d.Revisions, r)
	}
	from, why := lastSeenRevision(it.Steps, s.P.User.ID, it.Revision)
	to := it.Revision
	if f, err := strconv.Atoi(c.Query("from")); err == nil {
		if t, err := strconv.Atoi(c.Query("to")); err == nil && f >= 1 && t >= 1 && f <= it.Revision && t <= it.Revision && f != t {
			from, to, why = f, t, "所选版本"
		}
	}
	if from > 0 && from != to {
		if d.Diff, err = fetchDiff(a, it.ID, from, to); err != nil {
			ui.fail(c, err, "/")
			return
		}
		d.Diff.Why = why
	}
	ui.render(c, http.StatusOK, "item", &view{Title: it.Title, Nav: "", Data: d})
}

// --- 发布审核单 ---------------------------------------------------------------

type sheetData struct {
	Item       *itemResp
	AgencyName string
	AuthorName string
	Signers    []stepRow  // the last round, in chain order
	Earlier    []roundRow // earlier rounds: returns and withdrawals
	PrintedAt  time.Time
}

func (ui *UI) sheet(c *gin.Context) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	it, ok := ui.loadItem(c, ui.api(c, sess(c).Token), id)
	if !ok {
		return
	}
	names, agencyName, err := ui.names(c, it)
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d := sheetData{Item: it, AgencyName: agencyName, AuthorName: names[it.AuthorID], PrintedAt: time.Now()}
	if rs := rounds(it.Steps, names); len(rs) > 0 {
		d.Signers, d.Earlier = rs[len(rs)-1].Steps, rs[:len(rs)-1]
	}
	ui.render(c, http.StatusOK, "sheet", &view{Title: "发布审核单：" + it.Title, Data: d})
}

// --- the editor -------------------------------------------------------------

type itemForm struct {
	Title, Summary, Body, Column, FormedOn string
	Version                                int
}

func (f itemForm) payload() map[string]any {
	return map[string]any{"title": f.Title, "summary": f.Summary, "body": f.Body, "column": f.Column, "formed_on": f.FormedOn}
}

func formOf(c *gin.Context) itemForm {
	v, _ := strconv.Atoi(c.PostForm("version"))
	return itemForm{Title: c.PostForm("title"), Summary: c.PostForm("summary"), Body: normalizeNewlines(c.PostForm("body")),
		Column: c.PostForm("column"), FormedOn: c.PostForm("formed_on"), Version: v}
}

// normalizeNewlines undoes the CRLF browsers send for textareas, so an
// unchanged body stays unchanged.
func normalizeNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

type editData struct {
	New        bool
	Item       *itemResp // nil when new
	Form       itemForm
	Error      string
	ErrorField string
	Conflict   *itemResp // the saved version, after a version conflict
	Key        string
	Today      string
}

func (ui *UI) renderEdit(c *gin.Context, status int, d editData) {
	d.Key = randomToken()
	d.Today = calendar.Today(time.Now()).String()
	title, nav := "新建信息", "new"
	if !d.New {
		title, nav = "编辑："+d.Item.Title, ""
	}
	ui.render(c, status, "edit", &view{Title: title, Nav: nav, Data: d})
}

// formError re-shows the form, with what the user typed, and the API's
// refusal in Chinese.
func (ui *UI) formError(c *gin.Context, d editData, err error) {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status >= 500 || ae.Status == http.StatusUnauthorized || ae.Status == http.StatusNotFound {
		ui.fail(c, err, "/")
		return
	}
	d.Error, d.ErrorField = friendlyMessage(ae), ae.Field
	ui.renderEdit(c, ae.Status, d)
}

func (ui *UI) newItem(c *gin.Context) {
	if !sess(c).P.User.HasRole(models.RoleEditor) {
		ui.errorPage(c, http.StatusForbidden, "没有权限", "只有编辑人员可以新建信息。", "/")
		return
	}
	ui.renderEdit(c, http.StatusOK, editData{New: true, Form: itemForm{FormedOn: calendar.Today(time.Now()).String()}})
}

func (ui *UI) createItem(c *gin.Context) {
	s := sess(c)
	f := formOf(c)
	var it models.Item
	if err := ui.api(c, s.Token).call(http.MethodPost, "/api/v1/items", f.payload(), &it, idem(c)); err != nil {
		ui.formError(c, editData{New: true, Form: f}, err)
		return
	}
	ui.afterSave(c, &it, "已保存草稿（索引号 "+it.IndexNo+"）。")
}

func (ui *UI) editItem(c *gin.Context) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	it, ok := ui.loadItem(c, ui.api(c, sess(c).Token), id)
	if !ok {
		return
	}
	if !sess(c).P.User.HasRole(models.RoleEditor) {
		ui.errorPage(c, http.StatusForbidden, "没有权限", "只有编辑人员可以修改信息。", fmt.Sprintf("/items/%d", id))
		return
	}
	if !editable(it.Status) {
		ui.errorPage(c, http.StatusConflict, "当前状态不允许修改",
			"只有草稿或被退回的信息可以修改，该信息当前为“"+statusLabel(it.Status)+"”。", fmt.Sprintf("/items/%d", id))
		return
	}
	ui.renderEdit(c, http.StatusOK, editData{Item: it, Form: itemForm{Title: it.Title, Summary: it.Summary, Body: it.Body,
		Column: it.Column, FormedOn: it.FormedOn, Version: it.Version}})
}

// saveItem saves the form as a new revision through the API. On a version
// conflict the form comes back with what the user typed, the version now
// saved to compare with, and a clear message.
func (ui *UI) saveItem(c *gin.Context) {
	s := sess(c)
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	a := ui.api(c, s.Token)
	f := formOf(c)
	body := f.payload()
	body["version"] = f.Version
	var saved models.Item
	err := a.call(http.MethodPut, fmt.Sprintf("/api/v1/items/%d", id), body, &saved)
	if err != nil {
		var cur itemResp
		if gerr := a.get(fmt.Sprintf("/api/v1/items/%d", id), &cur); gerr != nil {
			ui.fail(c, gerr, "/")
			return
		}
		d := editData{Item: &cur, Form: f}
		if isAPIError(err, http.StatusConflict, "version_conflict") {
			d.Conflict = &cur
			d.Form.Version = cur.Version
			d.Error = "保存失败：在您编辑期间，该信息已被他人修改或已提交（当前为第 " + strconv.Itoa(cur.Revision) +
				" 版，状态“" + statusLabel(cur.Status) + "”）。您填写的内容仍保留在下方；请对照下方的最新版本核对后再保存，再次保存将以您填写的内容为准。"
			d.ErrorField = "version"
			if !editable(cur.Status) {
				d.Error = "保存失败：该信息已被提交或状态已改变（当前状态“" + statusLabel(cur.Status) + "”），不能再修改。您填写的内容仍保留在下方，可复制留存。"
			}
			ui.renderEdit(c, http.StatusConflict, d)
			return
		}
		ui.formError(c, d, err)
		return
	}
	ui.afterSave(c, &saved, fmt.Sprintf("已保存（第 %d 版）。", saved.Revision))
}

// afterSave goes to the item page, first submitting it when the user
// pressed 保存并提交审核.
func (ui *UI) afterSave(c *gin.Context, it *models.Item, msg string) {
	if c.PostForm("then") == "submit" {
		// A new item's form has a one-time key; its submission gets one
		// derived from it, so a repeated post submits once too.
		var key map[string]string
		if h := idem(c); h != nil {
			key = map[string]string{"Idempotency-Key": h["Idempotency-Key"] + "-submit"}
		}
		var res decisionResult
		err := ui.api(c, sess(c).Token).call(http.MethodPost, fmt.Sprintf("/api/v1/items/%d/submit", it.ID), nil, &res, key)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusUnauthorized {
				setFlash(c, "error", msg+"但提交审核未成功："+friendlyMessage(ae))
				c.Redirect(http.StatusSeeOther, fmt.Sprintf("/items/%d", it.ID))
				return
			}
			ui.fail(c, err, fmt.Sprintf("/items/%d", it.ID))
			return
		}
		msg += submittedMessage(res)
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/items/%d", it.ID))
}

func submittedMessage(res decisionResult) string {
	m := "已提交审核，待" + stepLabel(res.Step, "")
	if res.DueOn != "" {
		m += "（办理期限 " + res.DueOn + "）"
	}
	return m + "。"
}

// itemAction posts a submit or withdraw to the API and returns to the item.
func (ui *UI) itemAction(c *gin.Context, action string) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/items/%d", id)
	var res decisionResult
	if err := ui.api(c, sess(c).Token).call(http.MethodPost, fmt.Sprintf("/api/v1/items/%d/%s", id, action), nil, &res, idem(c)); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "task_closed" {
			// The workflow has ended: the item is published or withdrawn.
			ui.errorPage(c, ae.Status, "流程已结束", ae.Message+"，该信息已发布或已撤回，不能再提交或撤回。", back)
			return
		}
		ui.fail(c, err, back)
		return
	}
	msg := "已撤回。"
	if action == "submit" {
		msg = submittedMessage(res)
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, back)
}

func (ui *UI) submitItem(c *gin.Context)   { ui.itemAction(c, "submit") }
func (ui *UI) withdrawItem(c *gin.Context) { ui.itemAction(c, "withdraw") }

// --- attachments ---------------------------------------------------------------

// uploadAttachment forwards the uploaded file and the form's version to
// the API as the multipart request it takes.
func (ui *UI) uploadAttachment(c *gin.Context) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/items/%d/edit", id)
	fh, err := c.FormFile("file")
	if err != nil {
		setFlash(c, "error", "请选择要上传的附件文件。")
		c.Redirect(http.StatusSeeOther, back+"#attachments")
		return
	}
	f, err := fh.Open()
	if err != nil {
		ui.internalError(c, err)
		return
	}
	defer f.Close()
	version := c.PostForm("version")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		err := mw.WriteField("version", version)
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", fh.Filename); err == nil {
				if _, err = io.Copy(part, f); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	_, err = ui.api(c, sess(c).Token).send(http.MethodPost, fmt.Sprintf("/api/v1/items/%d/attachments", id), pr, mw.FormDataContentType(), nil)
	pr.Close() // should the API stop reading early, the copy ends too
	<-copied
	ui.attachmentDone(c, err, back, "已上传附件“"+fh.Filename+"”。")
}

func (ui *UI) deleteAttachment(c *gin.Context) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	aid, err := strconv.ParseUint(c.Param("aid"), 10, 32)
	back := fmt.Sprintf("/items/%d/edit", id)
	if err != nil {
		ui.errorPage(c, http.StatusNotFound, "附件不存在", "附件不存在。", back)
		return
	}
	path := fmt.Sprintf("/api/v1/items/%d/attachments/%d?version=%s", id, aid, url.QueryEscape(c.PostForm("version")))
	_, err = ui.api(c, sess(c).Token).send(http.MethodDelete, path, nil, "", nil)
	ui.attachmentDone(c, err, back, "已删除附件。")
}

// attachmentDone returns to the editor with the outcome; a refusal (wrong
// file type, too large, someone saved meanwhile) is shown there.
func (ui *UI) attachmentDone(c *gin.Context, err error, back, okMsg string) {
	var ae *apiError
	switch {
	case err == nil:
		setFlash(c, "ok", okMsg)
	case errors.As(err, &ae) && ae.Code == "version_conflict":
		setFlash(c, "error", "操作未完成：该信息已被他人修改，请核对最新内容后重新操作。")
	case errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusUnauthorized && ae.Status != http.StatusNotFound:
		setFlash(c, "error", "操作未完成："+friendlyMessage(ae))
	default:
		ui.fail(c, err, back)
		return
	}
	c.Redirect(http.StatusSeeOther, back+"#attachments")
}

// downloadAttachment streams the file from the API, which checks scope.
func (ui *UI) downloadAttachment(c *gin.Context) {
	id, ok := ui.itemParam(c)
	if !ok {
		return
	}
	aid, err := strconv.ParseUint(c.Param("aid"), 10, 32)
	if err != nil {
		ui.errorPage(c, http.StatusNotFound, "附件不存在", "附件不存在。", fmt.Sprintf("/items/%d", id))
		return
	}
	if err := ui.api(c, sess(c).Token).stream(c.Writer, fmt.Sprintf("/api/v1/items/%d/attachments/%d", id, aid)); err != nil {
		ui.fail(c, err, fmt.Sprintf("/items/%d", id))
	}
}

// --- 认领 and 指定办理人 --------------------------------------------------------

// assignForm offers the open step to the holders of its role. The API (and
// the workflow behind it) decides whether the caller may assign and whether
// the person chosen may act; the list leaves out nobody it would accept.
type assignForm struct {
	TaskID   uint
	Holders  []holderOption
	CanClaim bool // the caller holds the role and the step is not theirs yet
	Me       uint
	Key      string
	ClaimKey string
	Assigned bool
	Assignee string
}

type holderOption struct {
	ID      uint
	Name    string
	Current bool
}

func (ui *UI) assignForm(c *gin.Context, step *stepRow, me uint) (*assignForm, error) {
	s := sess(c)
	holders, err := ui.b.RoleHolders(c.Request.Context(), s.P, step.AgencyID, step.Role)
	if err != nil {
		return nil, err
	}
	f := &assignForm{TaskID: step.ID, Me: me, Key: randomToken(), ClaimKey: randomToken(),
		Assigned: step.AssigneeID != nil, Assignee: step.AssigneeName}
	for _, u := range holders {
		current := step.AssigneeID != nil && *step.AssigneeID == u.ID
		f.Holders = append(f.Holders, holderOption{ID: u.ID, Name: u.Name() + "（" + u.Username + "）", Current: current})
		if u.ID == me && !current {
			f.CanClaim = true
		}
	}
	return f, nil
}

// assign claims or hands on a task through the API; its refusals
// (segregation of duties, a closed task, someone without the role) come
// back as their Chinese message.
func (ui *UI) assign(c *gin.Context) {
	s := sess(c)
	next := safeNext(c.PostForm("next"), "/tasks")
	id, ok := ui.idParam(c, "待办", next)
	if !ok {
		return
	}
	assignee, err := strconv.ParseUint(c.PostForm("assignee_id"), 10, 32)
	if err != nil || assignee == 0 {
		setFlash(c, "error", "请选择办理人。")
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	err = ui.api(c, s.Token).call(http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/assign", id),
		map[string]any{"assignee_id": assignee}, nil, idem(c))
	if err != nil {
		ui.fail(c, err, next)
		return
	}
	msg := "已指定办理人，对方将收到通知。"
	if uint(assignee) == s.P.User.ID {
		msg = "已认领，该待办现在只由您办理。"
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, next)
}
