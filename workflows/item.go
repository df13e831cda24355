// Package workflows holds gongkai's Temporal workflows. Workflow code is
// deterministic: every date that depends on the holiday calendar is computed
// by an activity and kept in workflow state, so a calendar library upgrade
// cannot change what a replay sees.
package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
	"gongkai/models"
)

// ItemReview names and its Update and query names: the API and the
// workflow agree on these.
const (
	ItemReviewWorkflow = "ItemReview"
	UpdateSubmit       = "submit"
	UpdateApprove      = "approve"
	UpdateReturn       = "return"
	UpdateWithdraw     = "withdraw"
	UpdateAssign       = "assign"
	QueryItemState     = "state"
)

// Refusal types (temporal ApplicationError types) that the API maps to HTTP
// answers. A refusal by a validator leaves nothing in history.
const (
	ErrSeparationOfDuties = "separation_of_duties" // 403
	ErrNotPermitted       = "forbidden"            // 403
	ErrTaskClosed         = "task_closed"          // 409
	ErrInvalidState       = "invalid_state"        // 409
	ErrValidation         = "validation_failed"    // 400
)

// ItemWorkflowID is the deterministic workflow id of an item's chain.
func ItemWorkflowID(itemID uint) string { return fmt.Sprintf("item-%d", itemID) }

// ItemInput starts an item's workflow when the item is created: the Art.26
// clock runs from then.
type ItemInput struct {
	ItemID   uint
	AgencyID uint
	AuthorID uint
	Region   string // the agency's holiday region
	FormedOn string // 生成日期, YYYY-MM-DD
	// Kind is models.KindPublication ("" means the same), or KindReply /
	// KindExtension for a disclosure application's reply or extension
	// request: those end approved, not published, and have no Art.26 clock.
	Kind              string
	ApplicationID     uint
	ApplicationNumber string
	// Submit, when set, submits the item as the workflow starts: a reply's
	// chain starts when the application's workflow drafts it.
	Submit *SubmitRequest
}

func (in ItemInput) publication() bool { return in.Kind == "" || in.Kind == models.KindPublication }

// Actor is who asks for a decision, as the API authenticated them.
type Actor struct {
	UserID uint
	Roles  []string
}

func (a Actor) has(role string) bool { return slices.Contains(a.Roles, role) }

// SubmitRequest submits (or resubmits) the item's current revision.
type SubmitRequest struct {
	Actor       Actor
	Revision    int
	ContentHash string
	EditorIDs   []uint             // everyone who saved any revision: none of them may decide a step
	Steps       []models.ChainStep // the agency's chain for the item's column, read at submission
	Title       string
	Column      string
}

// DecisionRequest approves or returns the open task.
type DecisionRequest struct {
	Actor   Actor
	TaskID  uint
	Comment string
}

// WithdrawRequest withdraws the item (its author only).
type WithdrawRequest struct{ Actor Actor }

// AssignRequest names the person who must act on the open task.
type AssignRequest struct {
	Actor         Actor
	TaskID        uint
	AssigneeID    uint
	AssigneeRoles []string
}

// ItemResult is what every Update answers: the state after it.
type ItemResult struct {
	Status string `json:"status"`
	TaskID uint   `json:"task_id,omitempty"`
	Step   string `json:"step,omitempty"`
	DueOn  string `json:"due_on,omitempty"`
}

type approval struct {
	UserID   uint
	Step     int
	Revision int
}

// ItemState is the workflow's state, also answered by QueryItemState.
type ItemState struct {
	In           ItemInput
	Status       string
	Round        int
	Steps        []models.ChainStep
	Step         int
	TaskID       uint
	TaskOpenedOn string
	TaskDue      string
	TaskRemindOn string
	AssigneeID   uint
	Title        string
	Column       string
	Revision     int
	Hash         string // content hash the current approvals are bound to
	Editors      []uint
	Approvals    []approval
	Returns      []approval // who returned the item at which step: a return decides a step too
	Dates        activities.ItemDates
	Sent         []string // reminder keys already delivered
	Transitions  int      // transitions applied so far; numbers each one's idempotency key
}

var acts *activities.Activities // method values name the activities

func activityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
}

// changeLocalActivities: from version 1 an item's transitions and date
// refreshes run as local activities, inside the workflow task of the Update
// that asks for them. A decision then costs one workflow task instead of an
// Update, an activity task and a second workflow task (measured in
// docs/benchmarks.md). Histories written before keep their regular activities.
const changeLocalActivities = "local-activities"

