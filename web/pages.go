package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/content"
	"gongkai/models"
)

// taskView is one inbox row as GET /api/v1/tasks answers it.
type taskView = models.InboxTask

type tasksResp struct {
	Tasks  []taskView `json:"tasks"`
	Counts struct {
		Open    int64 `json:"open"`
		Overdue int64 `json:"overdue"`
	} `json:"counts"`
}

// decisionResult is what a workflow Update answers.
type decisionResult struct {
	Status string `json:"status"`
	TaskID uint   `json:"task_id"`
	Step   string `json:"step"`
	DueOn  string `json:"due_on"`
}

// taskRow is an inbox row ready to show.
type taskRow struct {
	taskView
	StepLabel  string
	DueClass   string // "overdue" (red), "soon" (amber) or ""
	DueNote    string
	Diff       *diffView
	ApproveKey string // idempotency keys of the row's two forms
	ReturnKey  string
}

var safeKey = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// idem passes the form's one-time key as Idempotency-Key, so a
// double-clicked button changes things once and both clicks get the same
// answer from the API.
func idem(c *gin.Context) map[string]string {
	if k := c.PostForm("_idem"); safeKey.MatchString(k) {
		return map[string]string{"Idempotency-Key": "web-" + k}
	}
	return nil
}

// dueDates are today and the end of the next working day in the caller's
// region, from the API's calendar: a task due by then is shown in amber.
func (ui *UI) dueDates(c *gin.Context, a apiClient) (today, soon string) {
	today = calendar.Today(time.Now()).String()
	q := url.Values{"start": {today}, "workdays": {"1"}}
	if r := sess(c).P.Agency.Region; r != "" {
		q.Set("region", r)
	}
	var res struct {
		Due string `json:"due"`
	}
	if err := a.get("/api/v1/calendar/deadline?"+q.Encode(), &res); err != nil || res.Due == "" {
		ui.b.Logger().WarnContext(c.Request.Context(), "next working day for the inbox", "err", err)
		return today, today
	}
	return today, res.Due
}

func newTaskRow(t taskView, today, soon string) taskRow {
	r := taskRow{taskView: t, StepLabel: stepLabel(t.Step, t.Role), ApproveKey: randomToken(), ReturnKey: randomToken()}
	switch {
	case t.Overdue:
		r.DueClass, r.DueNote = "overdue", "已逾期"
	case t.DueOn != "" && t.DueOn <= today:
		r.DueClass, r.DueNote = "soon", "今日到期"
	case t.DueOn != "" && t.DueOn <= soon:
		r.DueClass, r.DueNote = "soon", "下一个工作日到期"
	}
	return r
}

// --- 工作台 --------------------------------------------------------------

type dashboardData struct {
	Open, Overdue int64
	Tasks         []taskRow
	MineTotal     int64
	MineReturned  int64
	Mine          []models.Item
	Notifications []models.Notification
	Unread        int64
	// 即将到期的申请: open applications due within five working days (or
	// overdue), for the roles that handle applications.
	ShowApplies     bool
	ExpiringApplies []appRow
	ExpiringTotal   int64
	ExpiringBefore  string // the list's due_before, for the link to all of them
}

func (ui *UI) dashboard(c *gin.Context) {
	s := sess(c)
	a := ui.api(c, s.Token)
	var inbox tasksResp
	if err := a.get("/api/v1/tasks?limit=5", &inbox); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d := dashboardData{Open: inbox.Counts.Open, Overdue: inbox.Counts.Overdue}
	if len(inbox.Tasks) > 0 {
		today, soon := ui.dueDates(c, a)
		for _, t := range inbox.Tasks {
			d.Tasks = append(d.Tasks, newTaskRow(t, today, soon))
		}
	}
	ctx := c.Request.Context()
	var err error
	if d.Mine, d.MineTotal, err = ui.b.AuthoredItems(ctx, s.P, "", 5, 0); err != nil {
		ui.internalError(c, err)
		return
	}
	if _, d.MineReturned, err = ui.b.AuthoredItems(ctx, s.P, models.ItemReturned, 1, 0); err != nil {
		ui.internalError(c, err)
		return
	}
	var notes struct {
		Notifications []models.Notification `json:"notifications"`
		Unread        int64                 `json:"unread"`
	}
	if err := a.get("/api/v1/notifications?unread=true&limit=5", &notes); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d.Notifications, d.Unread = notes.Notifications, notes.Unread
	if d.ShowApplies = canSeeApplications(s); d.ShowApplies {
		if d.ExpiringApplies, d.ExpiringTotal, d.ExpiringBefore, err = ui.expiringApplications(c, a); err != nil {
			ui.fail(c, err, "/")
			return
		}
	}
	ui.render(c, http.StatusOK, "dashboard", &view{Title: "工作台", Nav: "home", Data: d})
}

