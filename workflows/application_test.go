package workflows_test

// Workflow unit tests of ApplicationCase (依申请公开) on the Temporal test
// environment (time-skipping) with the real activities on a fresh SQLite
// database seeded with the demo agencies and users. The reply and the
// extension request run through real ItemReview child workflows (workflow
// id item-<itemID>), whose decisions the tests send as Updates to the child
// by its workflow id. Every test checks what the workflow wrote: the
// applications row, consultations, fee notices, notifications, audit
// events, and the workflow's result.
//
// 2026 calendar used below (national schedule, no 宁夏 overlay unless a
// test adds one): 中秋 09-25..27 and 国庆 10-01..07 off, Sun 09-20 and
// Sat 10-10 make-up working days; 春节 02-15..23 off, Sat 02-14 and
// Sat 02-28 make-up working days.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/workflows"
)

// appCST is Asia/Shanghai (UTC+8, no daylight saving), without tzdata.
var appCST = time.FixedZone("CST", 8*3600)

// appAt parses "2006-01-02 15:04" in Asia/Shanghai.
func appAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, appCST)
	if err != nil {
		panic(err)
	}
	return t
}

// appDay is the date of t in Asia/Shanghai.
func appDay(t time.Time) string { return t.In(appCST).Format("2006-01-02") }

const appNumber = "chengguan-YSQ-2026-0001"

type appHarness struct {
	t        *testing.T
	ctx      context.Context
	db       *gorm.DB
	env      *testsuite.TestWorkflowEnvironment
	start    time.Time
	agency   *models.Agency
	app      models.Application
	in       workflows.ApplicationInput
	seq      int
	watchdog bool // the watchdog cancelled the workflow
	prober
}

// newAppHarness seeds a fresh database, registers an application received
// in person on the start date, and registers both workflows by name and
// the real activities.
func newAppHarness(t *testing.T, start time.Time) *appHarness {
	t.Helper()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "demo-password-1"); err != nil {
		t.Fatalf("seed: %v", err)
	}
	agency, err := models.AgencyByCode(ctx, db, "chengguan")
	if err != nil {
		t.Fatalf("agency: %v", err)
	}
	h := &appHarness{t: t, ctx: ctx, db: db, start: start, agency: agency}
	h.prober = prober{t: t, callback: h.callback, count: h.appCount}
	received := appDay(start)
	h.app = models.Application{
		AgencyID: agency.ID, Number: appNumber, QueryCode: "ABCDEFGHJK", ApplicantKind: "natural_person",
		ApplicantName: "张三", IDDocument: "640423199001010011", Contact: "13800000000",
		Description: "2026年城关镇农村危房改造补助名单", Channel: models.ChannelInPerson, SubmittedOn: received,
		ReceivedOn: received, Status: models.AppRegistered, CreatedBy: h.id("clerk"),
	}
	if err := db.Create(&h.app).Error; err != nil {
		t.Fatalf("create application: %v", err)
	}
	h.in = workflows.ApplicationInput{
		ApplicationID: h.app.ID, AgencyID: agency.ID, Number: appNumber, Region: "宁夏",
		ReceivedOn: received, ClerkID: h.id("clerk"),
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h.env = suite.NewTestWorkflowEnvironment()
	h.env.SetStartTime(start)
	h.env.RegisterWorkflowWithOptions(workflows.ApplicationCase, workflow.RegisterOptions{Name: workflows.ApplicationWorkflow})
	h.env.RegisterWorkflowWithOptions(workflows.ItemReview, workflow.RegisterOptions{Name: workflows.ItemReviewWorkflow})
	h.env.RegisterActivity(&activities.Activities{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return h
}

func (h *appHarness) user(username string) *models.User {
	h.t.Helper()
	u, err := models.UserByUsername(h.ctx, h.db, username)
	if err != nil {
		h.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func (h *appHarness) id(username string) uint { return h.user(username).ID }

// actor is the user as the API would authenticate them.
func (h *appHarness) actor(username string) workflows.Actor {
	u := h.user(username)
	return workflows.Actor{UserID: u.ID, Roles: u.RoleList()}
}

// clerk is an AppAction by the clerk on date on.
func (h *appHarness) clerk(on string) workflows.AppAction {
	return workflows.AppAction{Actor: h.actor("clerk"), On: on}
}

// --- driving the workflows ---------------------------------------------------

// appOutcome records what became of one Update (to the application or to a
// child chain).
type appOutcome struct {
	name      string
	when      time.Time
	delivered bool
	accepted  bool
	rejected  error
	completed bool
	app       workflows.AppResult
	item      workflows.ItemResult
	err       error
}

func (o *appOutcome) failure() error {
	if o.rejected != nil {
		return o.rejected
	}
	return o.err
}

// refusal is the ApplicationError type that refused or failed the Update.
func (o *appOutcome) refusal() string {
	err := o.failure()
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	if err != nil {
		return "untyped: " + err.Error()
	}
	return ""
}

// field is the request field a validation refusal names in its details.
func (o *appOutcome) field() string {
	var ae *temporal.ApplicationError
	if !errors.As(o.failure(), &ae) || !ae.HasDetails() {
		return ""
	}
	var f string
	if err := ae.Details(&f); err != nil {
		return "undecodable details: " + err.Error()
	}
	return f
}

func (h *appHarness) callback(when time.Time, f func()) {
	h.t.Helper()
	d := when.Sub(h.start)
	if d < 0 {
		h.t.Fatalf("callback at %v is before the start %v", when, h.start)
	}
	h.env.RegisterDelayedCallback(f, d)
}

func (h *appHarness) callbacks(o *appOutcome) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejected = err },
		OnComplete: func(r any, err error) {
			o.completed, o.err = true, err
			switch v := r.(type) {
			case workflows.AppResult:
				o.app = v
			case *workflows.AppResult:
				o.app = *v
			case workflows.ItemResult:
				o.item = v
			case *workflows.ItemResult:
				o.item = *v
			}
		},
	}
}

// act sends the application Update name at when; build makes the action
// then, so it may use what earlier Updates answered.
func (h *appHarness) act(when time.Time, name string, build func() workflows.AppAction) *appOutcome {
	o := &appOutcome{name: name, when: when}
	h.callback(when, func() {
		o.delivered = true
		h.seq++
		h.env.UpdateWorkflow(name, fmt.Sprintf("app-%s-%d", name, h.seq), h.callbacks(o), build())
	})
	return o
}

// decide sends the ItemReview Update name (approve, return, withdraw) to the
// chain of the item itemID() names, at when; build makes the request with
// the chain's open task. UpdateWorkflowByID reaches the child workflow by
// its id in the test environment.
func (h *appHarness) decide(when time.Time, itemID func() uint, name string, build func(taskID uint) any) *appOutcome {
	o := &appOutcome{name: "item " + name, when: when}
	h.callback(when, func() {
		id := itemID()
		if id == 0 {
			return // no chain to decide: never delivered, which ok reports
		}
		st := h.chainState(id)
		o.delivered = true
		h.seq++
		if err := h.env.UpdateWorkflowByID(workflows.ItemWorkflowID(id), name, fmt.Sprintf("item-%s-%d", name, h.seq), h.callbacks(o), build(st.TaskID)); err != nil {
			o.rejected = err
		}
	})
	return o
}

// approveBy approves the open task of the chain as username.
func (h *appHarness) approveBy(when time.Time, itemID func() uint, username string) *appOutcome {
	return h.decide(when, itemID, workflows.UpdateApprove, func(taskID uint) any {
		return workflows.DecisionRequest{Actor: h.actor(username), TaskID: taskID, Comment: "同意"}
	})
}

// chainState queries a child chain's state (inside a callback).
func (h *appHarness) chainState(itemID uint) workflows.ItemState {
	h.t.Helper()
	v, err := h.env.QueryWorkflowByID(workflows.ItemWorkflowID(itemID), workflows.QueryItemState)
	if err != nil {
		h.t.Errorf("query chain of item %d: %v", itemID, err)
		return workflows.ItemState{}
	}
	var s workflows.ItemState
	if err := v.Get(&s); err != nil {
		h.t.Errorf("decode chain state: %v", err)
	}
	return s
}

// appState queries the application workflow's state (inside a callback).
func (h *appHarness) appState() workflows.AppState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.QueryApplicationState)
	if err != nil {
		h.t.Errorf("query application state: %v", err)
		return workflows.AppState{}
	}
	var s workflows.AppState
	if err := v.Get(&s); err != nil {
		h.t.Errorf("decode application state: %v", err)
	}
	return s
}