// localActivityCtx: one attempt may take 30 s (longer than SQLite's 10 s
// busy timeout); attempts go on for a week, as the regular activities they
// replace retried without end: a database outage must not fail an item's
// workflow, whose state the tables mirror.
func localActivityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
}

// execute runs one of the item's database activities, local or regular as
// the workflow's version says.
func execute(ctx workflow.Context, activity, arg any) workflow.Future {
	if workflow.GetVersion(ctx, changeLocalActivities, workflow.DefaultVersion, 1) == 1 {
		return workflow.ExecuteLocalActivity(localActivityCtx(ctx), activity, arg)
	}
	return workflow.ExecuteActivity(activityCtx(ctx), activity, arg)
}

func refuse(kind, msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, kind, temporal.ApplicationErrorOptions{NonRetryable: true})
}

// refuseField is a validation refusal naming the request field at fault;
// the API reads the field from the error's details.
func refuseField(field, msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, ErrValidation, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{field}})
}

// ItemReview runs one item from creation to publication or withdrawal:
// the review chain, each step's due date, the Art.26 publication clock and
// every reminder, as durable timers.
func ItemReview(ctx workflow.Context, in ItemInput) (ItemResult, error) {
	s := &ItemState{In: in, Status: models.ItemDraft}
	w := &itemWorkflow{s: s, mu: workflow.NewMutex(ctx)}
	if err := workflow.SetQueryHandler(ctx, QueryItemState, func() (ItemState, error) { return *s, nil }); err != nil {
		return ItemResult{}, err
	}
	for _, h := range []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateSubmit, w.submit, w.validateSubmit},
		{UpdateApprove, w.approve, w.validateApprove},
		{UpdateReturn, w.giveBack, w.validateReturn},
		{UpdateWithdraw, w.withdraw, w.validateWithdraw},
		{UpdateAssign, w.assign, w.validateAssign},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return ItemResult{}, err
		}
	}
	onCalendarChange(ctx, w.mu, w.refreshDates)

	// The first refresh holds the mutex, so that it and a submission that
	// arrived with the start (update-with-start runs before this) take turns.
	if err := w.mu.Lock(ctx); err != nil {
		return ItemResult{}, err
	}
	err := w.refreshDates(ctx)
	w.mu.Unlock()
	if err != nil {
		return ItemResult{}, err
	}
	if in.Submit != nil {
		if _, err := w.submit(ctx, *in.Submit); err != nil {
			return ItemResult{}, err
		}
	}
	for !w.finished() {
		if err := w.sendDueReminders(ctx); err != nil {
			return ItemResult{}, err
		}
		seq := w.seq
		next, ok := w.nextReminder()
		if err := waitUntil(ctx, next, ok, func() bool { return w.seq != seq || w.finished() }); err != nil {
			return ItemResult{}, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return ItemResult{}, err
	}
	return w.result(), nil
}

type itemWorkflow struct {
	s   *ItemState
	mu  workflow.Mutex
	seq int // bumps on every state change, waking the reminder loop
}

func (w *itemWorkflow) finished() bool {
	switch w.s.Status {
	case models.ItemPublished, models.ItemWithdrawn, models.ItemApproved:
		return true
	}
	return false
}

func (w *itemWorkflow) result() ItemResult {
	r := ItemResult{Status: w.s.Status}
	if w.s.TaskID != 0 {
		r.TaskID, r.Step, r.DueOn = w.s.TaskID, w.s.Steps[w.s.Step].Name, w.s.TaskDue
	}
	return r
}

func (w *itemWorkflow) inReview() bool {
	return w.s.Status == models.ItemInReview || w.s.Status == models.ItemInApproval
}

// --- validators: they run before anything is written to history -------

func (w *itemWorkflow) validateSubmit(req SubmitRequest) error {
	s := w.s
	if s.Status != models.ItemDraft && s.Status != models.ItemReturned {
		return refuse(ErrInvalidState, "只有草稿或退回的信息可以提交（当前状态 "+s.Status+"）")
	}
	if s.In.publication() && !req.Actor.has(models.RoleEditor) {
		return refuse(ErrNotPermitted, "只有编辑人员可以提交")
	}
	if !s.In.publication() && !req.Actor.has(models.RoleClerk) {
		return refuse(ErrNotPermitted, "只有依申请公开经办人可以提交答复或延期申请")
	}
	if req.Revision < 1 || req.ContentHash == "" {
		return refuseField("revision", "缺少修订版本")
	}
	if s.Status == models.ItemDraft || req.ContentHash != s.Hash {
		if err := models.ValidateChainFor(s.In.Kind, req.Steps); err != nil {
			return refuseField("steps", "审核流程配置无效："+err.Error())
		}
	}
	return nil
}