// readNotification marks one notification read through the API.
func (ui *UI) readNotification(c *gin.Context) {
	id, ok := ui.idParam(c, "通知", "/")
	if !ok {
		return
	}
	if err := ui.api(c, sess(c).Token).call(http.MethodPost, fmt.Sprintf("/api/v1/notifications/%d/read", id), nil, nil); err != nil {
		ui.fail(c, err, "/")
		return
	}
	c.Redirect(http.StatusSeeOther, "/#notifications")
}

// --- 待办 ----------------------------------------------------------------

type tasksData struct {
	Step, Column, Overdue, Q string
	Filtered                 bool
	Truncated                bool // more tasks match than one page shows
	Open, OverdueCount       int64
	Rows                     []taskRow
	Next                     string
}

// inboxLimit is the most tasks the inbox shows at once; filters narrow it.
const inboxLimit = 200

// maxInboxDiffs bounds how many rows of one inbox page get their diff.
const maxInboxDiffs = 20

func (ui *UI) tasks(c *gin.Context) {
	s := sess(c)
	a := ui.api(c, s.Token)
	d := tasksData{
		Step: strings.TrimSpace(c.Query("step")), Column: strings.TrimSpace(c.Query("column")),
		Overdue: c.Query("overdue"), Q: strings.TrimSpace(c.Query("q")), Next: c.Request.URL.RequestURI(),
	}
	q := url.Values{"limit": {strconv.Itoa(inboxLimit)}}
	for k, v := range map[string]string{"step": d.Step, "column": d.Column, "overdue": d.Overdue, "q": d.Q} {
		if v != "" {
			q.Set(k, v)
			d.Filtered = true
		}
	}
	var inbox tasksResp
	if err := a.get("/api/v1/tasks?"+q.Encode(), &inbox); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d.Open, d.OverdueCount = inbox.Counts.Open, inbox.Counts.Overdue
	d.Truncated = len(inbox.Tasks) == inboxLimit
	today, soon := ui.dueDates(c, a)
	diffs := 0
	for _, t := range inbox.Tasks {
		r := newTaskRow(t, today, soon)
		// A resubmitted item shows what changed since the revision this
		// user last decided (or, failing that, the one last sent back).
		if t.Revision > 1 && diffs < maxInboxDiffs {
			diffs++
			var it itemResp
			if err := a.get(fmt.Sprintf("/api/v1/items/%d", t.ItemID), &it); err == nil {
				if from, why := lastSeenRevision(it.Steps, s.P.User.ID, t.Revision); from > 0 {
					if dv, err := fetchDiff(a, t.ItemID, from, t.Revision); err == nil {
						dv.Why = why
						r.Diff = dv
					}
				}
			}
		}
		d.Rows = append(d.Rows, r)
	}
	ui.render(c, http.StatusOK, "tasks", &view{Title: "待办", Nav: "tasks", Data: d})
}

const (
	actionApprove = "approve"
	actionReturn  = "return"
)

// decide approves or returns a task through the API, from the inbox or
// the item page; refusals (segregation of duties, a closed task, a return
// without comment) are shown as their Chinese message.
func (ui *UI) decide(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		s := sess(c)
		next := safeNext(c.PostForm("next"), "/tasks")
		id, ok := ui.idParam(c, "待办", next)
		if !ok {
			return
		}
		comment := strings.TrimSpace(c.PostForm("comment"))
		var res decisionResult
		err := ui.api(c, s.Token).call(http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/%s", id, action),
			map[string]string{"comment": comment}, &res, idem(c))
		if err != nil {
			ui.fail(c, err, next)
			return
		}
		msg := "已退回，编辑人员将收到通知。"
		if action == actionApprove {
			switch res.Status {
			case models.ItemPublished:
				msg = "已同意，信息已发布到政府信息公开目录。"
			default:
				msg = "已同意，已转" + stepLabel(res.Step, "") + "。"
			}
		}
		setFlash(c, "ok", msg)
		c.Redirect(http.StatusSeeOther, next)
	}
}

// --- 已办 和 我发起 ---------------------------------------------------------

const pageSize = 20

type pager struct {
	Page, Pages int
	Total       int64
	Base        string // the list's URL with its filters, without page
}

func (p pager) Prev() string { return p.link(p.Page - 1) }
func (p pager) Next() string { return p.link(p.Page + 1) }
func (p pager) link(n int) string {
	sep := "?"
	if strings.Contains(p.Base, "?") {
		sep = "&"
	}
	return p.Base + sep + "page=" + strconv.Itoa(n)
}