// stopBy cancels the workflow if it is still running at when: a wedged
// workflow (or one whose archive was refused) would otherwise sleep from
// reminder to reminder for ever.
func (h *appHarness) stopBy(when time.Time) {
	h.callback(when, func() {
		if h.env.IsWorkflowCompleted() {
			return
		}
		h.watchdog = true
		h.t.Errorf("workflow still running at %s; cancelling it", when.Format("2006-01-02 15:04"))
		h.env.CancelWorkflow()
	})
}

// run executes the application workflow to its end and returns its result.
func (h *appHarness) run() workflows.AppResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.ApplicationWorkflow, h.in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Error("workflow did not complete")
		return workflows.AppResult{}
	}
	if err := h.env.GetWorkflowError(); err != nil {
		if !h.watchdog {
			h.t.Errorf("workflow failed: %v", err)
		}
		return workflows.AppResult{}
	}
	var r workflows.AppResult
	if err := h.env.GetWorkflowResult(&r); err != nil {
		h.t.Errorf("workflow result: %v", err)
	}
	return r
}

// --- assertions on outcomes ------------------------------------------------

func (h *appHarness) ok(o *appOutcome, what string) workflows.AppResult {
	h.t.Helper()
	switch {
	case !o.delivered:
		h.t.Errorf("%s (%s at %s): never delivered (workflow ended first?)", what, o.name, o.when.Format("01-02 15:04"))
	case o.rejected != nil:
		h.t.Errorf("%s (%s): rejected: %v", what, o.name, o.rejected)
	case !o.accepted || !o.completed:
		h.t.Errorf("%s (%s): accepted=%v completed=%v", what, o.name, o.accepted, o.completed)
	case o.err != nil:
		h.t.Errorf("%s (%s): failed: %v", what, o.name, o.err)
	}
	return o.app
}

// refused asserts the validator rejected the Update with kind (nothing in
// history) and, for validation_failed, that the details name field.
func (h *appHarness) refused(o *appOutcome, kind, field, what string) {
	h.t.Helper()
	if !o.delivered {
		h.t.Errorf("%s (%s): never delivered", what, o.name)
		return
	}
	if o.accepted || o.rejected == nil {
		h.t.Errorf("%s (%s): want rejected by the validator with %s; accepted=%v completed=%v err=%v result=%+v",
			what, o.name, kind, o.accepted, o.completed, o.err, o.app)
		return
	}
	if got := o.refusal(); got != kind {
		h.t.Errorf("%s (%s): refused with %q (%v), want %q", what, o.name, got, o.rejected, kind)
	}
	if field != "" {
		if got := o.field(); got != field {
			h.t.Errorf("%s (%s): refusal names field %q (%v), want %q", what, o.name, got, o.rejected, field)
		}
	}
}

// --- database --------------------------------------------------------------

func (h *appHarness) row() models.Application {
	h.t.Helper()
	var a models.Application
	if err := h.db.First(&a, h.app.ID).Error; err != nil {
		h.t.Fatalf("load application: %v", err)
	}
	return a
}

// appRowWant is what an applications row should hold; "-" skips a field.
type appRowWant struct {
	Status, Outcome, DueOn, ClockState, ConcludedOn string
}

func (h *appHarness) checkRow(what string, want appRowWant) {
	h.t.Helper()
	a := h.row()
	for _, c := range []struct{ name, got, want string }{
		{"status", a.Status, want.Status}, {"outcome", a.Outcome, want.Outcome}, {"due_on", a.DueOn, want.DueOn},
		{"clock_state", a.ClockState, want.ClockState}, {"concluded_on", a.ConcludedOn, want.ConcludedOn},
	} {
		if c.want != "-" && c.got != c.want {
			h.t.Errorf("%s: applications.%s = %q, want %q", what, c.name, c.got, c.want)
		}
	}
}

// rowAt checks the applications row at when.
func (h *appHarness) rowAt(when time.Time, what string, want appRowWant) *bool {
	ran := new(bool)
	h.callback(when, func() {
		*ran = true
		h.checkRow(what+" (at "+when.Format("01-02 15:04")+")", want)
	})
	h.t.Cleanup(func() {
		if !*ran && !h.t.Failed() {
			h.t.Errorf("%s: the check at %s never ran", what, when.Format("01-02 15:04"))
		}
	})
	return ran
}

func (h *appHarness) consultations() []models.Consultation {
	h.t.Helper()
	return load[models.Consultation](h.t, h.db, "application_id = ?", h.app.ID)
}

func (h *appHarness) feeNotices() []models.FeeNotice {
	h.t.Helper()
	return load[models.FeeNotice](h.t, h.db, "application_id = ?", h.app.ID)
}

// chainItems are the reply and extension items of the application.
func (h *appHarness) chainItems() []models.Item {
	h.t.Helper()
	return load[models.Item](h.t, h.db, "application_id = ?", h.app.ID)
}

func (h *appHarness) tasksOf(itemID uint) []models.Task {
	h.t.Helper()
	return load[models.Task](h.t, h.db, "item_id = ?", itemID)
}

// appNotes are the application's notifications (its reminders) of kind
// to username.
func (h *appHarness) appNotes(kind, username string) []models.Notification {
	h.t.Helper()
	return load[models.Notification](h.t, h.db, "application_id = ? AND kind = ? AND user_id = ?", h.app.ID, kind, h.id(username))
}

func (h *appHarness) appCount(kind, username string) int { return len(h.appNotes(kind, username)) }

// itemCount counts the chain notifications of kind to username about item.
func (h *appHarness) itemCount(itemID uint, kind, username string) int {
	h.t.Helper()
	var n int64
	if err := h.db.Model(&models.Notification{}).Where("item_id = ? AND kind = ? AND user_id = ?", itemID, kind, h.id(username)).Count(&n).Error; err != nil {
		h.t.Fatalf("count notifications: %v", err)
	}
	return int(n)
}

func (h *appHarness) audit() []models.AuditEvent {
	h.t.Helper()
	es, err := models.AuditTrail(h.ctx, h.db, "application", strconv.FormatUint(uint64(h.app.ID), 10))
	if err != nil {
		h.t.Fatalf("audit trail: %v", err)
	}
	return es
}

func (h *appHarness) auditActions() []string {
	var out []string
	for _, e := range h.audit() {
		out = append(out, e.Action)
	}
	return out
}

func (h *appHarness) checkAudit(want ...string) {
	h.t.Helper()
	if got := h.auditActions(); !slices.Equal(got, want) {
		h.t.Errorf("application audit trail %v, want %v", got, want)
	}
}

// auditEvent is the application's audit event with action (the last one).
func (h *appHarness) auditEvent(action string) models.AuditEvent {
	h.t.Helper()
	var found models.AuditEvent
	for _, e := range h.audit() {
		if e.Action == action {
			found = e
		}
	}
	if found.ID == 0 {
		h.t.Errorf("no %s audit event", action)
	}
	return found
}

// counts asserts the application's notifications of kind per user.
func (h *appHarness) counts(kind string, want map[string]int) {
	h.t.Helper()
	for u, n := range want {
		if got := h.appCount(kind, u); got != n {
			h.t.Errorf("%s notifications to %s: %d, want %d", kind, u, got, n)
		}
	}
}

