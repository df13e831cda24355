package workflows_test

// Workflow unit tests of ItemReview on the Temporal test environment
// (time-skipping) with the real activities on a fresh SQLite database seeded
// with the demo agencies and users. Every test drives the workflow with
// Updates at fixed instants (Asia/Shanghai) and checks what the chain wrote:
// items, tasks, notifications and audit events, and the workflow's result.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/workflows"
)

// cst is Asia/Shanghai (UTC+8, no daylight saving), without tzdata.
var cst = time.FixedZone("CST", 8*3600)

// at parses "2006-01-02 15:04" in Asia/Shanghai.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// recordingSender remembers what the activities handed to the Sender.
type recordingSender struct {
	mu   sync.Mutex
	sent []models.Notification
}

func (s *recordingSender) Send(_ context.Context, n models.Notification, to *models.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.UserID != to.ID {
		return fmt.Errorf("notification for user %d delivered to %d", n.UserID, to.ID)
	}
	s.sent = append(s.sent, n)
	return nil
}

func (s *recordingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

type harness struct {
	t      *testing.T
	ctx    context.Context
	db     *gorm.DB
	env    *testsuite.TestWorkflowEnvironment
	start  time.Time
	agency *models.Agency
	item   models.Item
	in     workflows.ItemInput
	acts   *activities.Activities
	sender *recordingSender
	seq    int
	prober
}

// newHarness seeds a fresh database, creates a draft item by the demo
// editor formed on the start date, and registers the workflow and the real
// activities.
func newHarness(t *testing.T, start time.Time) *harness {
	h := newBareHarness(t, start)
	h.env.RegisterActivity(h.acts)
	return h
}

// newBareHarness is newHarness without activity registration.
func newBareHarness(t *testing.T, start time.Time) *harness {
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
	h := &harness{t: t, ctx: ctx, db: db, start: start, agency: agency, sender: &recordingSender{}}
	h.prober = prober{t: t, callback: h.callback, count: h.count}
	h.item = models.Item{
		AgencyID: agency.ID, IndexNo: "chengguan-2026-00001", Title: "关于秋季森林防火的通告", Summary: "秋季防火期安排",
		Body: "正文", Column: "通知公告", FormedOn: start.In(cst).Format("2006-01-02"), Status: models.ItemDraft,
		Version: 1, Revision: 1, AuthorID: h.user("editor").ID,
	}
	if err := db.Create(&h.item).Error; err != nil {
		t.Fatalf("create item: %v", err)
	}
	h.in = workflows.ItemInput{ItemID: h.item.ID, AgencyID: agency.ID, AuthorID: h.item.AuthorID, Region: "宁夏", FormedOn: h.item.FormedOn}
	h.acts = &activities.Activities{DB: db, Logger: discard, Sender: h.sender}

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(discard))
	h.env = suite.NewTestWorkflowEnvironment()
	h.env.SetStartTime(start)
	h.env.RegisterWorkflowWithOptions(workflows.ItemReview, workflow.RegisterOptions{Name: workflows.ItemReviewWorkflow})
	return h
}

// --- users ---------------------------------------------------------------

func (h *harness) user(username string) *models.User {
	h.t.Helper()
	u, err := models.UserByUsername(h.ctx, h.db, username)
	if err != nil {
		h.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

// addUser creates a user of chengguan with the given roles.
func (h *harness) addUser(username string, roles ...string) *models.User {
	h.t.Helper()
	u := &models.User{AgencyID: h.agency.ID, Username: username, DisplayName: username, PasswordHash: "x"}
	if err := models.CreateUser(h.ctx, h.db, u, roles); err != nil {
		h.t.Fatalf("create user %s: %v", username, err)
	}
	return h.user(username)
}

// actor is the user as the API would authenticate them: id and roles.
func (h *harness) actor(username string) workflows.Actor {
	u := h.user(username)
	return workflows.Actor{UserID: u.ID, Roles: u.RoleList()}
}

func (h *harness) id(username string) uint { return h.user(username).ID }

// --- requests --------------------------------------------------------------

func hashOf(body string) string {
	return models.ContentHash("关于秋季森林防火的通告", "秋季防火期安排", body, "通知公告", "", nil)
}

var (
	hashV1 = hashOf("正文")
	hashV2 = hashOf("正文（已补充附件）")
)

func (h *harness) submitReq(by string, revision int, hash string, editors ...string) workflows.SubmitRequest {
	ids := []uint{}
	for _, e := range editors {
		ids = append(ids, h.id(e))
	}
	return workflows.SubmitRequest{
		Actor: h.actor(by), Revision: revision, ContentHash: hash, EditorIDs: ids,
		Steps: slices.Clone(models.DefaultChain), Title: h.item.Title, Column: h.item.Column,
	}
}

func (h *harness) decision(by string, taskID uint, comment string) workflows.DecisionRequest {
	return workflows.DecisionRequest{Actor: h.actor(by), TaskID: taskID, Comment: comment}
}

// --- driving the workflow --------------------------------------------------

// outcome records what became of one Update.
type outcome struct {
	name      string
	when      time.Time
	delivered bool
	accepted  bool
	rejected  error // by the validator: nothing in history
	completed bool
	result    workflows.ItemResult
	err       error // returned by the handler
}

// refusal is the ApplicationError type that refused or failed the Update.
func (o *outcome) refusal() string {
	err := o.rejected
	if err == nil {
		err = o.err
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	if err != nil {
		return "untyped: " + err.Error()
	}
	return ""
}

// callback runs f at the instant when, on the workflow's clock.
func (h *harness) callback(when time.Time, f func()) {
	h.t.Helper()
	d := when.Sub(h.start)
	if d < 0 {
		h.t.Fatalf("callback at %v is before the start %v", when, h.start)
	}
	h.env.RegisterDelayedCallback(f, d)
}

// update sends the Update name at when; build makes its argument then, so
// it may use results of earlier Updates.
func (h *harness) update(when time.Time, name string, build func() any) *outcome {
	o := &outcome{name: name, when: when}
	h.callback(when, func() { h.send(o, build()) })
	return o
}

// send delivers an Update now (inside a callback).
func (h *harness) send(o *outcome, arg any) {
	o.delivered = true
	h.seq++
	h.env.UpdateWorkflow(o.name, fmt.Sprintf("%s-%d", o.name, h.seq), &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejected = err },
		OnComplete: func(r any, err error) {
			o.completed, o.err = true, err
			switch v := r.(type) {
			case workflows.ItemResult:
				o.result = v
			case *workflows.ItemResult:
				o.result = *v
			}
		},
	}, arg)
}

// run executes the workflow to its end and returns its result.
func (h *harness) run() workflows.ItemResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.ItemReviewWorkflow, h.in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	var r workflows.ItemResult
	if err := h.env.GetWorkflowResult(&r); err != nil {
		h.t.Fatalf("workflow result: %v", err)
	}
	return r
}

// state queries the workflow's state (inside a callback).
func (h *harness) state() workflows.ItemState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.QueryItemState)
	if err != nil {
		h.t.Errorf("query state: %v", err)
		return workflows.ItemState{}
	}
	var s workflows.ItemState
	if err := v.Get(&s); err != nil {
		h.t.Errorf("decode state: %v", err)
	}
	return s
}