// validateDecision holds the rules every approve and return must pass:
// the task is the open one, the actor may act on it, and segregation of
// duties holds.
func (w *itemWorkflow) validateDecision(req DecisionRequest) error {
	s := w.s
	if !w.inReview() || req.TaskID != s.TaskID {
		return refuse(ErrTaskClosed, "该待办已办结或已失效")
	}
	if slices.Contains(s.Editors, req.Actor.UserID) || req.Actor.UserID == s.In.AuthorID {
		return refuse(ErrSeparationOfDuties, "您编辑过该信息，不能审核或审批它（职责分离）")
	}
	if decidedOtherStep(s, req.Actor.UserID) {
		return refuse(ErrSeparationOfDuties, "您已办理该信息的另一个环节，同一人只能办理一个环节（职责分离）")
	}
	if s.AssigneeID != 0 {
		if req.Actor.UserID != s.AssigneeID {
			return refuse(ErrNotPermitted, "该待办已指定他人办理")
		}
		return nil
	}
	if !req.Actor.has(s.Steps[s.Step].Role) {
		return refuse(ErrNotPermitted, "您没有办理该环节的角色（需要 "+models.RoleNames[s.Steps[s.Step].Role]+"）")
	}
	return nil
}

// decidedOtherStep: the user approved or returned another step of the
// content now under review.
func decidedOtherStep(s *ItemState, userID uint) bool {
	for _, a := range append(slices.Clone(s.Approvals), s.Returns...) {
		if a.UserID == userID && a.Step != s.Step {
			return true
		}
	}
	return false
}

func (w *itemWorkflow) validateApprove(req DecisionRequest) error { return w.validateDecision(req) }

func (w *itemWorkflow) validateReturn(req DecisionRequest) error {
	if strings.TrimSpace(req.Comment) == "" {
		return refuseField("comment", "退回时必须填写意见")
	}
	return w.validateDecision(req)
}

func (w *itemWorkflow) validateWithdraw(req WithdrawRequest) error {
	if req.Actor.UserID != w.s.In.AuthorID {
		return refuse(ErrNotPermitted, "只有作者可以撤回")
	}
	if w.finished() {
		return refuse(ErrInvalidState, "信息已发布或已撤回，不能撤回（当前状态 "+w.s.Status+"）")
	}
	return nil
}

func (w *itemWorkflow) validateAssign(req AssignRequest) error {
	s := w.s
	if !w.inReview() || req.TaskID != s.TaskID {
		return refuse(ErrTaskClosed, "该待办已办结或已失效")
	}
	role := s.Steps[s.Step].Role
	holder := req.Actor.has(role) && (s.AssigneeID == 0 || s.AssigneeID == req.Actor.UserID)
	if !holder && !req.Actor.has(models.RoleAdmin) {
		return refuse(ErrNotPermitted, "只有该待办的办理人或管理员可以指定办理人")
	}
	if !slices.Contains(req.AssigneeRoles, role) {
		return refuseField("assignee_id", "被指定的人没有办理该环节的角色（需要 "+models.RoleNames[role]+"）")
	}
	if slices.Contains(s.Editors, req.AssigneeID) || req.AssigneeID == s.In.AuthorID {
		return refuse(ErrSeparationOfDuties, "被指定的人编辑过该信息，不能办理（职责分离）")
	}
	if decidedOtherStep(s, req.AssigneeID) {
		return refuse(ErrSeparationOfDuties, "被指定的人已办理该信息的另一个环节，同一人只能办理一个环节（职责分离）")
	}
	return nil
}

// --- handlers: each runs under the mutex and re-checks its validator,
// since another Update may have changed the state while it waited. It works
// on a copy of the state, kept only once its activity has succeeded, so a
// validator running meanwhile never sees a half-made transition. ---------

func (w *itemWorkflow) locked(ctx workflow.Context, validate func() error, do func(s *ItemState) error) (ItemResult, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return ItemResult{}, err
	}
	defer w.mu.Unlock()
	if err := validate(); err != nil {
		return ItemResult{}, err
	}
	next := *w.s
	next.Editors = slices.Clone(w.s.Editors)
	next.Approvals = slices.Clone(w.s.Approvals)
	next.Returns = slices.Clone(w.s.Returns)
	if err := do(&next); err != nil {
		return ItemResult{}, err
	}
	// The reminder loop may have sent reminders while do waited on its
	// activity; keep its record.
	next.Sent = w.s.Sent
	*w.s = next
	w.seq++
	return w.result(), nil
}