// closeOut withdraws (on the day of when) and archives an hour later, so
// the workflow ends; it returns both outcomes.
func (h *appHarness) closeOut(when time.Time) (withdraw, archive *appOutcome) {
	withdraw = h.act(when, workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk(appDay(when)) })
	archive = h.act(when.Add(time.Hour), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk(appDay(when)) })
	h.stopBy(when.Add(2 * time.Hour))
	return withdraw, archive
}

// replyItem returns the reply item id an outcome answered, for decide.
func replyItem(o *appOutcome) func() uint { return func() uint { return o.app.ItemID } }

// ===========================================================================
// 1. Plain 20 working days across 中秋 and 国庆, reply chain, sent, archive.
// ===========================================================================

// Received Fri 2026-09-18: 20 working days, counting Sun 09-20 and Sat
// 10-10 and skipping 09-25..27 and 10-01..07, end Thu 10-22. The reply is
// drafted on 10-12, approved by the reviewer and the leader in the child
// chain on 10-13, sent on 10-14 and archived on 10-15.
func TestApplication_PlainTwentyDaysReplySentArchived(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	h.rowAt(appAt("2026-09-18 09:01"), "registered", appRowWant{models.AppRegistered, "", "2026-10-22", "running", ""})
	early := h.act(appAt("2026-10-12 09:00"), workflows.UpdateSent, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Method = "当面送达"
		return a
	})
	reply := h.act(appAt("2026-10-12 10:00"), workflows.UpdateReply, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Outcome, a.Text = "disclosed", "经检索，现向您提供《2026年城关镇农村危房改造补助名单》。"
		return a
	})
	var inReview struct {
		item  models.Item
		tasks []models.Task
		state workflows.ItemState
	}
	h.callback(appAt("2026-10-12 10:05"), func() {
		h.checkRow("reply drafted", appRowWant{models.AppReplyReview, "", "2026-10-22", "running", ""})
		if a := h.row(); a.ReplyItemID == nil || *a.ReplyItemID != reply.app.ItemID {
			t.Errorf("applications.reply_item_id %v, want %d", a.ReplyItemID, reply.app.ItemID)
		}
		if its := h.chainItems(); len(its) == 1 {
			inReview.item = its[0]
			inReview.tasks = h.tasksOf(its[0].ID)
		}
		inReview.state = h.chainState(reply.app.ItemID)
	})
	rev := h.approveBy(appAt("2026-10-13 09:00"), replyItem(reply), "reviewer")
	h.rowAt(appAt("2026-10-13 09:05"), "reviewed, not yet approved", appRowWant{models.AppReplyReview, "", "2026-10-22", "running", ""})
	fin := h.approveBy(appAt("2026-10-13 15:00"), replyItem(reply), "leader")
	h.rowAt(appAt("2026-10-13 15:05"), "reply approved", appRowWant{models.AppReplyReady, "", "2026-10-22", "running", ""})
	sent := h.act(appAt("2026-10-14 10:00"), workflows.UpdateSent, func() workflows.AppAction {
		a := h.clerk("2026-10-14")
		a.Method = "邮寄"
		return a
	})
	h.rowAt(appAt("2026-10-14 10:05"), "sent", appRowWant{models.AppReplied, "disclosed", "2026-10-22", "stopped", "2026-10-14"})
	arch := h.act(appAt("2026-10-15 10:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-10-15") })
	h.stopBy(appAt("2026-10-15 12:00"))

	res := h.run()

	if want := (workflows.AppResult{Status: models.AppArchived, Outcome: "disclosed", DueOn: "2026-10-22"}); res != want {
		t.Errorf("workflow result %+v, want %+v", res, want)
	}
	h.refused(early, workflows.ErrInvalidState, "", "sent before any reply")
	r := h.ok(reply, "reply")
	if r.Status != models.AppReplyReview || r.DueOn != "2026-10-22" || r.ItemID == 0 {
		t.Errorf("reply answered %+v, want reply_review due 2026-10-22 with the reply item", r)
	}
	h.ok(rev, "reviewer approves the reply")
	if rev.item.Status != models.ItemInApproval {
		t.Errorf("reviewer's approval answered %+v, want in_approval", rev.item)
	}
	h.ok(fin, "leader approves the reply")
	if fin.item.Status != models.ItemApproved {
		t.Errorf("leader's approval answered %+v, want approved", fin.item)
	}
	if r := h.ok(sent, "sent"); r != (workflows.AppResult{Status: models.AppReplied, Outcome: "disclosed", DueOn: "2026-10-22"}) {
		t.Errorf("sent answered %+v", r)
	}
	if r := h.ok(arch, "archive"); r.Status != models.AppArchived {
		t.Errorf("archive answered %+v", r)
	}

	// The reply item went through the reply chain (负责人审核 then 分管领导审批),
	// submitted by the clerk as its author.
	it := inReview.item
	if it.ID != reply.app.ItemID || it.Kind != models.KindReply || it.AuthorID != h.id("clerk") || it.Column != models.ReplyColumn ||
		it.ApplicationID == nil || *it.ApplicationID != h.app.ID || !strings.Contains(it.Title, appNumber) {
		t.Errorf("reply item %+v", it)
	}
	if inReview.state.Status != models.ItemInReview || inReview.state.In.Kind != models.KindReply || len(inReview.state.Steps) != 2 {
		t.Errorf("reply chain while in review: status %s kind %s steps %v", inReview.state.Status, inReview.state.In.Kind, inReview.state.Steps)
	}
	if len(inReview.tasks) != 1 || inReview.tasks[0].Role != models.RoleReviewer || inReview.tasks[0].DueOn != "2026-10-14" ||
		inReview.tasks[0].ApplicationID == nil || *inReview.tasks[0].ApplicationID != h.app.ID {
		t.Errorf("tasks while in review %+v: want one reviewer task due 2026-10-14 for the application", inReview.tasks)
	}
	var item models.Item
	if err := h.db.First(&item, reply.app.ItemID).Error; err != nil || item.Status != models.ItemApproved {
		t.Errorf("reply item after the chain: %+v %v", item.Status, err)
	}
	ts := h.tasksOf(reply.app.ItemID)
	if len(ts) != 2 || ts[0].State != models.TaskApproved || appUint(ts[0].ActorID) != h.id("reviewer") ||
		ts[1].State != models.TaskApproved || ts[1].Role != models.RoleLeader || appUint(ts[1].ActorID) != h.id("leader") {
		t.Errorf("reply tasks %+v", ts)
	}
	if n := h.itemCount(reply.app.ItemID, "approved", "clerk"); n != 1 {
		t.Errorf("%d approved notifications to the clerk, want 1", n)
	}

	a := h.row()
	if a.SentOn != "2026-10-14" || a.SentMethod != "邮寄" {
		t.Errorf("sent_on/sent_method %q/%q", a.SentOn, a.SentMethod)
	}
	h.checkRow("archived", appRowWant{models.AppArchived, "disclosed", "2026-10-22", "stopped", "2026-10-14"})
	h.checkAudit("register", workflows.UpdateReply, "reply_approved", workflows.UpdateSent, workflows.UpdateArchive)
	if e := h.auditEvent(workflows.UpdateSent); appUint(e.ActorID) != h.id("clerk") || !strings.Contains(e.After, `"outcome":"disclosed"`) {
		t.Errorf("sent audit event actor %d after %s", appUint(e.ActorID), e.After)
	}
	if e := h.auditEvent("register"); e.ActorID != nil {
		t.Errorf("register audit event has actor %d, want none (the workflow)", *e.ActorID)
	}
	// The 补正 reminder went out (09-24, two working days before the
	// 补正 deadline 09-29); the reply reminders never came: replied first.
	h.counts("correction_notice_due_soon", map[string]int{"clerk": 1, "reviewer": 1, "leader": 0})
	for _, k := range []string{"application_due_soon", "application_due_today", "application_overdue"} {
		h.counts(k, map[string]int{"clerk": 0, "reviewer": 0, "leader": 0})
	}
}