func pageParam(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func newPager(page int, total int64, base string) pager {
	pages := int((total + pageSize - 1) / pageSize)
	return pager{Page: page, Pages: max(pages, 1), Total: total, Base: base}
}

type doneRow struct {
	models.Task
	StepLabel  string
	ItemStatus string
}

type doneData struct {
	Rows  []doneRow
	Pager pager
}

func (ui *UI) done(c *gin.Context) {
	s := sess(c)
	page := pageParam(c)
	tasks, total, statuses, err := ui.b.DecidedTasks(c.Request.Context(), s.P, pageSize, (page-1)*pageSize)
	if err != nil {
		ui.internalError(c, err)
		return
	}
	d := doneData{Pager: newPager(page, total, "/done")}
	for _, t := range tasks {
		d.Rows = append(d.Rows, doneRow{Task: t, StepLabel: stepLabel(t.StepName, t.Role), ItemStatus: statuses[t.ItemID]})
	}
	ui.render(c, http.StatusOK, "done", &view{Title: "已办", Nav: "done", Data: d})
}

type mineData struct {
	Status   string
	Statuses []string
	Items    []models.Item
	Pager    pager
}

func (ui *UI) mine(c *gin.Context) {
	s := sess(c)
	page := pageParam(c)
	status := c.Query("status")
	if _, ok := statusLabels[status]; !ok {
		status = ""
	}
	items, total, err := ui.b.AuthoredItems(c.Request.Context(), s.P, status, pageSize, (page-1)*pageSize)
	if err != nil {
		ui.internalError(c, err)
		return
	}
	base := "/mine"
	if status != "" {
		base += "?status=" + url.QueryEscape(status)
	}
	d := mineData{Status: status, Items: items, Pager: newPager(page, total, base),
		Statuses: []string{models.ItemDraft, models.ItemInReview, models.ItemInApproval, models.ItemReturned, models.ItemPublished, models.ItemWithdrawn}}
	ui.render(c, http.StatusOK, "mine", &view{Title: "我发起", Nav: "mine", Data: d})
}

// --- diffs -----------------------------------------------------------------

// diffView shows what changed between two revisions of an item.
type diffView struct {
	ItemID   uint
	From, To int
	Why      string // why From: the revision the viewer last decided, …
	Fields   []diffField
}

type diffField struct {
	Label string
	Lines []content.Line
}

// diffOrder is the order fields are shown in.
var diffOrder = []string{"title", "summary", "column", "formed_on", "body", "attachments"}

// diffContext is how many unchanged lines are kept around each change.
const diffContext = 2

// fetchDiff asks the API for the diff and keeps the changed fields, with
// long unchanged stretches folded.
func fetchDiff(a apiClient, itemID uint, from, to int) (*diffView, error) {
	var res struct {
		Fields []content.FieldDiff `json:"fields"`
	}
	if err := a.get(fmt.Sprintf("/api/v1/items/%d/diff?from=%d&to=%d", itemID, from, to), &res); err != nil {
		return nil, err
	}
	d := &diffView{ItemID: itemID, From: from, To: to}
	for _, name := range diffOrder {
		for _, f := range res.Fields {
			if f.Field == name && f.Changed {
				d.Fields = append(d.Fields, diffField{Label: label(fieldLabels, name), Lines: foldLines(f.Lines)})
			}
		}
	}
	return d, nil
}

// foldLines keeps changed lines and diffContext lines around them; each
// run of other lines becomes one "skip" line saying how many were left out.
func foldLines(lines []content.Line) []content.Line {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op != content.OpEqual {
			for j := max(0, i-diffContext); j <= min(len(lines)-1, i+diffContext); j++ {
				keep[j] = true
			}
		}
	}
	var out []content.Line
	skipped := 0
	for i, l := range lines {
		if keep[i] {
			if skipped > 0 {
				out = append(out, content.Line{Op: "skip", Text: fmt.Sprintf("…… 省略 %d 行未改动的内容 ……", skipped)})
				skipped = 0
			}
			out = append(out, l)
		} else {
			skipped++
		}
	}
	if skipped > 0 {
		out = append(out, content.Line{Op: "skip", Text: fmt.Sprintf("…… 省略 %d 行未改动的内容 ……", skipped)})
	}
	return out
}

// lastSeenRevision is the revision to diff the current one against for
// user me: the latest earlier revision me decided on, else the latest
// earlier revision anyone decided on (the one sent back). 0 means none:
// it is the item's first submission.
func lastSeenRevision(steps []models.Task, me uint, current int) (int, string) {
	rev := 0
	for _, t := range steps {
		if t.ActorID != nil && *t.ActorID == me && t.State != models.TaskOpen && t.Revision < current && t.Revision > rev {
			rev = t.Revision
		}
	}
	if rev > 0 {
		return rev, "您上次办理的版本"
	}
	for _, t := range steps {
		if t.State != models.TaskOpen && t.Revision < current && t.Revision > rev {
			rev = t.Revision
		}
	}
	if rev > 0 {
		return rev, "上次送审的版本"
	}
	return 0, ""
}