// --- assertions on outcomes ------------------------------------------------

// ok asserts the Update was accepted and completed without error.
func (h *harness) ok(o *outcome, what string) workflows.ItemResult {
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
	return o.result
}

// refused asserts the validator rejected the Update with kind: it was
// never accepted, so it wrote nothing to history.
func (h *harness) refused(o *outcome, kind, what string) {
	h.t.Helper()
	if !o.delivered {
		h.t.Errorf("%s (%s): never delivered", what, o.name)
		return
	}
	if o.accepted || o.rejected == nil {
		h.t.Errorf("%s (%s): want rejected by the validator with %s; accepted=%v completed=%v err=%v", what, o.name, kind, o.accepted, o.completed, o.err)
		return
	}
	if got := o.refusal(); got != kind {
		h.t.Errorf("%s (%s): refused with %q (%v), want %q", what, o.name, got, o.rejected, kind)
	}
}

// failed asserts the Update did not succeed, refused by its validator or
// failed by its handler's re-check, with kind.
func (h *harness) failed(o *outcome, kind, what string) {
	h.t.Helper()
	if !o.delivered {
		h.t.Errorf("%s (%s): never delivered", what, o.name)
		return
	}
	if o.rejected == nil && o.err == nil {
		h.t.Errorf("%s (%s): succeeded with %+v, want %s", what, o.name, o.result, kind)
		return
	}
	if got := o.refusal(); got != kind {
		h.t.Errorf("%s (%s): refused with %q (rejected=%v err=%v), want %q", what, o.name, got, o.rejected, o.err, kind)
	}
}

// --- database --------------------------------------------------------------

func (h *harness) itemRow() models.Item {
	h.t.Helper()
	var it models.Item
	if err := h.db.First(&it, h.item.ID).Error; err != nil {
		h.t.Fatalf("load item: %v", err)
	}
	return it
}

// load reads the rows of T that match query, in id order; a failure ends
// the test.
func load[T any](t *testing.T, db *gorm.DB, query string, args ...any) []T {
	t.Helper()
	var rows []T
	if err := db.Where(query, args...).Order("id").Find(&rows).Error; err != nil {
		t.Fatalf("load %T: %v", rows, err)
	}
	return rows
}

func (h *harness) tasks() []models.Task {
	h.t.Helper()
	return load[models.Task](h.t, h.db, "item_id = ?", h.item.ID)
}

func (h *harness) notifications() []models.Notification {
	h.t.Helper()
	return load[models.Notification](h.t, h.db, "item_id = ?", h.item.ID)
}

// notes are the notifications of kind to username.
func (h *harness) notes(kind, username string) []models.Notification {
	h.t.Helper()
	uid := h.id(username)
	var out []models.Notification
	for _, n := range h.notifications() {
		if n.Kind == kind && n.UserID == uid {
			out = append(out, n)
		}
	}
	return out
}

func (h *harness) count(kind, username string) int { return len(h.notes(kind, username)) }

// countKind counts notifications of kind to anyone.
func (h *harness) countKind(kind string) int {
	n := 0
	for _, x := range h.notifications() {
		if x.Kind == kind {
			n++
		}
	}
	return n
}

func (h *harness) audit() []models.AuditEvent {
	h.t.Helper()
	es, err := models.AuditTrail(h.ctx, h.db, "item", strconv.FormatUint(uint64(h.item.ID), 10))
	if err != nil {
		h.t.Fatalf("audit trail: %v", err)
	}
	return es
}

func (h *harness) auditActions() []string {
	var out []string
	for _, e := range h.audit() {
		out = append(out, e.Action)
	}
	return out
}

// snapshot is everything an Update could write.
type snapshot struct {
	Status        string
	Tasks         []models.Task
	Notifications int
	Audit         int
}

func (h *harness) snapshot() snapshot {
	return snapshot{Status: h.itemRow().Status, Tasks: h.tasks(), Notifications: len(h.notifications()), Audit: len(h.audit())}
}

// unchangedAround takes a snapshot just before and just after when, to show
// that what happened at when wrote nothing.
func (h *harness) unchangedAround(when time.Time, what string) {
	var before snapshot
	var took bool
	h.callback(when.Add(-time.Second), func() { before = h.snapshot() })
	h.callback(when.Add(time.Second), func() {
		took = true
		if after := h.snapshot(); !reflect.DeepEqual(before, after) {
			h.t.Errorf("%s wrote something:\nbefore %+v\nafter  %+v", what, before, after)
		}
	})
	h.t.Cleanup(func() {
		if !took && !h.t.Failed() {
			h.t.Errorf("%s: the check after it never ran", what)
		}
	})
}