func (w *itemWorkflow) submit(ctx workflow.Context, req SubmitRequest) (ItemResult, error) {
	return w.locked(ctx, func() error { return w.validateSubmit(req) }, func(s *ItemState) error {
		for _, id := range req.EditorIDs {
			if !slices.Contains(s.Editors, id) {
				s.Editors = append(s.Editors, id)
			}
		}
		resume := s.Status == models.ItemReturned && req.ContentHash == s.Hash
		if !resume {
			// New content: approvals are void and the chain starts again,
			// as configured now.
			s.Approvals, s.Returns, s.Step, s.Steps = nil, nil, 0, req.Steps
		}
		s.Round++
		s.Revision, s.Hash, s.Title, s.Column = req.Revision, req.ContentHash, req.Title, req.Column
		action := "submit"
		if resume {
			action = "resubmit_unchanged"
		} else if s.Round > 1 {
			action = "resubmit_changed"
		}
		return w.openStep(ctx, s, activities.ItemTransition{Action: action, ActorID: req.Actor.UserID})
	})
}

func (w *itemWorkflow) approve(ctx workflow.Context, req DecisionRequest) (ItemResult, error) {
	return w.locked(ctx, func() error { return w.validateApprove(req) }, func(s *ItemState) error {
		s.Approvals = append(s.Approvals, approval{UserID: req.Actor.UserID, Step: s.Step, Revision: s.Revision})
		t := activities.ItemTransition{
			Action: "approve", ActorID: req.Actor.UserID, Comment: req.Comment,
			CloseTask: &activities.CloseTask{TaskID: s.TaskID, State: models.TaskApproved},
		}
		if s.Step == len(s.Steps)-1 {
			t.Action, t.Status, t.Publish = "publish", models.ItemPublished, true
			t.Notify = []activities.Notice{{UserIDs: []uint{s.In.AuthorID}, Kind: "published", Message: "您提交的信息《" + s.Title + "》已审批通过并发布"}}
			if !s.In.publication() {
				t.Action, t.Status, t.Publish = "approve_final", models.ItemApproved, false
				t.Notify[0].Kind, t.Notify[0].Message = "approved", "《"+s.Title+"》已审批通过"
			}
			if err := w.apply(ctx, s, t); err != nil {
				return err
			}
			s.Status, s.TaskID, s.AssigneeID = t.Status, 0, 0
			return nil
		}
		s.Step++
		return w.openStep(ctx, s, t)
	})
}

func (w *itemWorkflow) giveBack(ctx workflow.Context, req DecisionRequest) (ItemResult, error) {
	return w.locked(ctx, func() error { return w.validateReturn(req) }, func(s *ItemState) error {
		notify := []uint{s.In.AuthorID}
		for _, a := range s.Approvals {
			notify = append(notify, a.UserID)
		}
		err := w.apply(ctx, s, activities.ItemTransition{
			Action: "return", ActorID: req.Actor.UserID, Comment: req.Comment, Status: models.ItemReturned,
			CloseTask: &activities.CloseTask{TaskID: s.TaskID, State: models.TaskReturned},
			Notify: []activities.Notice{{UserIDs: notify, Kind: "returned",
				Message: "信息《" + s.Title + "》在“" + stepLabel(s.Steps[s.Step]) + "”环节被退回：" + req.Comment}},
		})
		if err != nil {
			return err
		}
		s.Returns = append(s.Returns, approval{UserID: req.Actor.UserID, Step: s.Step, Revision: s.Revision})
		s.Status, s.TaskID, s.AssigneeID = models.ItemReturned, 0, 0
		return nil
	})
}

func (w *itemWorkflow) withdraw(ctx workflow.Context, req WithdrawRequest) (ItemResult, error) {
	return w.locked(ctx, func() error { return w.validateWithdraw(req) }, func(s *ItemState) error {
		t := activities.ItemTransition{Action: "withdraw", ActorID: req.Actor.UserID, Status: models.ItemWithdrawn}
		if s.TaskID != 0 {
			t.CloseTask = &activities.CloseTask{TaskID: s.TaskID, State: models.TaskCancelled}
		}
		if err := w.apply(ctx, s, t); err != nil {
			return err
		}
		s.Status, s.TaskID, s.AssigneeID = models.ItemWithdrawn, 0, 0
		return nil
	})
}