// ===========================================================================
// 2. 补正 in time: the clock pauses, then restarts from the corrected date.
// ===========================================================================

// Received Tue 2026-02-10 (补正 notice due 02-26). Notice on 02-12 with a
// period of 10 working days (last day Wed 03-04). The corrected application
// arrives Mon 03-02: 20 working days from then is Mon 03-30.
func TestApplication_CorrectionInTimeRestartsClock(t *testing.T) {
	h := newAppHarness(t, appAt("2026-02-10 09:00"))
	noItems := h.act(appAt("2026-02-12 09:00"), workflows.UpdateCorrectionNotice, func() workflows.AppAction {
		a := h.clerk("2026-02-12")
		a.Items, a.PeriodWorkdays = " ", 10
		return a
	})
	notice := h.act(appAt("2026-02-12 10:00"), workflows.UpdateCorrectionNotice, func() workflows.AppAction {
		a := h.clerk("2026-02-12")
		a.Items, a.PeriodWorkdays = "请写明所需政府信息的名称或文号", 10
		return a
	})
	// While the notice is out the clock is paused: due_on is the date if it
	// resumed on the day of the evaluation (nothing excluded yet: 03-16).
	h.rowAt(appAt("2026-02-12 10:05"), "notice sent", appRowWant{models.AppCorrection, "", "2026-03-16", "paused", ""})
	again := h.act(appAt("2026-02-13 10:00"), workflows.UpdateCorrectionNotice, func() workflows.AppAction {
		a := h.clerk("2026-02-13")
		a.Items, a.PeriodWorkdays = "再次补正", 5
		return a
	})
	early := h.act(appAt("2026-03-02 09:00"), workflows.UpdateCorrected, func() workflows.AppAction { return h.clerk("2026-02-11") })
	corrected := h.act(appAt("2026-03-02 10:00"), workflows.UpdateCorrected, func() workflows.AppAction { return h.clerk("2026-03-02") })
	h.rowAt(appAt("2026-03-02 10:05"), "corrected", appRowWant{models.AppRegistered, "", "2026-03-30", "running", ""})
	// The lapse of the (answered) correction period does nothing.
	h.rowAt(appAt("2026-03-05 01:00"), "after the correction period", appRowWant{models.AppRegistered, "", "2026-03-30", "running", ""})
	wd, arch := h.closeOut(appAt("2026-03-05 10:00"))

	res := h.run()

	if want := (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-03-30"}); res != want {
		t.Errorf("workflow result %+v, want %+v", res, want)
	}
	h.refused(noItems, workflows.ErrValidation, "items", "correction notice without items")
	if r := h.ok(notice, "correction notice"); r.Status != models.AppCorrection {
		t.Errorf("correction notice answered %+v", r)
	}
	h.refused(again, workflows.ErrInvalidState, "", "a second correction notice")
	h.refused(early, workflows.ErrValidation, "received_on", "corrected before the notice")
	if r := h.ok(corrected, "corrected"); r.Status != models.AppRegistered || r.DueOn != "2026-03-30" {
		t.Errorf("corrected answered %+v, want registered due 2026-03-30", r)
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkRow("archived", appRowWant{models.AppArchived, "other", "2026-03-30", "stopped", "2026-03-05"})
	h.checkAudit("register", workflows.UpdateCorrectionNotice, workflows.UpdateCorrected, workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent(workflows.UpdateCorrectionNotice); !strings.Contains(e.After, "请写明所需政府信息的名称或文号") || !strings.Contains(e.After, `"period_workdays":10`) {
		t.Errorf("correction notice audit event after %s", e.After)
	}
	if e := h.auditEvent(workflows.UpdateCorrected); !strings.Contains(e.After, `"kind":"restart"`) {
		t.Errorf("corrected audit event keeps no restart in the clock: %s", e.After)
	}
	// The notice went out before its reminder (02-24): none was sent.
	h.counts("correction_notice_due_soon", map[string]int{"clerk": 0, "reviewer": 0})
}

// ===========================================================================
// 3. 补正 period lapsing.
// ===========================================================================

// Notice on Thu 02-12 with 10 working days: the last day is Wed 03-04 (Sat
// 02-14 and Sat 02-28 are working days, 春节 is not). Nothing arrives: on
// Thu 03-05 at 00:00 the application closes as other_no_correction.
func TestApplication_CorrectionLapses(t *testing.T) {
	h := newAppHarness(t, appAt("2026-02-10 09:00"))
	notice := h.act(appAt("2026-02-12 10:00"), workflows.UpdateCorrectionNotice, func() workflows.AppAction {
		a := h.clerk("2026-02-12")
		a.Items, a.PeriodWorkdays = "请提供身份证明", 10
		return a
	})
	h.rowAt(appAt("2026-03-04 23:59"), "last day of the period", appRowWant{models.AppCorrection, "", "-", "paused", ""})
	// Stopped: the pause 02-12..03-04 excluded, 20 working days end 03-30.
	h.rowAt(appAt("2026-03-05 00:01"), "day after the period", appRowWant{models.AppClosed, "other_no_correction", "2026-03-30", "stopped", "2026-03-04"})
	late := h.act(appAt("2026-03-05 09:00"), workflows.UpdateCorrected, func() workflows.AppAction { return h.clerk("2026-03-05") })
	wd := h.act(appAt("2026-03-05 09:30"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-03-05") })
	arch := h.act(appAt("2026-03-05 10:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-03-05") })
	h.stopBy(appAt("2026-03-05 12:00"))

	res := h.run()

	if want := (workflows.AppResult{Status: models.AppArchived, Outcome: "other_no_correction", DueOn: "2026-03-30"}); res != want {
		t.Errorf("workflow result %+v, want %+v", res, want)
	}
	h.ok(notice, "correction notice")
	h.refused(late, workflows.ErrInvalidState, "", "corrected after the lapse")
	h.refused(wd, workflows.ErrInvalidState, "", "withdraw after the lapse")
	h.ok(arch, "archive")
	h.checkAudit("register", workflows.UpdateCorrectionNotice, "correction_lapsed", workflows.UpdateArchive)
	if e := h.auditEvent("correction_lapsed"); e.ActorID != nil || !strings.Contains(e.After, `"outcome":"other_no_correction"`) {
		t.Errorf("correction_lapsed audit event actor %v after %s", e.ActorID, e.After)
	}
	h.checkRow("archived", appRowWant{models.AppArchived, "other_no_correction", "2026-03-30", "stopped", "2026-03-04"})
}

// ===========================================================================
// 4. Extension through the extension chain.
// ===========================================================================

// Received 09-18, due 10-22. On 10-12 the clerk asks for 20 more working
// days; the reviewer approves in the one-step extension chain on 10-13 and
// the due date becomes Thu 11-19. A second request is refused.
func TestApplication_ExtensionApprovedOnce(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	tooLong := h.act(appAt("2026-10-12 09:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Workdays, a.Reason = 21, "需要调取档案"
		return a
	})
	ext := h.act(appAt("2026-10-12 10:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Workdays, a.Reason = 20, "所需信息需从县档案馆调取"
		return a
	})
	var pending struct {
		item  models.Item
		state workflows.ItemState
	}
	h.callback(appAt("2026-10-12 10:05"), func() {
		h.checkRow("extension requested", appRowWant{models.AppRegistered, "", "2026-10-22", "running", ""})
		if its := h.chainItems(); len(its) == 1 {
			pending.item = its[0]
		}
		pending.state = h.chainState(ext.app.ItemID)
	})
	whilePending := h.act(appAt("2026-10-12 11:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Workdays, a.Reason = 10, "再次申请"
		return a
	})
	byLeader := h.approveBy(appAt("2026-10-13 08:30"), replyItem(ext), "leader")
	approve := h.approveBy(appAt("2026-10-13 09:00"), replyItem(ext), "reviewer")
	h.rowAt(appAt("2026-10-13 09:05"), "extension approved", appRowWant{models.AppRegistered, "", "2026-11-19", "running", ""})
	second := h.act(appAt("2026-10-13 10:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-13")
		a.Workdays, a.Reason = 5, "第二次延期"
		return a
	})
	// The reminders follow the new date: none on the old warning day 10-15.
	ps := []*probe{h.expectAt(appAt("2026-10-15 09:00"), "application_due_soon", "clerk", 0)}
	wd, arch := h.closeOut(appAt("2026-10-16 10:00"))

	res := h.run()

	if want := (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-11-19"}); res != want {
		t.Errorf("workflow result %+v, want %+v", res, want)
	}
	h.refused(tooLong, workflows.ErrValidation, "workdays", "21 working days")
	if r := h.ok(ext, "extension request"); r.Status != models.AppRegistered || r.DueOn != "2026-10-22" || r.ItemID == 0 {
		t.Errorf("extension request answered %+v", r)
	}
	h.refused(whilePending, workflows.ErrInvalidState, "", "a second request while the first is in its chain")
	if byLeader.rejected == nil || byLeader.accepted {
		t.Errorf("the leader decided the extension step (a reviewer's): rejected=%v accepted=%v", byLeader.rejected, byLeader.accepted)
	}
	h.ok(approve, "reviewer approves the extension")
	if approve.item.Status != models.ItemApproved {
		t.Errorf("the extension chain's approval answered %+v, want approved", approve.item)
	}
	h.refused(second, workflows.ErrInvalidState, "", "a second extension")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)

	it := pending.item
	if it.ID != ext.app.ItemID || it.Kind != models.KindExtension || it.AuthorID != h.id("clerk") || !strings.Contains(it.Title, "20 个工作日") {
		t.Errorf("extension item %+v", it)
	}
	if st := pending.state; st.In.Kind != models.KindExtension || len(st.Steps) != 1 || st.Steps[0].Role != models.RoleReviewer {
		t.Errorf("extension chain: kind %s steps %v", st.In.Kind, st.Steps)
	}
	ts := h.tasksOf(ext.app.ItemID)
	if len(ts) != 1 || ts[0].Role != models.RoleReviewer || ts[0].State != models.TaskApproved || appUint(ts[0].ActorID) != h.id("reviewer") {
		t.Errorf("extension tasks %+v", ts)
	}
	h.checkAudit("register", workflows.UpdateExtension, "extension_approved", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent("extension_approved"); !strings.Contains(e.After, `"kind":"extend"`) || !strings.Contains(e.After, `"due_on":"2026-11-19"`) {
		t.Errorf("extension_approved audit event after %s", e.After)
	}
	h.checkRow("archived", appRowWant{models.AppArchived, "other", "2026-11-19", "stopped", "2026-10-16"})
}

// An extension asked for after the due date (10-22) is refused.
func TestApplication_ExtensionAfterDueDateRefused(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	onDue := h.act(appAt("2026-10-22 09:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-23") // a date in the future: validation first
		a.Workdays, a.Reason = 10, "档案调取"
		return a
	})
	late := h.act(appAt("2026-10-23 09:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-10-23")
		a.Workdays, a.Reason = 10, "档案调取"
		return a
	})
	h.rowAt(appAt("2026-10-23 09:05"), "after the refused extension", appRowWant{models.AppRegistered, "", "2026-10-22", "-", ""})
	wd, arch := h.closeOut(appAt("2026-10-23 10:00"))

	res := h.run()

	if res.Status != models.AppArchived || res.DueOn != "2026-10-22" {
		t.Errorf("workflow result %+v", res)
	}
	h.refused(onDue, workflows.ErrValidation, "on", "an extension dated tomorrow")
	h.refused(late, workflows.ErrInvalidState, "", "an extension after the due date")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	if its := h.chainItems(); len(its) != 0 {
		t.Errorf("%d chain items, want none", len(its))
	}
	h.checkAudit("register", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
}

// ===========================================================================
// 5. Consultation pauses.
// ===========================================================================

// Consultation sent Tue 09-22 (received 09-23), answered Fri 10-09: the
// working days 09-22 < d <= 10-09 (09-23, 24, 28, 29, 30, 10-08, 10-09: 7)
// are not counted, across 中秋 and 国庆, so 10-22 becomes Mon 11-02.
func TestApplication_ConsultationAnsweredPausesClock(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	bad := h.act(appAt("2026-09-22 09:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "宁夏某建筑公司", "2026-09-21"
		return a
	})
	consult := h.act(appAt("2026-09-22 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "宁夏某建筑公司", "2026-09-23"
		return a
	})
	h.rowAt(appAt("2026-09-22 10:05"), "consulting", appRowWant{models.AppConsulting, "", "2026-10-22", "paused", ""})
	answer := h.act(appAt("2026-10-09 10:00"), workflows.UpdateConsultReply, func() workflows.AppAction {
		a := h.clerk("2026-10-09")
		if cs := h.consultations(); len(cs) == 1 {
			a.ConsultationID = cs[0].ID
		}
		a.Opinion = "同意公开"
		return a
	})
	h.rowAt(appAt("2026-10-09 10:05"), "answered", appRowWant{models.AppRegistered, "", "2026-11-02", "running", ""})
	again := h.act(appAt("2026-10-09 11:00"), workflows.UpdateConsultReply, func() workflows.AppAction {
		a := h.clerk("2026-10-09")
		if cs := h.consultations(); len(cs) == 1 {
			a.ConsultationID = cs[0].ID
		}
		return a
	})
	// Reminders follow the new date: 5 working days before 11-02 is 10-26.
	ps := h.around(appAt("2026-10-26 08:00"), "application_due_soon", map[string]int{"clerk": 0}, map[string]int{"clerk": 1, "reviewer": 1})
	ps = append(ps, h.expectAt(appAt("2026-10-15 09:00"), "application_due_soon", "clerk", 0))
	wd, arch := h.closeOut(appAt("2026-10-27 10:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-11-02"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.refused(bad, workflows.ErrValidation, "received_on", "received before it was sent")
	if r := h.ok(consult, "consult"); r.Status != models.AppConsulting {
		t.Errorf("consult answered %+v", r)
	}
	if r := h.ok(answer, "consult reply"); r.Status != models.AppRegistered || r.DueOn != "2026-11-02" {
		t.Errorf("consult reply answered %+v, want registered due 2026-11-02", r)
	}
	h.refused(again, workflows.ErrInvalidState, "", "a second answer")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	cs := h.consultations()
	if len(cs) != 1 {
		t.Fatalf("%d consultations, want 1", len(cs))
	}
	if c := cs[0]; c.Kind != "third_party" || c.Party != "宁夏某建筑公司" || c.SentOn != "2026-09-22" || c.ReceivedOn != "2026-09-23" ||
		c.RepliedOn != "2026-10-09" || c.Opinion != "同意公开" {
		t.Errorf("consultation row %+v", c)
	}
	h.checkAudit("register", workflows.UpdateConsult, workflows.UpdateConsultReply, workflows.UpdateAppWithdraw, workflows.UpdateArchive)
}

// Consultation sent Tue 09-22 and received Wed 09-23, never answered: the
// party's 15 working days end Wed 10-21 (中秋 and 国庆 skipped, Sat 10-10
// counted); on Thu 10-22 at 00:00 the clock resumes by itself. Excluded:
// 09-23..10-21, 16 working days, so the due date is Fri 11-13.
func TestApplication_ConsultationUnansweredResumesAfter15Workdays(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	consult := h.act(appAt("2026-09-22 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "organ", "隆德县自然资源局", "2026-09-23"
		return a
	})
	h.rowAt(appAt("2026-10-21 23:59"), "last day of the consultation", appRowWant{models.AppConsulting, "", "-", "paused", ""})
	h.rowAt(appAt("2026-10-22 00:01"), "consultation timed out", appRowWant{models.AppRegistered, "", "2026-11-13", "running", ""})
	// No reply reminders while paused: the old thresholds (10-15, 10-20, 10-22) pass silently.
	ps := []*probe{
		h.expectAt(appAt("2026-10-22 09:00"), "application_due_soon", "clerk", 0),
		h.expectAt(appAt("2026-10-22 09:00"), "application_due_today", "clerk", 0),
	}
	late := h.act(appAt("2026-10-22 09:30"), workflows.UpdateConsultReply, func() workflows.AppAction {
		a := h.clerk("2026-10-22")
		if cs := h.consultations(); len(cs) == 1 {
			a.ConsultationID = cs[0].ID
		}
		return a
	})
	wd, arch := h.closeOut(appAt("2026-10-22 10:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-11-13"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(consult, "consult")
	h.refused(late, workflows.ErrInvalidState, "", "an answer after the time-out")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	h.checkAudit("register", workflows.UpdateConsult, "consultation_timed_out", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent("consultation_timed_out"); e.ActorID != nil || !strings.Contains(e.After, `"due_on":"2026-11-13"`) {
		t.Errorf("consultation_timed_out audit event actor %v after %s", e.ActorID, e.After)
	}
	if cs := h.consultations(); len(cs) != 1 || cs[0].Kind != "organ" || cs[0].ReceivedOn != "2026-09-23" {
		t.Errorf("consultations %+v", cs)
	}
}

// ===========================================================================
// 6. Fee notice: paid, and unpaid.
// ===========================================================================

// Fee notice Mon 09-21, 250 pages per page: 70×10 + 100×20 + 50×40 = 4700
// 元. Paid Tue 09-29: 09-22, 23, 24, 28, 29 (5 working days) are not
// counted, so 10-22 becomes Thu 10-29.
func TestApplication_FeePaidResumesClock(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	both := h.act(appAt("2026-09-21 09:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Method, a.Pages = "per_item", 250
		return a
	})
	notice := h.act(appAt("2026-09-21 10:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Method, a.Pages = "per_page", 250
		return a
	})
	h.rowAt(appAt("2026-09-21 10:05"), "fee notice sent", appRowWant{models.AppFeePending, "", "2026-10-22", "paused", ""})
	second := h.act(appAt("2026-09-22 10:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Method, a.Pages = "per_page", 40
		return a
	})
	early := h.act(appAt("2026-09-29 09:00"), workflows.UpdateFeePaid, func() workflows.AppAction { return h.clerk("2026-09-20") })
	paid := h.act(appAt("2026-09-29 10:00"), workflows.UpdateFeePaid, func() workflows.AppAction { return h.clerk("2026-09-29") })
	h.rowAt(appAt("2026-09-29 10:05"), "fee paid", appRowWant{models.AppRegistered, "", "2026-10-29", "running", ""})
	// The fee lapse (10-26) no longer applies.
	h.rowAt(appAt("2026-10-27 01:00"), "after the payment period", appRowWant{models.AppRegistered, "", "2026-10-29", "running", ""})
	wd, arch := h.closeOut(appAt("2026-10-27 10:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-10-29"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.refused(both, workflows.ErrValidation, "pages", "per item with pages")
	if r := h.ok(notice, "fee notice"); r.Status != models.AppFeePending {
		t.Errorf("fee notice answered %+v", r)
	}
	h.refused(second, workflows.ErrInvalidState, "", "a second fee notice while one is unpaid")
	h.refused(early, workflows.ErrValidation, "paid_on", "paid before the notice")
	if r := h.ok(paid, "fee paid"); r.Status != models.AppRegistered || r.DueOn != "2026-10-29" {
		t.Errorf("fee paid answered %+v", r)
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	fs := h.feeNotices()
	if len(fs) != 1 {
		t.Fatalf("%d fee notices, want 1", len(fs))
	}
	if f := fs[0]; f.Method != "per_page" || f.Pages != 250 || f.Amount != 4700 || f.MonthIndex != 0 || f.NotifiedOn != "2026-09-21" ||
		f.PaidOn != "2026-09-29" || f.Basis == "" {
		t.Errorf("fee notice row %+v", f)
	}
	h.checkAudit("register", workflows.UpdateFeeNotice, workflows.UpdateFeePaid, workflows.UpdateAppWithdraw, workflows.UpdateArchive)
}

// Fee notice Mon 09-21, never paid: 20 working days from the notice end Mon
// 10-26; on Tue 10-27 at 00:00 the application closes as other_fee_unpaid.
func TestApplication_FeeUnpaidCloses(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	notice := h.act(appAt("2026-09-21 10:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Method, a.Pages = "per_page", 250
		return a
	})
	h.rowAt(appAt("2026-10-26 23:59"), "last day to pay", appRowWant{models.AppFeePending, "", "-", "paused", ""})
	h.rowAt(appAt("2026-10-27 00:01"), "unpaid", appRowWant{models.AppClosed, "other_fee_unpaid", "-", "stopped", "2026-10-26"})
	late := h.act(appAt("2026-10-27 09:00"), workflows.UpdateFeePaid, func() workflows.AppAction { return h.clerk("2026-10-27") })
	arch := h.act(appAt("2026-10-27 10:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-10-27") })
	h.stopBy(appAt("2026-10-27 12:00"))
	// No reply reminders while the fee is outstanding, none after closing.
	ps := []*probe{h.expectAt(appAt("2026-10-26 12:00"), "application_due_today", "clerk", 0)}

	res := h.run()

	if res.Status != models.AppArchived || res.Outcome != "other_fee_unpaid" {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(notice, "fee notice")
	h.refused(late, workflows.ErrInvalidState, "", "paid after the lapse")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	fs := h.feeNotices()
	if len(fs) != 1 || fs[0].Amount != 4700 || fs[0].PaidOn != "" {
		t.Errorf("fee notices %+v", fs)
	}
	h.checkAudit("register", workflows.UpdateFeeNotice, "fee_lapsed", workflows.UpdateArchive)
	for _, k := range []string{"application_due_soon", "application_due_today", "application_overdue"} {
		h.counts(k, map[string]int{"clerk": 0, "reviewer": 0, "leader": 0})
	}
}

// ===========================================================================
// 7. Art.35: a later due date, or not processed.
// ===========================================================================

func TestApplication_ExcessiveLaterDueDate(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	earlier := h.act(appAt("2026-09-21 09:00"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.DueOn, a.Reason = "2026-10-22", "一个月内申请 40 件"
		return a
	})
	noReason := h.act(appAt("2026-09-21 09:30"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.DueOn = "2026-11-30"
		return a
	})
	later := h.act(appAt("2026-09-21 10:00"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.DueOn, a.Reason = "2026-11-30", "一个月内申请 40 件"
		return a
	})
	h.rowAt(appAt("2026-09-21 10:05"), "Art.35 due date", appRowWant{models.AppRegistered, "", "2026-11-30", "running", ""})
	// The reminders follow it: 5 working days before Mon 11-30 is Mon 11-23.
	ps := []*probe{h.expectAt(appAt("2026-10-22 09:00"), "application_due_today", "clerk", 0)}
	ps = append(ps, h.around(appAt("2026-11-23 08:00"), "application_due_soon", map[string]int{"clerk": 0}, map[string]int{"clerk": 1})...)
	wd, arch := h.closeOut(appAt("2026-11-23 10:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-11-30"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.refused(earlier, workflows.ErrValidation, "due_on", "a due date not later than 10-22")
	h.refused(noReason, workflows.ErrValidation, "reason", "no reason")
	if r := h.ok(later, "Art.35 due date"); r.DueOn != "2026-11-30" || r.Status != models.AppRegistered {
		t.Errorf("excessive answered %+v", r)
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	h.checkAudit("register", workflows.UpdateExcessive, workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent(workflows.UpdateExcessive); !strings.Contains(e.After, `"kind":"override_due"`) || !strings.Contains(e.After, "一个月内申请 40 件") {
		t.Errorf("excessive audit event after %s", e.After)
	}
}

func TestApplication_ExcessiveNotProcessed(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	closeIt := h.act(appAt("2026-09-21 10:00"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Close, a.Reason = true, "无正当理由大量反复申请"
		return a
	})
	h.rowAt(appAt("2026-09-21 10:05"), "not processed", appRowWant{models.AppClosed, "not_processed_excessive", "2026-10-22", "stopped", "2026-09-21"})
	reply := h.act(appAt("2026-09-21 11:00"), workflows.UpdateReply, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Outcome, a.Text = "disclosed", "答复"
		return a
	})
	arch := h.act(appAt("2026-09-22 10:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-09-22") })
	h.stopBy(appAt("2026-09-22 12:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "not_processed_excessive", DueOn: "2026-10-22"}) {
		t.Errorf("workflow result %+v", res)
	}
	if r := h.ok(closeIt, "not processed"); r.Status != models.AppClosed || r.Outcome != "not_processed_excessive" {
		t.Errorf("excessive close answered %+v", r)
	}
	h.refused(reply, workflows.ErrInvalidState, "", "a reply after closing")
	h.ok(arch, "archive")
	h.checkAudit("register", workflows.UpdateExcessive, workflows.UpdateArchive)
	h.checkRow("archived", appRowWant{models.AppArchived, "not_processed_excessive", "2026-10-22", "stopped", "2026-09-21"})
	// Closed before the 补正 reminder (09-24): no reminders at all.
	h.counts("correction_notice_due_soon", map[string]int{"clerk": 0, "reviewer": 0})
}

// ===========================================================================
// 8. Reminders: each threshold exactly once, at its time, to its people.
// ===========================================================================

// Received Fri 09-18, nothing done. 补正 notice due Tue 09-29: reminder
// two working days before, Thu 09-24 08:00. Reply due Thu 10-22: due soon
// Thu 10-15 (5 working days) and Tue 10-20 (2), due today 10-22, overdue
// daily from Fri 10-23 with the leaders.
func TestApplication_RemindersEachThresholdOnce(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	office0 := map[string]int{"clerk": 0, "reviewer": 0}
	var ps []*probe
	ps = append(ps, h.around(appAt("2026-09-24 08:00"), "correction_notice_due_soon",
		office0, map[string]int{"clerk": 1, "reviewer": 1, "leader": 0, "editor": 0, "admin": 0})...)
	ps = append(ps, h.around(appAt("2026-10-15 08:00"), "application_due_soon",
		office0, map[string]int{"clerk": 1, "reviewer": 1, "leader": 0, "editor": 0})...)
	ps = append(ps, h.around(appAt("2026-10-20 08:00"), "application_due_soon",
		map[string]int{"clerk": 1, "reviewer": 1}, map[string]int{"clerk": 2, "reviewer": 2, "leader": 0})...)
	ps = append(ps, h.around(appAt("2026-10-22 08:00"), "application_due_today",
		office0, map[string]int{"clerk": 1, "reviewer": 1, "leader": 0})...)
	ps = append(ps, h.around(appAt("2026-10-23 08:00"), "application_overdue",
		map[string]int{"clerk": 0, "reviewer": 0, "leader": 0}, map[string]int{"clerk": 1, "reviewer": 1, "leader": 1, "admin": 0, "editor": 0})...)
	ps = append(ps, h.around(appAt("2026-10-24 08:00"), "application_overdue",
		map[string]int{"clerk": 1, "reviewer": 1, "leader": 1}, map[string]int{"clerk": 2, "reviewer": 2, "leader": 2})...)
	// Quiet between thresholds.
	ps = append(ps, h.expectAt(appAt("2026-10-19 23:00"), "application_due_soon", "clerk", 1))
	ps = append(ps, h.expectAt(appAt("2026-10-23 23:00"), "application_overdue", "leader", 1))
	var overdueState string
	h.callback(appAt("2026-10-23 09:00"), func() { overdueState = h.row().ClockState })
	wd, arch := h.closeOut(appAt("2026-10-24 10:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-10-22"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	// The row is only re-evaluated on a transition: still "running" from
	// registration on 10-23, though the clock is overdue.
	if overdueState != "running" && overdueState != "overdue" {
		t.Errorf("clock_state on 10-23 %q", overdueState)
	}
	// Each threshold exactly once, to exactly its people.
	for _, c := range []struct {
		kind string
		want map[string]int
	}{
		{"correction_notice_due_soon", map[string]int{"clerk": 1, "reviewer": 1, "leader": 0, "admin": 0, "editor": 0}},
		{"application_due_soon", map[string]int{"clerk": 2, "reviewer": 2, "leader": 0, "admin": 0, "editor": 0}},
		{"application_due_today", map[string]int{"clerk": 1, "reviewer": 1, "leader": 0, "admin": 0}},
		{"application_overdue", map[string]int{"clerk": 2, "reviewer": 2, "leader": 2, "admin": 0, "editor": 0, "leader2": 0}},
	} {
		h.counts(c.kind, c.want)
	}
	soon := h.appNotes("application_due_soon", "clerk")
	if len(soon) == 2 && (!strings.Contains(soon[0].Message, "还剩 5") || !strings.Contains(soon[1].Message, "还剩 2") ||
		!strings.Contains(soon[1].Message, "2026-10-22") || !strings.Contains(soon[1].Message, appNumber)) {
		t.Errorf("due soon messages %q, %q", soon[0].Message, soon[1].Message)
	}
	if c := h.appNotes("correction_notice_due_soon", "reviewer"); len(c) == 1 && !strings.Contains(c[0].Message, "2026-09-29") {
		t.Errorf("correction reminder %q does not name the deadline 2026-09-29", c[0].Message)
	}
	for _, o := range h.appNotes("application_overdue", "leader") {
		if !strings.Contains(o.Message, "已超过答复期限 2026-10-22") || o.ItemID != nil {
			t.Errorf("overdue reminder %q (item %v)", o.Message, o.ItemID)
		}
	}
	h.checkRow("archived", appRowWant{models.AppArchived, "other", "2026-10-22", "stopped", "2026-10-24"})
	h.checkAudit("register", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
}

// ===========================================================================
// 9. A calendar overlay change re-arms the running clock.
// ===========================================================================

// On 10-13 an admin makes Wed 10-14 a 宁夏 holiday: the reply is due Fri
// 10-23 instead of Thu 10-22, and the reminders move with it (5 working
// days before: Fri 10-16; 2 before: Wed 10-21).
func TestApplication_CalendarChangeMovesDueDateAndReminders(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	h.callback(appAt("2026-10-13 10:00"), func() {
		d, _ := calendar.ParseDate("2026-10-14")
		changed, err := models.ImportCalendarOverlay(h.ctx, h.db, nil, "test",
			[]calendar.Override{{Date: d, Region: "宁夏", Working: false, Name: "临时放假", Source: "宁政办发明电〔2026〕1号"}})
		if err != nil || len(changed) == 0 {
			t.Errorf("import overlay: %v %v", changed, err)
			return
		}
		h.env.SignalWorkflow(calendar.OverlayChangedSignal, calendar.OverlayChanged{Ranges: changed})
	})
	h.rowAt(appAt("2026-10-13 10:05"), "after the calendar change", appRowWant{models.AppRegistered, "", "2026-10-23", "running", ""})
	var ps []*probe
	ps = append(ps, h.expectAt(appAt("2026-10-15 08:01"), "application_due_soon", "clerk", 0))
	ps = append(ps, h.around(appAt("2026-10-16 08:00"), "application_due_soon", map[string]int{"clerk": 0}, map[string]int{"clerk": 1, "reviewer": 1})...)
	ps = append(ps, h.expectAt(appAt("2026-10-20 08:01"), "application_due_soon", "clerk", 1))
	ps = append(ps, h.around(appAt("2026-10-21 08:00"), "application_due_soon", map[string]int{"clerk": 1}, map[string]int{"clerk": 2, "reviewer": 2})...)
	ps = append(ps, h.expectAt(appAt("2026-10-22 08:01"), "application_due_today", "clerk", 0))
	ps = append(ps, h.around(appAt("2026-10-23 08:00"), "application_due_today", map[string]int{"clerk": 0}, map[string]int{"clerk": 1, "reviewer": 1})...)
	ps = append(ps, h.expectAt(appAt("2026-10-23 08:01"), "application_overdue", "leader", 0))
	wd, arch := h.closeOut(appAt("2026-10-23 12:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-10-23"}) {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	h.checkProbes(ps)
	h.counts("application_overdue", map[string]int{"clerk": 0, "reviewer": 0, "leader": 0})
	h.checkAudit("register", "calendar_changed", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent("calendar_changed"); e.ActorID != nil || !strings.Contains(e.Before, `"due_on":"2026-10-22"`) || !strings.Contains(e.After, `"due_on":"2026-10-23"`) {
		t.Errorf("calendar_changed audit event actor %v before %s after %s", e.ActorID, e.Before, e.After)
	}
}

// ===========================================================================
// 10. Refusals, and withdrawal by the applicant.
// ===========================================================================

func TestApplication_RefusalsAndWithdraw(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	type refusal struct {
		o           *appOutcome
		kind, field string
		what        string
	}
	var rs []refusal
	try := func(when, name, kind, field, what string, build func(a *workflows.AppAction)) {
		o := h.act(appAt(when), name, func() workflows.AppAction {
			a := h.clerk(appDay(appAt(when)))
			build(&a)
			return a
		})
		rs = append(rs, refusal{o, kind, field, what})
	}
	none := func(*workflows.AppAction) {}
	// Out of order.
	try("2026-09-21 09:00", workflows.UpdateFeePaid, workflows.ErrInvalidState, "", "fee paid with no notice", none)
	try("2026-09-21 09:01", workflows.UpdateSent, workflows.ErrInvalidState, "", "sent before approval", func(a *workflows.AppAction) { a.Method = "邮寄" })
	try("2026-09-21 09:02", workflows.UpdateCorrected, workflows.ErrInvalidState, "", "corrected with no notice", none)
	try("2026-09-21 09:03", workflows.UpdateConsultReply, workflows.ErrInvalidState, "", "answer to no consultation", func(a *workflows.AppAction) { a.ConsultationID = 99 })
	try("2026-09-21 09:04", workflows.UpdateArchive, workflows.ErrInvalidState, "", "archive while open", none)
	// Dates.
	try("2026-09-21 09:10", workflows.UpdateConsult, workflows.ErrValidation, "sent_on", "consultation before receipt", func(a *workflows.AppAction) {
		a.On, a.Kind, a.Party, a.ReceivedOn = "2026-09-17", "third_party", "某公司", "2026-09-21"
	})
	try("2026-09-21 09:11", workflows.UpdateFeeNotice, workflows.ErrValidation, "notified_on", "fee notice in the future", func(a *workflows.AppAction) {
		a.On, a.Method, a.Pages = "2026-09-22", "per_page", 50
	})
	try("2026-09-21 09:12", workflows.UpdateCorrectionNotice, workflows.ErrValidation, "sent_on", "correction notice dated 2026/09/21", func(a *workflows.AppAction) {
		a.On, a.Items, a.PeriodWorkdays = "2026/09/21", "事项", 5
	})
	try("2026-09-21 09:13", workflows.UpdateAppWithdraw, workflows.ErrValidation, "on", "withdrawal before receipt", func(a *workflows.AppAction) { a.On = "2026-09-01" })
	try("2026-09-21 09:14", workflows.UpdateReply, workflows.ErrValidation, "outcome", "unknown outcome", func(a *workflows.AppAction) {
		a.Outcome, a.Text = "granted", "答复"
	})
	try("2026-09-21 09:15", workflows.UpdateConsult, workflows.ErrValidation, "kind", "unknown consultation kind", func(a *workflows.AppAction) {
		a.Kind, a.Party, a.ReceivedOn = "court", "某公司", "2026-09-21"
	})
	try("2026-09-21 09:16", workflows.UpdateCorrectionNotice, workflows.ErrValidation, "period_workdays", "a period of 0 working days", func(a *workflows.AppAction) {
		a.Items = "事项"
	})
	// Not a clerk.
	for i, who := range []string{"reviewer", "leader", "admin", "editor"} {
		try(fmt.Sprintf("2026-09-21 09:2%d", i), workflows.UpdateConsult, workflows.ErrNotPermitted, "", who+" consults", func(a *workflows.AppAction) {
			a.Actor = h.actor(who)
			a.Kind, a.Party, a.ReceivedOn = "third_party", "某公司", "2026-09-21"
		})
	}
	try("2026-09-21 09:30", workflows.UpdateAppWithdraw, workflows.ErrNotPermitted, "", "withdrawal recorded by the reviewer", func(a *workflows.AppAction) {
		a.Actor = h.actor("reviewer")
	})
	// The refusals wrote nothing.
	var before, after []string
	h.callback(appAt("2026-09-21 08:59"), func() { before = h.auditActions() })
	h.callback(appAt("2026-09-21 09:59"), func() { after = h.auditActions() })
	h.rowAt(appAt("2026-09-21 09:59"), "after the refusals", appRowWant{models.AppRegistered, "", "2026-10-22", "running", ""})

	wd := h.act(appAt("2026-09-21 10:00"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-09-21") })
	h.rowAt(appAt("2026-09-21 10:05"), "withdrawn", appRowWant{models.AppClosed, "other", "2026-10-22", "stopped", "2026-09-21"})
	again := h.act(appAt("2026-09-21 10:10"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-09-21") })
	consult := h.act(appAt("2026-09-21 10:20"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "某公司", "2026-09-21"
		return a
	})
	arch := h.act(appAt("2026-09-22 10:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-09-22") })
	h.stopBy(appAt("2026-09-22 12:00"))

	res := h.run()

	if res != (workflows.AppResult{Status: models.AppArchived, Outcome: "other", DueOn: "2026-10-22"}) {
		t.Errorf("workflow result %+v", res)
	}
	for _, r := range rs {
		h.refused(r.o, r.kind, r.field, r.what)
	}
	if !slices.Equal(before, after) || len(before) != 1 {
		t.Errorf("audit trail around the refusals: before %v after %v", before, after)
	}
	if r := h.ok(wd, "withdraw"); r.Status != models.AppClosed || r.Outcome != "other" {
		t.Errorf("withdraw answered %+v", r)
	}
	h.refused(again, workflows.ErrInvalidState, "", "a second withdrawal")
	h.refused(consult, workflows.ErrInvalidState, "", "consultation after withdrawal")
	h.ok(arch, "archive")
	h.checkAudit("register", workflows.UpdateAppWithdraw, workflows.UpdateArchive)
	if e := h.auditEvent(workflows.UpdateAppWithdraw); appUint(e.ActorID) != h.id("clerk") || !strings.Contains(e.After, "申请人撤回申请") {
		t.Errorf("withdraw audit event actor %d after %s", appUint(e.ActorID), e.After)
	}
	h.checkRow("archived", appRowWant{models.AppArchived, "other", "2026-10-22", "stopped", "2026-09-21"})
}

func appUint(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}