func uintp(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

// checkTask asserts one task row's step, state, due date and actor.
func (h *harness) checkTask(tk models.Task, round, step int, stepName, state, due, actor string) {
	h.t.Helper()
	if tk.Round != round || tk.Step != step || tk.StepName != stepName {
		h.t.Errorf("task %d: round/step %d/%d %s, want %d/%d %s", tk.ID, tk.Round, tk.Step, tk.StepName, round, step, stepName)
	}
	if tk.State != state {
		h.t.Errorf("task %d (%s r%d): state %s, want %s", tk.ID, tk.StepName, tk.Round, tk.State, state)
	}
	if tk.DueOn != due {
		h.t.Errorf("task %d (%s r%d): due_on %s, want %s", tk.ID, tk.StepName, tk.Round, tk.DueOn, due)
	}
	if tk.AgencyID != h.agency.ID || tk.ItemID != h.item.ID || tk.Title != h.item.Title || tk.Column != h.item.Column {
		h.t.Errorf("task %d: agency/item/title/column %d/%d/%s/%s", tk.ID, tk.AgencyID, tk.ItemID, tk.Title, tk.Column)
	}
	wantRole := models.RoleReviewer
	if stepName == "approve" {
		wantRole = models.RoleLeader
	}
	if tk.Role != wantRole {
		h.t.Errorf("task %d: role %s, want %s", tk.ID, tk.Role, wantRole)
	}
	if state == models.TaskOpen {
		if tk.ActorID != nil || tk.ClosedAt != nil {
			h.t.Errorf("open task %d has actor %v closed_at %v", tk.ID, tk.ActorID, tk.ClosedAt)
		}
		return
	}
	if tk.ClosedAt == nil {
		h.t.Errorf("task %d (%s): closed_at not set", tk.ID, state)
	}
	if got, want := uintp(tk.ActorID), h.id(actor); got != want {
		h.t.Errorf("task %d (%s): actor_id %d, want %s (%d)", tk.ID, state, got, actor, want)
	}
}

// ===========================================================================
// 1. The full chain.
// ===========================================================================

// Thu 2026-09-24: the review step (2 working days) skips 中秋节 and the
// weekend (09-25..27) and is due Tue 09-29; the approve step opened the same
// day (3 working days) is due Wed 09-30. Art.26: 20 working days from 09-24,
// skipping 国庆节 and counting Sat 10-10, is Thu 10-29.
func TestItemReview_FullChainPublishes(t *testing.T) {
	h := newHarness(t, at("2026-09-24 09:00"))
	sub := h.update(at("2026-09-24 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	var afterSubmit, afterReview snapshot
	var stateAfterSubmit workflows.ItemState
	h.callback(at("2026-09-24 09:10"), func() { afterSubmit, stateAfterSubmit = h.snapshot(), h.state() })
	rev := h.update(at("2026-09-24 14:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	h.callback(at("2026-09-24 14:10"), func() { afterReview = h.snapshot() })
	app := h.update(at("2026-09-24 16:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "同意发布") })

	res := h.run()

	if want := (workflows.ItemResult{Status: models.ItemPublished}); res != want {
		t.Errorf("workflow result %+v, want %+v", res, want)
	}
	r1 := h.ok(sub, "submit")
	if r1.Status != models.ItemInReview || r1.Step != "review" || r1.DueOn != "2026-09-29" || r1.TaskID == 0 {
		t.Errorf("submit answered %+v, want in_review at review due 2026-09-29", r1)
	}
	r2 := h.ok(rev, "reviewer approves")
	if r2.Status != models.ItemInApproval || r2.Step != "approve" || r2.DueOn != "2026-09-30" || r2.TaskID == 0 || r2.TaskID == r1.TaskID {
		t.Errorf("review approval answered %+v, want in_approval at approve due 2026-09-30", r2)
	}
	if r3 := h.ok(app, "leader approves"); r3 != (workflows.ItemResult{Status: models.ItemPublished}) {
		t.Errorf("final approval answered %+v, want published", r3)
	}

	// The item moved draft → in_review → in_approval → published.
	if afterSubmit.Status != models.ItemInReview {
		t.Errorf("status after submit %s, want in_review", afterSubmit.Status)
	}
	if afterReview.Status != models.ItemInApproval {
		t.Errorf("status after review %s, want in_approval", afterReview.Status)
	}
	if len(afterSubmit.Tasks) != 1 || afterSubmit.Tasks[0].State != models.TaskOpen || afterSubmit.Tasks[0].DueOn != "2026-09-29" {
		t.Errorf("after submit: tasks %+v, want one open review task due 2026-09-29", afterSubmit.Tasks)
	}
	if stateAfterSubmit.TaskDue != "2026-09-29" || stateAfterSubmit.TaskRemindOn != "2026-09-28" || stateAfterSubmit.Dates.PublishDue != "2026-10-29" ||
		stateAfterSubmit.Dates.PublishWarn5 != "2026-10-22" || stateAfterSubmit.Dates.PublishWarn2 != "2026-10-27" {
		t.Errorf("state after submit: task due %s remind %s, dates %+v", stateAfterSubmit.TaskDue, stateAfterSubmit.TaskRemindOn, stateAfterSubmit.Dates)
	}
	it := h.itemRow()
	if it.Status != models.ItemPublished || it.PublishedAt == nil {
		t.Errorf("item status %s published_at %v, want published with a time", it.Status, it.PublishedAt)
	}
	if it.PublishDue != "2026-10-29" {
		t.Errorf("publish_due %q, want 2026-10-29", it.PublishDue)
	}

	// Exactly one task per step, each approved by its decider.
	ts := h.tasks()
	if len(ts) != 2 {
		t.Fatalf("%d tasks, want 2: %+v", len(ts), ts)
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-29", "reviewer")
	h.checkTask(ts[1], 1, 1, "approve", models.TaskApproved, "2026-09-30", "leader")
	if ts[0].ID != r1.TaskID || ts[1].ID != r2.TaskID {
		t.Errorf("task ids %d,%d; Updates answered %d,%d", ts[0].ID, ts[1].ID, r1.TaskID, r2.TaskID)
	}
	if ts[1].Comment != "同意发布" {
		t.Errorf("approve comment %q", ts[1].Comment)
	}
	if ts[0].Revision != 1 || ts[0].AssigneeID != nil {
		t.Errorf("review task revision %d assignee %v", ts[0].Revision, ts[0].AssigneeID)
	}

	// Notifications: each step's role hears of its task; the author of the
	// publication; nobody is told about their own action; no reminders.
	for _, c := range []struct {
		kind, user string
		n          int
	}{
		{"task_opened", "reviewer", 1}, {"task_opened", "leader", 1}, {"task_opened", "editor", 0}, {"task_opened", "admin", 0},
		{"published", "editor", 1}, {"published", "leader", 0},
	} {
		if got := h.count(c.kind, c.user); got != c.n {
			t.Errorf("%s notifications to %s: %d, want %d", c.kind, c.user, got, c.n)
		}
	}
	if n := h.notes("task_opened", "reviewer"); len(n) == 1 && uintp(n[0].TaskID) != r1.TaskID {
		t.Errorf("reviewer's task_opened names task %d, want %d", uintp(n[0].TaskID), r1.TaskID)
	}
	if n := h.notes("task_opened", "leader"); len(n) == 1 && uintp(n[0].TaskID) != r2.TaskID {
		t.Errorf("leader's task_opened names task %d, want %d", uintp(n[0].TaskID), r2.TaskID)
	}
	if all := h.notifications(); len(all) != 3 {
		t.Errorf("%d notifications, want 3: %+v", len(all), all)
	}
	// Others' users hear nothing.
	for _, u := range []string{"editor2", "reviewer2", "leader2"} {
		for _, n := range h.notifications() {
			if n.UserID == h.id(u) {
				t.Errorf("user %s of another agency notified: %+v", u, n)
			}
		}
	}
	if got := h.sender.count(); got != 3 {
		t.Errorf("sender got %d notifications, want 3", got)
	}

	// The audit trail: one event per transition, by its actor.
	es := h.audit()
	want := []struct {
		action, actor string
	}{{"submit", "editor"}, {"approve", "reviewer"}, {"publish", "leader"}}
	if len(es) != len(want) {
		t.Fatalf("audit %v, want %v", h.auditActions(), want)
	}
	for i, w := range want {
		if es[i].Action != w.action || uintp(es[i].ActorID) != h.id(w.actor) || uintp(es[i].AgencyID) != h.agency.ID {
			t.Errorf("audit[%d] = %s by %d, want %s by %s", i, es[i].Action, uintp(es[i].ActorID), w.action, w.actor)
		}
	}
}

// ===========================================================================
// 2. Return and resubmission.
// ===========================================================================

// Mon 2026-09-14: review due Wed 09-16, approve (opened 09-14) due Thu 09-17.
func TestItemReview_ReturnThenResubmitUnchangedResumesAtReturningStep(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	ret := h.update(at("2026-09-14 11:00"), workflows.UpdateReturn, func() any { return h.decision("leader", rev.result.TaskID, "请补充附件") })
	var afterReturn snapshot
	var retState workflows.ItemState
	h.callback(at("2026-09-14 11:30"), func() { afterReturn, retState = h.snapshot(), h.state() })
	// A decision while returned has no open task.
	stale := h.update(at("2026-09-14 11:40"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })
	h.unchangedAround(at("2026-09-14 11:40"), "approve while returned")
	resub := h.update(at("2026-09-15 09:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	var resumed workflows.ItemState
	h.callback(at("2026-09-15 09:10"), func() { resumed = h.state() })
	// The reviewer's old task is closed; the reviewer has no open task.
	oldReview := h.update(at("2026-09-15 09:20"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-15 10:00"), workflows.UpdateApprove, func() any { return h.decision("leader", resub.result.TaskID, "") })

	res := h.run()
	if res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v, want published", res)
	}
	h.ok(sub, "submit")
	h.ok(rev, "review approval")
	if r := h.ok(ret, "leader returns"); r.Status != models.ItemReturned || r.TaskID != 0 {
		t.Errorf("return answered %+v, want returned without a task", r)
	}
	h.refused(stale, workflows.ErrTaskClosed, "approve while returned")
	h.refused(oldReview, workflows.ErrTaskClosed, "reviewer on the closed review task")

	if afterReturn.Status != models.ItemReturned {
		t.Errorf("status after return %s, want returned", afterReturn.Status)
	}
	if len(afterReturn.Tasks) != 2 {
		t.Fatalf("tasks after return: %+v", afterReturn.Tasks)
	}
	h.checkTask(afterReturn.Tasks[1], 1, 1, "approve", models.TaskReturned, "2026-09-17", "leader")
	if afterReturn.Tasks[1].Comment != "请补充附件" {
		t.Errorf("return comment %q", afterReturn.Tasks[1].Comment)
	}
	if retState.TaskID != 0 || len(retState.Approvals) != 1 {
		t.Errorf("state after return: task %d approvals %+v", retState.TaskID, retState.Approvals)
	}

	// Unchanged resubmission resumes at the approve step, opened 09-15:
	// due Fri 09-18 (3 working days).
	r := h.ok(resub, "resubmit unchanged")
	if r.Status != models.ItemInApproval || r.Step != "approve" || r.DueOn != "2026-09-18" {
		t.Errorf("unchanged resubmission answered %+v, want in_approval at approve due 2026-09-18", r)
	}
	if resumed.Round != 2 || resumed.Step != 1 || len(resumed.Approvals) != 1 || resumed.Approvals[0].UserID != h.id("reviewer") || resumed.Approvals[0].Step != 0 {
		t.Errorf("after resuming: round %d step %d approvals %+v, want round 2 step 1 with the reviewer's approval", resumed.Round, resumed.Step, resumed.Approvals)
	}
	h.ok(fin, "leader approves after resumption")

	// Three tasks: the review once (the reviewer's approval still counts),
	// the approve step twice.
	ts := h.tasks()
	if len(ts) != 3 {
		t.Fatalf("%d tasks, want 3: %+v", len(ts), ts)
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "reviewer")
	h.checkTask(ts[1], 1, 1, "approve", models.TaskReturned, "2026-09-17", "leader")
	h.checkTask(ts[2], 2, 1, "approve", models.TaskApproved, "2026-09-18", "leader")
	if ts[2].ID != r.TaskID {
		t.Errorf("resumed task %d, answered %d", ts[2].ID, r.TaskID)
	}
	it := h.itemRow()
	if it.Status != models.ItemPublished || it.PublishedAt == nil {
		t.Errorf("item %s published_at %v", it.Status, it.PublishedAt)
	}

	// The return told the author and the reviewer who had approved, with
	// the comment; not the leader who returned it.
	for _, c := range []struct {
		user string
		n    int
	}{{"editor", 1}, {"reviewer", 1}, {"leader", 0}, {"admin", 0}} {
		if got := h.count("returned", c.user); got != c.n {
			t.Errorf("returned notifications to %s: %d, want %d", c.user, got, c.n)
		}
	}
	for _, n := range h.notes("returned", "reviewer") {
		if !strings.Contains(n.Message, "请补充附件") || !strings.Contains(n.Message, "分管领导审批") {
			t.Errorf("returned message %q lacks the comment or the step", n.Message)
		}
	}
	// The leader heard of the approve task twice (once per round), the
	// reviewer of the review task once.
	if got := h.count("task_opened", "leader"); got != 2 {
		t.Errorf("task_opened to leader: %d, want 2", got)
	}
	if got := h.count("task_opened", "reviewer"); got != 1 {
		t.Errorf("task_opened to reviewer: %d, want 1", got)
	}
	if got, want := h.auditActions(), []string{"submit", "approve", "return", "resubmit_unchanged", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

func TestItemReview_ReturnThenResubmitChangedRestartsChain(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	ret := h.update(at("2026-09-14 11:00"), workflows.UpdateReturn, func() any { return h.decision("leader", rev.result.TaskID, "数据有误") })
	// Resubmitted on Fri 09-18 with new content: back to review, due Mon
	// 09-21 (Sat off, Sun 09-20 a make-up working day).
	resub := h.update(at("2026-09-18 09:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 2, hashV2, "editor") })
	var restarted workflows.ItemState
	h.callback(at("2026-09-18 09:10"), func() { restarted = h.state() })
	// The leader cannot act until the chain reaches the approve step again.
	early := h.update(at("2026-09-18 09:20"), workflows.UpdateApprove, func() any { return h.decision("leader", resub.result.TaskID, "") })
	rev2 := h.update(at("2026-09-18 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", resub.result.TaskID, "") })
	fin := h.update(at("2026-09-18 11:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev2.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(ret, "return")
	r := h.ok(resub, "resubmit changed")
	if r.Status != models.ItemInReview || r.Step != "review" || r.DueOn != "2026-09-21" {
		t.Errorf("changed resubmission answered %+v, want in_review at review due 2026-09-21", r)
	}
	if restarted.Round != 2 || restarted.Step != 0 || len(restarted.Approvals) != 0 || restarted.Revision != 2 || restarted.Hash != hashV2 {
		t.Errorf("after restart: round %d step %d approvals %+v revision %d", restarted.Round, restarted.Step, restarted.Approvals, restarted.Revision)
	}
	h.refused(early, workflows.ErrNotPermitted, "leader on the restarted review step")
	// The approve step opened 09-18 is due Tue 09-22 (Sun 09-20 counts).
	if r := h.ok(rev2, "review again"); r.DueOn != "2026-09-22" {
		t.Errorf("second review answered %+v, want approve due 2026-09-22", r)
	}
	h.ok(fin, "final approval")

	ts := h.tasks()
	if len(ts) != 4 {
		t.Fatalf("%d tasks, want 4", len(ts))
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "reviewer")
	h.checkTask(ts[1], 1, 1, "approve", models.TaskReturned, "2026-09-17", "leader")
	h.checkTask(ts[2], 2, 0, "review", models.TaskApproved, "2026-09-21", "reviewer")
	h.checkTask(ts[3], 2, 1, "approve", models.TaskApproved, "2026-09-22", "leader")
	if ts[2].Revision != 2 || ts[3].Revision != 2 {
		t.Errorf("round 2 tasks carry revisions %d,%d, want 2", ts[2].Revision, ts[3].Revision)
	}
	if got := h.count("returned", "reviewer"); got != 1 {
		t.Errorf("returned to the earlier approver: %d, want 1", got)
	}
	if got := h.count("returned", "editor"); got != 1 {
		t.Errorf("returned to the author: %d, want 1", got)
	}
	if got := h.count("task_opened", "reviewer"); got != 2 {
		t.Errorf("task_opened to reviewer: %d, want 2 (one per round)", got)
	}
	if got, want := h.auditActions(), []string{"submit", "approve", "return", "resubmit_changed", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// A return at the first step tells only the author (nobody approved yet);
// an unchanged resubmission resumes at review.
func TestItemReview_ReturnAtReviewNotifiesAuthorOnly(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	ret := h.update(at("2026-09-14 10:00"), workflows.UpdateReturn, func() any { return h.decision("reviewer", sub.result.TaskID, "标题不规范") })
	resub := h.update(at("2026-09-16 09:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-16 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", resub.result.TaskID, "") })
	fin := h.update(at("2026-09-16 11:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(ret, "return at review")
	// Opened Wed 09-16: due Fri 09-18.
	if r := h.ok(resub, "resubmit"); r.Step != "review" || r.Status != models.ItemInReview || r.DueOn != "2026-09-18" {
		t.Errorf("resubmission answered %+v, want review due 2026-09-18", r)
	}
	h.ok(rev, "review")
	h.ok(fin, "approve")
	if got := h.countKind("returned"); got != 1 || h.count("returned", "editor") != 1 {
		t.Errorf("returned notifications: %d in all, %d to the editor; want only the editor's", got, h.count("returned", "editor"))
	}
	ts := h.tasks()
	if len(ts) != 3 {
		t.Fatalf("%d tasks", len(ts))
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskReturned, "2026-09-16", "reviewer")
	h.checkTask(ts[1], 2, 0, "review", models.TaskApproved, "2026-09-18", "reviewer")
	// Opened Wed 09-16: 3 working days are 09-17, 09-18 and Sun 09-20 (make-up day).
	h.checkTask(ts[2], 2, 1, "approve", models.TaskApproved, "2026-09-20", "leader")
}

// ===========================================================================
// 3. Withdrawal.
// ===========================================================================

func TestItemReview_WithdrawFromReviewCancelsOpenTask(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("editor_b", models.RoleEditor)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	byReviewer := h.update(at("2026-09-14 10:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("reviewer")} })
	h.unchangedAround(at("2026-09-14 10:00"), "withdraw by the reviewer")
	byOtherEditor := h.update(at("2026-09-14 10:10"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor_b")} })
	h.unchangedAround(at("2026-09-14 10:10"), "withdraw by another editor")
	wd := h.update(at("2026-09-14 11:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	res := h.run()
	if res != (workflows.ItemResult{Status: models.ItemWithdrawn}) {
		t.Errorf("workflow result %+v, want withdrawn", res)
	}
	h.ok(sub, "submit")
	h.refused(byReviewer, workflows.ErrNotPermitted, "withdraw by the reviewer")
	h.refused(byOtherEditor, workflows.ErrNotPermitted, "withdraw by another editor")
	if r := h.ok(wd, "withdraw by the author"); r != (workflows.ItemResult{Status: models.ItemWithdrawn}) {
		t.Errorf("withdraw answered %+v", r)
	}
	it := h.itemRow()
	if it.Status != models.ItemWithdrawn || it.PublishedAt != nil {
		t.Errorf("item %s published_at %v, want withdrawn", it.Status, it.PublishedAt)
	}
	ts := h.tasks()
	if len(ts) != 1 {
		t.Fatalf("%d tasks", len(ts))
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskCancelled, "2026-09-16", "editor")
	if got, want := h.auditActions(), []string{"submit", "withdraw"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
	// The workflow ended: its reminders died with it.
	for _, k := range []string{"task_due_soon", "task_overdue", "publish_due_soon", "publish_overdue"} {
		if n := h.countKind(k); n != 0 {
			t.Errorf("%d %s notifications after withdrawal", n, k)
		}
	}
}

// A withdrawal from the approve step cancels the approve task and leaves
// the approved review task as it was.
func TestItemReview_WithdrawFromApprovalAndFromReturned(t *testing.T) {
	t.Run("in_approval", func(t *testing.T) {
		h := newHarness(t, at("2026-09-14 09:00"))
		sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
		rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
		wd := h.update(at("2026-09-14 11:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
		if res := h.run(); res.Status != models.ItemWithdrawn {
			t.Errorf("workflow result %+v", res)
		}
		h.ok(rev, "review")
		h.ok(wd, "withdraw")
		ts := h.tasks()
		if len(ts) != 2 {
			t.Fatalf("%d tasks", len(ts))
		}
		h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "reviewer")
		h.checkTask(ts[1], 1, 1, "approve", models.TaskCancelled, "2026-09-17", "editor")
	})
	t.Run("returned", func(t *testing.T) {
		h := newHarness(t, at("2026-09-14 09:00"))
		sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
		ret := h.update(at("2026-09-14 10:00"), workflows.UpdateReturn, func() any { return h.decision("reviewer", sub.result.TaskID, "不宜公开") })
		wd := h.update(at("2026-09-14 11:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
		if res := h.run(); res.Status != models.ItemWithdrawn {
			t.Errorf("workflow result %+v", res)
		}
		h.ok(ret, "return")
		h.ok(wd, "withdraw")
		ts := h.tasks()
		if len(ts) != 1 {
			t.Fatalf("%d tasks", len(ts))
		}
		h.checkTask(ts[0], 1, 0, "review", models.TaskReturned, "2026-09-16", "reviewer")
		if it := h.itemRow(); it.Status != models.ItemWithdrawn {
			t.Errorf("item %s", it.Status)
		}
	})
}

// A withdrawal that races the final approval loses: the validator let it in
// (the item was still in_approval), the handler's re-check under the lock
// finds the item published. After that the workflow is over.
func TestItemReview_WithdrawAfterPublicationImpossible(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	fin := &outcome{name: workflows.UpdateApprove, when: at("2026-09-14 11:00")}
	wd := &outcome{name: workflows.UpdateWithdraw, when: at("2026-09-14 11:00")}
	h.callback(at("2026-09-14 11:00"), func() {
		h.send(fin, h.decision("leader", rev.result.TaskID, ""))
		h.send(wd, workflows.WithdrawRequest{Actor: h.actor("editor")})
	})
	// Registered after publication: the workflow has ended by then.
	late := h.update(at("2026-09-15 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	res := h.run()
	if res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v, want published", res)
	}
	h.ok(fin, "final approval")
	h.failed(wd, workflows.ErrInvalidState, "withdraw racing the final approval")
	// The workflow completed at publication: an Update sent later finds
	// nothing to run on (the server answers "workflow execution already
	// completed"); in the test environment it is simply never run.
	if late.accepted || late.completed {
		t.Errorf("a withdrawal after publication ran: %+v", late)
	}
	if !h.env.IsWorkflowCompleted() {
		t.Error("workflow still running after publication")
	}
	it := h.itemRow()
	if it.Status != models.ItemPublished || it.PublishedAt == nil {
		t.Errorf("item %s published_at %v, want published", it.Status, it.PublishedAt)
	}
	for _, tk := range h.tasks() {
		if tk.State != models.TaskApproved {
			t.Errorf("task %d (%s) is %s, want approved", tk.ID, tk.StepName, tk.State)
		}
	}
	if got, want := h.auditActions(), []string{"submit", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// ===========================================================================
// 4. Segregation of duties and the other refusals.
// ===========================================================================

func TestItemReview_SegregationOfDutiesAndRefusals(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	// The author also holds the reviewer role: authorship still bars them.
	if err := models.SetUserRoles(h.ctx, h.db, h.user("editor"), []string{models.RoleEditor, models.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	h.addUser("revlead", models.RoleReviewer, models.RoleLeader)

	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	type refusal struct {
		what, kind string
		o          *outcome
	}
	var refusals []refusal
	refuse := func(when string, what, kind, name string, build func() any) {
		w := at(when)
		refusals = append(refusals, refusal{what, kind, h.update(w, name, build)})
		h.unchangedAround(w, what)
	}
	refuse("2026-09-14 09:30", "the author approves", workflows.ErrSeparationOfDuties, workflows.UpdateApprove,
		func() any { return h.decision("editor", sub.result.TaskID, "") })
	refuse("2026-09-14 09:40", "the author returns", workflows.ErrSeparationOfDuties, workflows.UpdateReturn,
		func() any { return h.decision("editor", sub.result.TaskID, "自己退回") })
	refuse("2026-09-14 09:50", "the leader decides the review step", workflows.ErrNotPermitted, workflows.UpdateApprove,
		func() any { return h.decision("leader", sub.result.TaskID, "") })
	refuse("2026-09-14 10:00", "a clerk decides the review step", workflows.ErrNotPermitted, workflows.UpdateApprove,
		func() any { return h.decision("clerk", sub.result.TaskID, "") })
	refuse("2026-09-14 10:10", "return without a comment", workflows.ErrValidation, workflows.UpdateReturn,
		func() any { return h.decision("reviewer", sub.result.TaskID, "  \t") })
	refuse("2026-09-14 10:20", "approve an unknown task", workflows.ErrTaskClosed, workflows.UpdateApprove,
		func() any { return h.decision("reviewer", sub.result.TaskID+100, "") })
	refuse("2026-09-14 10:30", "submit while in review", workflows.ErrInvalidState, workflows.UpdateSubmit,
		func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	// revlead (reviewer and leader) decides the review step...
	rev := h.update(at("2026-09-14 11:00"), workflows.UpdateApprove, func() any { return h.decision("revlead", sub.result.TaskID, "") })
	// ...and may not decide the approve step too.
	refuse("2026-09-14 11:30", "one person decides two steps", workflows.ErrSeparationOfDuties, workflows.UpdateApprove,
		func() any { return h.decision("revlead", rev.result.TaskID, "") })
	refuse("2026-09-14 11:40", "one person returns at a second step", workflows.ErrSeparationOfDuties, workflows.UpdateReturn,
		func() any { return h.decision("revlead", rev.result.TaskID, "再看看") })
	refuse("2026-09-14 11:50", "approve the closed review task", workflows.ErrTaskClosed, workflows.UpdateApprove,
		func() any { return h.decision("leader", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(sub, "submit")
	h.ok(rev, "revlead reviews")
	h.ok(fin, "leader approves")
	for _, r := range refusals {
		h.refused(r.o, r.kind, r.what)
	}
	ts := h.tasks()
	if len(ts) != 2 {
		t.Fatalf("%d tasks", len(ts))
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "revlead")
	h.checkTask(ts[1], 1, 1, "approve", models.TaskApproved, "2026-09-17", "leader")
	if got, want := h.auditActions(), []string{"submit", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// Everyone listed as an editor of any submitted revision is barred from
// deciding, even with a deciding role, and even on a later round.
func TestItemReview_EditorOfRevisionMayNotDecide(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("editrev", models.RoleEditor, models.RoleReviewer)
	h.addUser("reviewer_b", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	// editrev, not yet an editor of the item, reviews and returns it.
	ret := h.update(at("2026-09-14 10:00"), workflows.UpdateReturn, func() any { return h.decision("editrev", sub.result.TaskID, "我来改") })
	// editrev saves revision 2; the author resubmits it.
	resub := h.update(at("2026-09-14 11:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 2, hashV2, "editor", "editrev") })
	self := h.update(at("2026-09-14 11:30"), workflows.UpdateApprove, func() any { return h.decision("editrev", resub.result.TaskID, "") })
	h.unchangedAround(at("2026-09-14 11:30"), "an editor of revision 2 approves")
	selfRet := h.update(at("2026-09-14 11:40"), workflows.UpdateReturn, func() any { return h.decision("editrev", resub.result.TaskID, "x") })
	// Nor may anyone assign the task to them.
	assign := h.update(at("2026-09-14 11:50"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("admin"), TaskID: resub.result.TaskID, AssigneeID: h.id("editrev"), AssigneeRoles: []string{models.RoleEditor, models.RoleReviewer}}
	})
	h.unchangedAround(at("2026-09-14 11:50"), "assigning to an editor")
	// A third round by the author alone: editrev stays barred.
	ret2 := h.update(at("2026-09-14 12:00"), workflows.UpdateReturn, func() any { return h.decision("reviewer", resub.result.TaskID, "还需修改") })
	resub2 := h.update(at("2026-09-14 13:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 3, hashOf("v3"), "editor") })
	self2 := h.update(at("2026-09-14 13:30"), workflows.UpdateApprove, func() any { return h.decision("editrev", resub2.result.TaskID, "") })
	rev := h.update(at("2026-09-14 14:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer_b", resub2.result.TaskID, "") })
	fin := h.update(at("2026-09-14 15:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(ret, "editrev returns before editing")
	h.ok(resub, "resubmit with editrev's revision")
	h.refused(self, workflows.ErrSeparationOfDuties, "editrev approves a revision they edited")
	h.refused(selfRet, workflows.ErrSeparationOfDuties, "editrev returns a revision they edited")
	h.refused(assign, workflows.ErrSeparationOfDuties, "assign to an editor of the item")
	h.ok(ret2, "reviewer returns")
	h.ok(resub2, "third round")
	h.refused(self2, workflows.ErrSeparationOfDuties, "editrev on a later round")
	h.ok(rev, "reviewer_b reviews")
	h.ok(fin, "leader approves")
}

// Submissions the validator refuses.
func TestItemReview_SubmitRefusals(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	var checks []func()
	bad := func(when, what, kind string, build func() any) {
		o := h.update(at(when), workflows.UpdateSubmit, build)
		h.unchangedAround(at(when), what)
		checks = append(checks, func() { h.refused(o, kind, what) })
	}
	bad("2026-09-14 09:10", "submit by a reviewer", workflows.ErrNotPermitted, func() any { return h.submitReq("reviewer", 1, hashV1, "editor") })
	bad("2026-09-14 09:20", "submit without a hash", workflows.ErrValidation, func() any { return h.submitReq("editor", 1, "", "editor") })
	bad("2026-09-14 09:30", "submit without a revision", workflows.ErrValidation, func() any { return h.submitReq("editor", 0, hashV1, "editor") })
	bad("2026-09-14 09:40", "submit with a one-step chain", workflows.ErrValidation, func() any {
		r := h.submitReq("editor", 1, hashV1, "editor")
		r.Steps = r.Steps[:1]
		return r
	})
	bad("2026-09-14 09:50", "submit with an editor step", workflows.ErrValidation, func() any {
		r := h.submitReq("editor", 1, hashV1, "editor")
		r.Steps = []models.ChainStep{{Name: "review", Role: models.RoleEditor, Workdays: 2}, {Name: "approve", Role: models.RoleLeader, Workdays: 3}}
		return r
	})
	wd := h.update(at("2026-09-14 10:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(wd, "withdraw a draft")
	for _, c := range checks {
		c()
	}
	if ts := h.tasks(); len(ts) != 0 {
		t.Errorf("tasks %+v, want none", ts)
	}
	if got, want := h.auditActions(), []string{"withdraw"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// ===========================================================================
// 5. Assignment.
// ===========================================================================

func TestItemReview_AssignByHolder(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("reviewer_b", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	assignTo := func(by, to string, roles ...string) func() any {
		return func() any {
			return workflows.AssignRequest{Actor: h.actor(by), TaskID: sub.result.TaskID, AssigneeID: h.id(to), AssigneeRoles: roles}
		}
	}
	noRole := h.update(at("2026-09-14 09:30"), workflows.UpdateAssign, assignTo("reviewer", "leader", models.RoleLeader))
	h.unchangedAround(at("2026-09-14 09:30"), "assign to someone without the role")
	byLeader := h.update(at("2026-09-14 09:40"), workflows.UpdateAssign, assignTo("leader", "reviewer_b", models.RoleReviewer))
	h.unchangedAround(at("2026-09-14 09:40"), "assign by a non-holder")
	stale := h.update(at("2026-09-14 09:50"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("reviewer"), TaskID: sub.result.TaskID + 7, AssigneeID: h.id("reviewer_b"), AssigneeRoles: []string{models.RoleReviewer}}
	})
	toAuthor := h.update(at("2026-09-14 09:55"), workflows.UpdateAssign, assignTo("admin", "editor", models.RoleEditor, models.RoleReviewer))
	h.unchangedAround(at("2026-09-14 09:55"), "assign to the author")
	as := h.update(at("2026-09-14 10:00"), workflows.UpdateAssign, assignTo("reviewer", "reviewer_b", models.RoleReviewer))
	var assigned []models.Task
	var assignedState workflows.ItemState
	h.callback(at("2026-09-14 10:05"), func() { assigned, assignedState = h.tasks(), h.state() })
	former := h.update(at("2026-09-14 10:30"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	h.unchangedAround(at("2026-09-14 10:30"), "the former holder approves")
	formerRet := h.update(at("2026-09-14 10:40"), workflows.UpdateReturn, func() any { return h.decision("reviewer", sub.result.TaskID, "退回") })
	formerAssign := h.update(at("2026-09-14 10:50"), workflows.UpdateAssign, assignTo("reviewer", "reviewer", models.RoleReviewer))
	rev := h.update(at("2026-09-14 11:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer_b", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.refused(noRole, workflows.ErrValidation, "assign to someone without the role")
	h.refused(byLeader, workflows.ErrNotPermitted, "assign by someone who does not hold the task")
	h.refused(stale, workflows.ErrTaskClosed, "assign another task")
	h.refused(toAuthor, workflows.ErrSeparationOfDuties, "assign to the author")
	if r := h.ok(as, "the holder assigns"); r.TaskID != sub.result.TaskID || r.Step != "review" || r.Status != models.ItemInReview {
		t.Errorf("assign answered %+v", r)
	}
	if len(assigned) != 1 || uintp(assigned[0].AssigneeID) != h.id("reviewer_b") || uintp(assigned[0].AssignedBy) != h.id("reviewer") || assigned[0].State != models.TaskOpen {
		t.Errorf("after assignment: tasks %+v, want assignee reviewer_b assigned by reviewer", assigned)
	}
	if assignedState.AssigneeID != h.id("reviewer_b") {
		t.Errorf("state assignee %d", assignedState.AssigneeID)
	}
	h.refused(former, workflows.ErrNotPermitted, "the former holder approves")
	h.refused(formerRet, workflows.ErrNotPermitted, "the former holder returns")
	h.refused(formerAssign, workflows.ErrNotPermitted, "the former holder reassigns")
	h.ok(rev, "the assignee approves")
	h.ok(fin, "leader approves")

	n := h.notes("assigned", "reviewer_b")
	if len(n) != 1 || uintp(n[0].TaskID) != sub.result.TaskID || !strings.Contains(n[0].Message, "负责人审核") {
		t.Errorf("assigned notifications to reviewer_b: %+v", n)
	}
	if got := h.countKind("assigned"); got != 1 {
		t.Errorf("%d assigned notifications, want 1", got)
	}
	ts := h.tasks()
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "reviewer_b")
	if got, want := h.auditActions(), []string{"submit", "assign", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// An admin, without the step's role, may assign; the assignee decides.
func TestItemReview_AdminAssignsApproveStep(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("leader_b", models.RoleLeader)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	as := h.update(at("2026-09-14 11:00"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("admin"), TaskID: rev.result.TaskID, AssigneeID: h.id("leader_b"), AssigneeRoles: []string{models.RoleLeader}}
	})
	leader := h.update(at("2026-09-14 11:30"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })
	fin := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("leader_b", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(as, "admin assigns")
	h.refused(leader, workflows.ErrNotPermitted, "the other leader after assignment")
	h.ok(fin, "the assignee approves")
	ts := h.tasks()
	if len(ts) != 2 {
		t.Fatalf("%d tasks", len(ts))
	}
	if uintp(ts[1].AssigneeID) != h.id("leader_b") || uintp(ts[1].AssignedBy) != h.id("admin") {
		t.Errorf("approve task assignee %d by %d", uintp(ts[1].AssigneeID), uintp(ts[1].AssignedBy))
	}
	h.checkTask(ts[1], 1, 1, "approve", models.TaskApproved, "2026-09-17", "leader_b")
	if got := h.count("assigned", "leader_b"); got != 1 {
		t.Errorf("assigned notifications to leader_b: %d", got)
	}
}

// Assigning a step to someone who already decided another step of the item
// is refused like assigning it to an editor: they could not decide it
// (one person, one step), and the assignment would lock the step's other
// holders out of it.
func TestItemReview_AssignToDeciderOfAnotherStepRefused(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("revlead", models.RoleReviewer, models.RoleLeader)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("revlead", sub.result.TaskID, "") })
	as := h.update(at("2026-09-14 11:00"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("admin"), TaskID: rev.result.TaskID, AssigneeID: h.id("revlead"), AssigneeRoles: []string{models.RoleReviewer, models.RoleLeader}}
	})
	h.unchangedAround(at("2026-09-14 11:00"), "assigning the approve step to the reviewer of the item")
	fin := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })
	// Ends the workflow if the approve step got stuck.
	h.update(at("2026-09-15 12:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	res := h.run()
	h.ok(rev, "revlead reviews")
	h.refused(as, workflows.ErrSeparationOfDuties, "assign the approve step to the one who reviewed")
	h.ok(fin, "a leader approves")
	if res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v, want published", res)
	}
}

// A second assignment of the same task (the admin reassigns what the holder
// had assigned) must reach the database and the new assignee like the first.
func TestItemReview_ReassignSameTaskTwice(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("reviewer_b", models.RoleReviewer)
	h.addUser("reviewer_c", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	first := h.update(at("2026-09-14 10:00"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("reviewer"), TaskID: sub.result.TaskID, AssigneeID: h.id("reviewer_b"), AssigneeRoles: []string{models.RoleReviewer}}
	})
	second := h.update(at("2026-09-14 11:00"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("admin"), TaskID: sub.result.TaskID, AssigneeID: h.id("reviewer_c"), AssigneeRoles: []string{models.RoleReviewer}}
	})
	var afterSecond []models.Task
	h.callback(at("2026-09-14 11:05"), func() { afterSecond = h.tasks() })
	byB := h.update(at("2026-09-14 11:30"), workflows.UpdateApprove, func() any { return h.decision("reviewer_b", sub.result.TaskID, "") })
	byC := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer_c", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-14 13:00"), workflows.UpdateApprove, func() any { return h.decision("leader", byC.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(first, "first assignment")
	h.ok(second, "admin reassigns")
	h.refused(byB, workflows.ErrNotPermitted, "the first assignee after reassignment")
	h.ok(byC, "the second assignee approves")
	h.ok(fin, "leader approves")
	if len(afterSecond) != 1 || uintp(afterSecond[0].AssigneeID) != h.id("reviewer_c") || uintp(afterSecond[0].AssignedBy) != h.id("admin") {
		var a, b uint
		if len(afterSecond) == 1 {
			a, b = uintp(afterSecond[0].AssigneeID), uintp(afterSecond[0].AssignedBy)
		}
		t.Errorf("after the admin's reassignment tasks.assignee_id=%d assigned_by=%d, want reviewer_c (%d) by admin (%d): the workflow thinks reviewer_c holds the task, the inbox says otherwise",
			a, b, h.id("reviewer_c"), h.id("admin"))
	}
	if got := h.count("assigned", "reviewer_c"); got != 1 {
		t.Errorf("assigned notifications to reviewer_c: %d, want 1", got)
	}
	if got, want := h.auditActions(), []string{"submit", "assign", "assign", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// ===========================================================================
// 6. Concurrent decisions.
// ===========================================================================

func TestItemReview_ConcurrentApprovalsOnlyOneWins(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("reviewer_b", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	a := &outcome{name: workflows.UpdateApprove, when: at("2026-09-14 10:00")}
	b := &outcome{name: workflows.UpdateApprove, when: at("2026-09-14 10:00")}
	h.callback(at("2026-09-14 10:00"), func() {
		h.send(a, h.decision("reviewer", sub.result.TaskID, "A"))
		h.send(b, h.decision("reviewer_b", sub.result.TaskID, "B"))
	})
	var st workflows.ItemState
	h.callback(at("2026-09-14 10:30"), func() { st = h.state() })
	fin := h.update(at("2026-09-14 11:00"), workflows.UpdateApprove, func() any { return h.decision("leader", st.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(fin, "leader approves")
	winner, loser, winnerName := a, b, "reviewer"
	if a.rejected != nil || a.err != nil {
		winner, loser, winnerName = b, a, "reviewer_b"
	}
	h.ok(winner, "the first approval")
	h.failed(loser, workflows.ErrTaskClosed, "the concurrent approval")
	if len(st.Approvals) != 1 || st.Approvals[0].UserID != h.id(winnerName) {
		t.Errorf("approvals %+v, want only %s's", st.Approvals, winnerName)
	}
	ts := h.tasks()
	if len(ts) != 2 {
		t.Fatalf("%d tasks, want 2: %+v", len(ts), ts)
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", winnerName)
	h.checkTask(ts[1], 1, 1, "approve", models.TaskApproved, "2026-09-17", "leader")
	if got, want := h.auditActions(), []string{"submit", "approve", "publish"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
	if got := h.count("task_opened", "leader"); got != 1 {
		t.Errorf("task_opened to leader %d, want 1", got)
	}
}

// A return and an approval of the same task at once: one wins, the item is
// in exactly one state.
func TestItemReview_ConcurrentReturnAndApprove(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("reviewer_b", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	ret := &outcome{name: workflows.UpdateReturn}
	app := &outcome{name: workflows.UpdateApprove}
	h.callback(at("2026-09-14 10:00"), func() {
		h.send(ret, h.decision("reviewer", sub.result.TaskID, "退回"))
		h.send(app, h.decision("reviewer_b", sub.result.TaskID, ""))
	})
	var after snapshot
	h.callback(at("2026-09-14 10:30"), func() { after = h.snapshot() })
	wd := h.update(at("2026-09-14 11:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(wd, "withdraw")
	retOK := ret.rejected == nil && ret.err == nil
	appOK := app.rejected == nil && app.err == nil
	if retOK == appOK {
		t.Fatalf("return ok=%v approve ok=%v: want exactly one (return %v/%v, approve %v/%v)", retOK, appOK, ret.rejected, ret.err, app.rejected, app.err)
	}
	if retOK {
		h.failed(app, workflows.ErrTaskClosed, "approve after the return")
		if after.Status != models.ItemReturned || len(after.Tasks) != 1 || after.Tasks[0].State != models.TaskReturned {
			t.Errorf("after return: %+v", after)
		}
	} else {
		h.failed(ret, workflows.ErrTaskClosed, "return after the approval")
		if after.Status != models.ItemInApproval || len(after.Tasks) != 2 {
			t.Errorf("after approval: %+v", after)
		}
	}
}

// A return is a decision too: whoever returned one step may not decide
// another step of the same content.
func TestItemReview_ReturnCountsAsDecidingAStep(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("boss", models.RoleReviewer, models.RoleLeader)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	h.update(at("2026-09-14 10:00"), workflows.UpdateReturn, func() any { return h.decision("boss", sub.result.TaskID, "格式不对") })
	resub := h.update(at("2026-09-14 11:00"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 12:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", resub.result.TaskID, "") })
	barred := h.update(at("2026-09-14 13:00"), workflows.UpdateApprove, func() any { return h.decision("boss", rev.result.TaskID, "") })
	h.unchangedAround(at("2026-09-14 13:00"), "boss deciding a second step")
	fin := h.update(at("2026-09-14 14:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })
	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v, want published", res)
	}
	h.refused(barred, workflows.ErrSeparationOfDuties, "boss approving after returning the review step")
	h.ok(fin, "leader approves")
}