func (w *itemWorkflow) assign(ctx workflow.Context, req AssignRequest) (ItemResult, error) {
	return w.locked(ctx, func() error { return w.validateAssign(req) }, func(s *ItemState) error {
		err := w.apply(ctx, s, activities.ItemTransition{
			Action: "assign", ActorID: req.Actor.UserID,
			Assign: &activities.AssignTask{TaskID: s.TaskID, AssigneeID: req.AssigneeID},
			Notify: []activities.Notice{{UserIDs: []uint{req.AssigneeID}, Kind: "assigned", TaskID: s.TaskID,
				Message: "您被指定办理信息《" + s.Title + "》的“" + stepLabel(s.Steps[s.Step]) + "”环节"}},
		})
		if err != nil {
			return err
		}
		s.AssigneeID = req.AssigneeID
		return nil
	})
}

// openStep opens the task of the current step (closing whatever t closes).
func (w *itemWorkflow) openStep(ctx workflow.Context, s *ItemState, t activities.ItemTransition) error {
	step := s.Steps[s.Step]
	t.Status = models.ItemInApproval
	if s.Step == 0 {
		t.Status = models.ItemInReview
	}
	t.OpenTask = &activities.OpenTask{
		Round: s.Round, Step: s.Step, StepName: step.Name, Role: step.Role, Workdays: step.Workdays,
		Revision: s.Revision, Title: s.Title, Column: s.Column,
		ApplicationID: s.In.ApplicationID, ApplicationNumber: s.In.ApplicationNumber,
	}
	t.Notify = append(t.Notify, activities.Notice{Roles: []string{step.Role}, Kind: "task_opened",
		Message: "新待办：信息《" + s.Title + "》待" + stepLabel(step)})
	var res activities.TransitionResult
	if err := w.applyResult(ctx, s, t, &res); err != nil {
		return err
	}
	s.Status, s.TaskID, s.AssigneeID = t.Status, res.TaskID, 0
	s.TaskOpenedOn, s.TaskDue, s.TaskRemindOn = res.OpenedOn, res.DueOn, res.RemindOn
	return nil
}

func (w *itemWorkflow) apply(ctx workflow.Context, s *ItemState, t activities.ItemTransition) error {
	return w.applyResult(ctx, s, t, nil)
}

// applyResult runs the transition for state s (the copy being built).
func (w *itemWorkflow) applyResult(ctx workflow.Context, s *ItemState, t activities.ItemTransition, res *activities.TransitionResult) error {
	t.ItemID, t.AgencyID, t.Region = s.In.ItemID, s.In.AgencyID, s.In.Region
	t.Today = workflow.Now(ctx).In(chinaZone).Format("2006-01-02")
	if t.OpenTask != nil && len(t.Notify) > 0 {
		t.Notify[len(t.Notify)-1].Step = s.Step
	}
	// The key names this exact transition, so a retried activity changes nothing twice.
	s.Transitions++
	t.Key = fmt.Sprintf("%s/t%d/%s", ItemWorkflowID(s.In.ItemID), s.Transitions, t.Action)
	f := execute(ctx, acts.ApplyItemTransition, t)
	if res == nil {
		return f.Get(ctx, nil)
	}
	return f.Get(ctx, res)
}

// refreshDates (re)computes the Art.26 dates and the open task's due date
// on the current calendar.
func (w *itemWorkflow) refreshDates(ctx workflow.Context) error {
	s := w.s
	in := activities.DatesInput{ItemID: s.In.ItemID, Region: s.In.Region, FormedOn: s.In.FormedOn, NoPublishClock: !s.In.publication()}
	if s.TaskID != 0 {
		in.TaskID, in.TaskOpenedOn, in.TaskWorkdays = s.TaskID, s.TaskOpenedOn, s.Steps[s.Step].Workdays
	}
	var d activities.ItemDates
	if err := execute(ctx, acts.RefreshItemDates, in).Get(ctx, &d); err != nil {
		return err
	}
	s.Dates = d
	if s.TaskID != 0 && s.TaskID == in.TaskID {
		s.TaskDue, s.TaskRemindOn = d.TaskDue, d.TaskRemindOn
	}
	w.seq++
	return nil
}

func stepLabel(st models.ChainStep) string {
	switch st.Name {
	case "review":
		return "负责人审核"
	case "approve":
		return "分管领导审批"
	}
	return st.Name + "（" + models.RoleNames[st.Role] + "）"
}
