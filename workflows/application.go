package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
	"gongkai/calendar"
	"gongkai/models"
)

// ApplicationCase and its Updates: one per action the disclosure office
// takes on an application (条例 Art.30–36). All take an AppAction.
const (
	ApplicationWorkflow    = "ApplicationCase"
	UpdateCorrectionNotice = "correction_notice"
	UpdateCorrected        = "corrected"
	UpdateConsult          = "consult"
	UpdateConsultReply     = "consult_reply"
	UpdateExtension        = "extension"
	UpdateFeeNotice        = "fee_notice"
	UpdateFeePaid          = "fee_paid"
	UpdateExcessive        = "excessive"
	UpdateReply            = "reply"
	UpdateSent             = "sent"
	UpdateArchive          = "archive"
	UpdateAppWithdraw      = "app_withdraw"
	QueryApplicationState  = "state"
)

// Statutory periods in working days.
const (
	ReplyWorkdays         = 20 // Art.33
	MaxExtensionWorkdays  = 20 // Art.33
	CorrectionNoticeLimit = 7  // Art.30: the 补正 notice goes out within 7 working days of receipt
	ConsultationWorkdays  = 15 // Art.32, Art.34
	// FeePaymentWorkdays: unpaid this long after the applicant received the
	// fee notice, the application lapses. 109号 Art.6 on is not verified
	// (statutory-rules.md §3 [M]): one constant to change.
	FeePaymentWorkdays = 20
)

// ApplicationWorkflowID is the deterministic workflow id of an application.
func ApplicationWorkflowID(id uint) string { return fmt.Sprintf("application-%d", id) }

// ApplicationInput starts an application's workflow at registration.
type ApplicationInput struct {
	ApplicationID uint
	AgencyID      uint
	Number        string
	Region        string
	ReceivedOn    string
	ClerkID       uint
}

// AppAction is one action on an application. Each Update reads the fields
// it needs; On is the date the thing happened (the notice was sent, the
// corrected application or the reply arrived, the fee was paid, …).
type AppAction struct {
	Actor          Actor
	On             string
	Items          string // correction notice: what must be corrected
	PeriodWorkdays int    // correction notice: the period given
	ConsultationID uint   // consultation reply
	Kind           string // consultation: third_party | organ
	Party          string // consultation
	ReceivedOn     string // consultation: when the party received the letter
	Opinion        string // consultation reply
	Workdays       int    // extension
	Reason         string // extension, excessive
	DueOn          string // excessive: the later due date set (Art.35)
	Close          bool   // excessive: not processed instead (不予处理)
	Method         string // fee notice: per_item | per_page; sent: how the reply went out
	Pages          int    // fee notice per page
	Outcome        string // reply
	Text           string // reply
}

// AppResult is what every application Update answers.
type AppResult struct {
	Status  string `json:"status"`
	Outcome string `json:"outcome,omitempty"`
	DueOn   string `json:"due_on,omitempty"`
	ItemID  uint   `json:"item_id,omitempty"` // the reply or extension request put into its chain
}

type consultation struct {
	ID         uint
	ReceivedOn string
	Open       bool
}

// AppState is the application workflow's state, answered by QueryApplicationState.
type AppState struct {
	In                 ApplicationInput
	Status             string
	Outcome            string
	Clock              calendar.Clock
	Dates              activities.AppDates
	CorrectionSent     bool
	CorrectionOn       string // when the notice went out
	CorrectionPeriod   int
	Consultations      []consultation
	FeeNoticeOn        string // the open fee notice's receipt date; "" when none open
	ExtensionItemID    uint   // the extension request in its chain
	Extended           bool
	ReplyItemID        uint
	ReplyOutcome       string
	ReplyApproved      bool
	Sent               []string
	Transitions        int
	ExtensionRequested bool
}

type appWorkflow struct {
	s   *AppState
	mu  workflow.Mutex
	seq int
}

// ApplicationCase tracks one application from registration to archive:
// its reply clock with every pause, restart and extension, the deadlines
// that close it by themselves, the reply's approval chain and reminders.
func ApplicationCase(ctx workflow.Context, in ApplicationInput) (AppResult, error) {
	received, err := calendar.ParseDate(in.ReceivedOn)
	if err != nil {
		return AppResult{}, err
	}
	s := &AppState{In: in, Status: models.AppRegistered, Clock: calendar.Clock{
		Region: in.Region, Workdays: ReplyWorkdays, MaxExtension: MaxExtensionWorkdays,
		Events: []calendar.ClockEvent{{Kind: calendar.EventStart, Date: received, Reason: "收到申请"}},
	}}
	w := &appWorkflow{s: s, mu: workflow.NewMutex(ctx)}
	if err := workflow.SetQueryHandler(ctx, QueryApplicationState, func() (AppState, error) { return *s, nil }); err != nil {
		return AppResult{}, err
	}
	for name, h := range map[string]func(AppAction) error{
		UpdateCorrectionNotice: w.checkCorrectionNotice, UpdateCorrected: w.checkCorrected,
		UpdateConsult: w.checkConsult, UpdateConsultReply: w.checkConsultReply, UpdateExtension: w.checkExtension,
		UpdateFeeNotice: w.checkFeeNotice, UpdateFeePaid: w.checkFeePaid, UpdateExcessive: w.checkExcessive,
		UpdateReply: w.checkReply, UpdateSent: w.checkSent, UpdateArchive: w.checkArchive, UpdateAppWithdraw: w.checkWithdraw,
	} {
		name, check := name, h
		handler := func(ctx workflow.Context, a AppAction) (AppResult, error) { return w.act(ctx, name, check, a) }
		validator := func(ctx workflow.Context, a AppAction) error { return w.checkCommon(ctx, name, a, check) }
		if err := workflow.SetUpdateHandlerWithOptions(ctx, name, handler, workflow.UpdateHandlerOptions{Validator: validator}); err != nil {
			return AppResult{}, err
		}
	}
	onCalendarChange(ctx, w.mu, func(ctx workflow.Context) error {
		_, err := w.apply(ctx, s, activities.AppTransition{Action: "calendar_changed"})
		w.seq++
		return err
	})

	if err := w.mu.Lock(ctx); err != nil {
		return AppResult{}, err
	}
	_, err = w.apply(ctx, s, activities.AppTransition{Action: "register"})
	w.mu.Unlock()
	if err != nil {
		return AppResult{}, err
	}
	for s.Status != models.AppArchived {
		if err := w.runDeadlines(ctx); err != nil {
			return AppResult{}, err
		}
		due := pickDue(workflow.Now(ctx), w.reminders(ctx), &s.Sent)
		if err := sendApplicationReminders(ctx, s, due); err != nil {
			return AppResult{}, err
		}
		seq := w.seq
		cond := func() bool { return w.seq != seq || s.Status == models.AppArchived }
		next, ok := w.nextWake(ctx)
		if err := waitUntil(ctx, next, ok, cond); err != nil {
			return AppResult{}, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return AppResult{}, err
	}
	return w.result(), nil
}

func (w *appWorkflow) result() AppResult {
	r := AppResult{Status: w.s.Status, Outcome: w.s.Outcome, DueOn: w.s.Dates.ReplyDue}
	return r
}

func (w *appWorkflow) concluded() bool {
	switch w.s.Status {
	case models.AppReplied, models.AppClosed, models.AppArchived:
		return true
	}
	return false
}

// --- validators ------------------------------------------------------------

// checkCommon holds what every action needs: a clerk acting, a date that
// is neither before receipt nor in the future, and the action's own rule.
func (w *appWorkflow) checkCommon(ctx workflow.Context, name string, a AppAction, check func(AppAction) error) error {
	if !a.Actor.has(models.RoleClerk) {
		return refuse(ErrNotPermitted, "只有依申请公开经办人可以办理申请")
	}
	if err := w.checkDate(onField[name], a.On, ctx); err != nil {
		return err
	}
	return check(a)
}

// onField names, per action, the request field the API carries in On.
var onField = map[string]string{
	UpdateCorrectionNotice: "sent_on", UpdateCorrected: "received_on", UpdateConsult: "sent_on",
	UpdateConsultReply: "replied_on", UpdateFeeNotice: "notified_on", UpdateFeePaid: "paid_on",
	UpdateSent: "sent_on", UpdateExcessive: "on", UpdateReply: "on", UpdateExtension: "on",
	UpdateArchive: "on", UpdateAppWithdraw: "on",
}

func (w *appWorkflow) checkDate(field, d string, ctx workflow.Context) error {
	date, err := calendar.ParseDate(d)
	if err != nil {
		return refuseField(field, "日期无效（格式 YYYY-MM-DD）："+d)
	}
	if date.String() < w.s.In.ReceivedOn {
		return refuseField(field, "日期不能早于收到申请之日 "+w.s.In.ReceivedOn)
	}
	if date.String() > today(ctx) {
		return refuseField(field, "日期不能晚于今天")
	}
	if ev := w.s.Clock.Events; len(ev) > 0 && date.Before(ev[len(ev)-1].Date) {
		return refuseField(field, "日期不能早于上一个办理节点 "+ev[len(ev)-1].Date.String())
	}
	return nil
}

func today(ctx workflow.Context) string { return workflow.Now(ctx).In(chinaZone).Format("2006-01-02") }

func (w *appWorkflow) outOfOrder(what string) error {
	return refuse(ErrInvalidState, what+"（当前状态 "+w.s.Status+"）")
}

func (w *appWorkflow) checkCorrectionNotice(a AppAction) error {
	if w.s.Status != models.AppRegistered || w.s.CorrectionSent {
		return w.outOfOrder("补正告知只能在登记后、办理前一次性发出")
	}
	if strings.TrimSpace(a.Items) == "" {
		return refuseField("items", "请写明需要补正的事项")
	}
	if a.PeriodWorkdays < 1 || a.PeriodWorkdays > 60 {
		return refuseField("period_workdays", "补正期限应为 1 到 60 个工作日")
	}
	return nil
}

func (w *appWorkflow) checkCorrected(a AppAction) error {
	if w.s.Status != models.AppCorrection {
		return w.outOfOrder("没有等待中的补正")
	}
	if a.On < w.s.CorrectionOn {
		return refuseField("received_on", "补正收到日期不能早于补正告知日期 "+w.s.CorrectionOn)
	}
	return nil
}

func (w *appWorkflow) processing() bool {
	return w.s.Status == models.AppRegistered || w.s.Status == models.AppConsulting
}

func (w *appWorkflow) checkConsult(a AppAction) error {
	if !w.processing() {
		return w.outOfOrder("只有办理中的申请可以征求意见")
	}
	if a.Kind != "third_party" && a.Kind != "organ" {
		return refuseField("kind", "kind 应为 third_party（第三方）或 organ（其他机关）")
	}
	if strings.TrimSpace(a.Party) == "" {
		return refuseField("party", "请写明被征求意见的一方")
	}
	if a.ReceivedOn == "" || a.ReceivedOn < a.On {
		return refuseField("received_on", "请填写对方收到征求意见书的日期，且不早于发出日期")
	}
	return nil
}

func (w *appWorkflow) checkConsultReply(a AppAction) error {
	for _, c := range w.s.Consultations {
		if c.ID == a.ConsultationID && c.Open {
			return nil
		}
	}
	return refuse(ErrInvalidState, "该征求意见不存在或已答复")
}

func (w *appWorkflow) checkExtension(a AppAction) error {
	if !w.processing() || w.s.ExtensionRequested {
		return w.outOfOrder("延长答复期限只能申请一次，且须在办理中")
	}
	for _, e := range w.s.Clock.Events {
		if e.Kind == calendar.EventOverrideDue {
			return w.outOfOrder("已按条例第三十五条确定延迟答复期限，不能再申请延长")
		}
	}
	if a.Workdays < 1 || a.Workdays > MaxExtensionWorkdays {
		return refuseField("workdays", fmt.Sprintf("延长期限应为 1 到 %d 个工作日", MaxExtensionWorkdays))
	}
	if strings.TrimSpace(a.Reason) == "" {
		return refuseField("reason", "请写明延长理由")
	}
	if w.s.Dates.ReplyDue != "" && a.On > w.s.Dates.ReplyDue {
		return refuse(ErrInvalidState, "已超过答复期限 "+w.s.Dates.ReplyDue+"，不能再申请延长")
	}
	return nil
}

func (w *appWorkflow) checkFeeNotice(a AppAction) error {
	if w.s.Status != models.AppRegistered || w.s.FeeNoticeOn != "" {
		return w.outOfOrder("只有办理中（未在征求意见、未待缴费）的申请可以发出收费通知")
	}
	if a.Method != "per_item" && a.Method != "per_page" {
		return refuseField("method", "method 应为 per_item（按件）或 per_page（按量）")
	}
	if a.Method == "per_page" && a.Pages < 1 {
		return refuseField("pages", "按量计收须填写页数")
	}
	if a.Method == "per_item" && a.Pages != 0 {
		return refuseField("pages", "按件计收不能同时按页数计收")
	}
	return nil
}

func (w *appWorkflow) checkFeePaid(a AppAction) error {
	if w.s.Status != models.AppFeePending {
		return w.outOfOrder("没有待缴的费用")
	}
	if a.On < w.s.FeeNoticeOn {
		return refuseField("paid_on", "缴费日期不能早于收费通知日期 "+w.s.FeeNoticeOn)
	}
	return nil
}

func (w *appWorkflow) checkExcessive(a AppAction) error {
	if !w.processing() {
		return w.outOfOrder("只有办理中的申请可以按第三十五条处理")
	}
	if strings.TrimSpace(a.Reason) == "" {
		return refuseField("reason", "请写明理由")
	}
	if !a.Close {
		if _, err := calendar.ParseDate(a.DueOn); err != nil {
			return refuseField("due_on", "请填写延迟答复的期限（YYYY-MM-DD）")
		}
		if a.DueOn <= w.s.Dates.ReplyDue || a.DueOn <= a.On {
			return refuseField("due_on", "延迟答复期限应晚于现行期限 "+w.s.Dates.ReplyDue+" 和今天")
		}
	}
	return nil
}

func (w *appWorkflow) checkReply(a AppAction) error {
	if !w.processing() {
		return w.outOfOrder("只有办理中的申请可以起草答复")
	}
	if !slices.Contains(models.Outcomes, a.Outcome) {
		return refuseField("outcome", "答复结果代码无效："+a.Outcome)
	}
	if strings.TrimSpace(a.Text) == "" {
		return refuseField("text", "请填写答复内容")
	}
	return nil
}

func (w *appWorkflow) checkSent(a AppAction) error {
	if w.s.Status != models.AppReplyReady {
		return w.outOfOrder("答复经审批通过后才能记录送达")
	}
	if strings.TrimSpace(a.Method) == "" {
		return refuseField("method", "请写明送达方式")
	}
	return nil
}

func (w *appWorkflow) checkArchive(AppAction) error {
	if w.s.Status != models.AppReplied && w.s.Status != models.AppClosed {
		return w.outOfOrder("只有已答复或已办结的申请可以归档")
	}
	return nil
}

func (w *appWorkflow) checkWithdraw(AppAction) error {
	if w.concluded() || w.s.Status == models.AppReplyReady {
		return w.outOfOrder("申请已办结，不能撤回")
	}
	return nil
}

// --- handlers ---------------------------------------------------------------

// act runs one action under the mutex on a copy of the state, kept only
// once its transition is stored (as ItemReview's locked does).
func (w *appWorkflow) act(ctx workflow.Context, name string, check func(AppAction) error, a AppAction) (AppResult, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return AppResult{}, err
	}
	defer w.mu.Unlock()
	if err := check(a); err != nil {
		return AppResult{}, err
	}
	next := *w.s
	next.Clock.Events = slices.Clone(w.s.Clock.Events)
	next.Consultations = slices.Clone(w.s.Consultations)
	res, err := w.do(ctx, &next, name, a)
	if err != nil {
		return AppResult{}, err
	}
	next.Sent = w.s.Sent
	*w.s = next
	w.seq++
	r := w.result()
	r.ItemID = res.ItemID
	return r, nil
}

func event(kind calendar.EventKind, on, reason string) calendar.ClockEvent {
	d, _ := calendar.ParseDate(on) // validated before
	return calendar.ClockEvent{Kind: kind, Date: d, Reason: reason}
}

// openPause tells whether the clock's last pause is still open.
func openPause(c calendar.Clock) bool {
	open := false
	for _, e := range c.Events {
		switch e.Kind {
		case calendar.EventPause:
			open = true
		case calendar.EventResume, calendar.EventRestart:
			open = false
		}
	}
	return open
}

// do applies action name to state s and stores it.
func (w *appWorkflow) do(ctx workflow.Context, s *AppState, name string, a AppAction) (activities.AppTransitionResult, error) {
	t := activities.AppTransition{Action: name, ActorID: a.Actor.UserID, On: a.On}
	switch name {
	case UpdateCorrectionNotice:
		s.Status, s.CorrectionSent, s.CorrectionOn, s.CorrectionPeriod = models.AppCorrection, true, a.On, a.PeriodWorkdays
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventPause, a.On, "等待补正（"+strings.TrimSpace(a.Items)+"）"))
		t.Detail = map[string]any{"items": a.Items, "period_workdays": a.PeriodWorkdays}
	case UpdateCorrected:
		// The period starts anew (Art.30), and with it the right to one extension.
		s.Status, s.ExtensionRequested, s.Extended = models.AppRegistered, false, false
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventResume, a.On, ""), event(calendar.EventRestart, a.On, "收到补正后的申请"))
		t.Detail = map[string]any{"received_on": a.On}
	case UpdateConsult:
		if !openPause(s.Clock) {
			s.Clock.Events = append(s.Clock.Events, event(calendar.EventPause, a.On, consultReason(a.Kind, a.Party)))
		}
		s.Status = models.AppConsulting
		t.Consultation = &activities.ConsultationInput{Kind: a.Kind, Party: a.Party, SentOn: a.On, ReceivedOn: a.ReceivedOn}
	case UpdateConsultReply:
		w.closeConsultation(s, a.ConsultationID, a.On)
		t.Consultation = &activities.ConsultationInput{ID: a.ConsultationID, RepliedOn: a.On, Opinion: a.Opinion}
	case UpdateExtension:
		s.ExtensionRequested = true
		t.Extension = &activities.ChainDraft{Workdays: a.Workdays, Text: a.Reason}
	case UpdateFeeNotice:
		s.Status, s.FeeNoticeOn = models.AppFeePending, a.On
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventPause, a.On, "收费通知，待缴费"))
		t.Fee = &activities.FeeInput{Method: a.Method, Pages: a.Pages, NotifiedOn: a.On}
	case UpdateFeePaid:
		s.Status, s.FeeNoticeOn = models.AppRegistered, ""
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventResume, a.On, ""))
		t.Fee = &activities.FeeInput{PaidOn: a.On}
	case UpdateExcessive:
		if a.Close {
			w.conclude(s, &t, a.On, "not_processed_excessive", models.AppClosed)
		} else {
			ev := event(calendar.EventOverrideDue, a.On, "申请数量、频次明显超过合理范围（条例第三十五条）："+a.Reason)
			ev.Due, _ = calendar.ParseDate(a.DueOn)
			s.Clock.Events = append(s.Clock.Events, ev)
		}
		t.Detail = map[string]any{"reason": a.Reason, "due_on": a.DueOn, "close": a.Close}
	case UpdateReply:
		s.Status, s.ReplyOutcome = models.AppReplyReview, a.Outcome
		t.Reply = &activities.ChainDraft{Outcome: a.Outcome, Text: a.Text}
	case UpdateSent:
		w.conclude(s, &t, a.On, s.ReplyOutcome, models.AppReplied)
		t.Detail = map[string]any{"sent_on": a.On, "method": a.Method}
		t.SentMethod = a.Method
	case UpdateArchive:
		s.Status = models.AppArchived
	case UpdateAppWithdraw:
		w.conclude(s, &t, a.On, "other", models.AppClosed)
		t.Detail = map[string]any{"reason": "申请人撤回申请"}
	}
	res, err := w.apply(ctx, s, t)
	if err != nil {
		return res, err
	}
	switch {
	case t.Reply != nil:
		s.ReplyItemID = res.ItemID
		w.startChain(ctx, s, res, models.KindReply)
	case t.Extension != nil:
		s.ExtensionItemID = res.ItemID
		w.startChain(ctx, s, res, models.KindExtension)
	case t.Consultation != nil && t.Consultation.ID == 0:
		s.Consultations = append(s.Consultations, consultation{ID: res.ConsultationID, ReceivedOn: a.ReceivedOn, Open: true})
	}
	return res, nil
}

func consultReason(kind, party string) string {
	if kind == "organ" {
		return "征求其他机关意见（条例第三十四条）：" + party
	}
	return "征求第三方意见（条例第三十二条）：" + party
}

// closeConsultation marks one consultation answered; the clock resumes
// when the last open one closes.
func (w *appWorkflow) closeConsultation(s *AppState, id uint, on string) {
	open := 0
	for i := range s.Consultations {
		if s.Consultations[i].ID == id {
			s.Consultations[i].Open = false
		}
		if s.Consultations[i].Open {
			open++
		}
	}
	if open == 0 && openPause(s.Clock) {
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventResume, on, ""))
		s.Status = models.AppRegistered
	}
}

// conclude stops the clock with an outcome.
func (w *appWorkflow) conclude(s *AppState, t *activities.AppTransition, on, outcome, status string) {
	if openPause(s.Clock) {
		s.Clock.Events = append(s.Clock.Events, event(calendar.EventResume, on, ""))
	}
	s.Clock.Events = append(s.Clock.Events, event(calendar.EventStop, on, models.OutcomeNames[outcome]))
	s.Status, s.Outcome = status, outcome
	t.Outcome, t.ConcludedOn = outcome, on
}

// apply stores the transition and re-evaluates the clock.
func (w *appWorkflow) apply(ctx workflow.Context, s *AppState, t activities.AppTransition) (activities.AppTransitionResult, error) {
	s.Transitions++
	t.Key = fmt.Sprintf("%s/t%d/%s", ApplicationWorkflowID(s.In.ApplicationID), s.Transitions, t.Action)
	t.ApplicationID, t.AgencyID, t.Number, t.Region = s.In.ApplicationID, s.In.AgencyID, s.In.Number, s.In.Region
	t.Status, t.Clock, t.Today = s.Status, s.Clock, today(ctx)
	t.Correction = activities.CorrectionState{Sent: s.CorrectionSent, SentOn: s.CorrectionOn, PeriodWorkdays: s.CorrectionPeriod}
	for _, c := range s.Consultations {
		if c.Open {
			t.OpenConsultationsReceivedOn = append(t.OpenConsultationsReceivedOn, c.ReceivedOn)
		}
	}
	if c := t.Consultation; c != nil && c.ID == 0 { // the one this transition opens
		t.OpenConsultationsReceivedOn = append(t.OpenConsultationsReceivedOn, c.ReceivedOn)
	}
	t.FeeNoticeOn = s.FeeNoticeOn
	var res activities.AppTransitionResult
	if err := workflow.ExecuteActivity(activityCtx(ctx), acts.ApplyApplicationTransition, t).Get(ctx, &res); err != nil {
		return res, err
	}
	s.Dates = res.Dates
	return res, nil
}

// startChain runs the reply or extension request through its approval
// chain as a child ItemReview, submitted at once as the clerk; its end
// comes back as a transition of this workflow.
func (w *appWorkflow) startChain(ctx workflow.Context, s *AppState, res activities.AppTransitionResult, kind string) {
	in := ItemInput{
		ItemID: res.ItemID, AgencyID: s.In.AgencyID, AuthorID: res.AuthorID, Region: s.In.Region, FormedOn: res.FormedOn,
		Kind: kind, ApplicationID: s.In.ApplicationID, ApplicationNumber: s.In.Number,
		Submit: &SubmitRequest{
			Actor: Actor{UserID: res.AuthorID, Roles: []string{models.RoleClerk}}, Revision: 1, ContentHash: res.ContentHash,
			EditorIDs: []uint{res.AuthorID}, Steps: res.Steps, Title: res.Title, Column: res.Column,
		},
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ItemWorkflowID(res.ItemID)})
	f := workflow.ExecuteChildWorkflow(cctx, ItemReviewWorkflow, in)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var out ItemResult
		err := f.Get(ctx, &out)
		w.mu.Lock(ctx)
		defer w.mu.Unlock()
		if w.concluded() || w.s.Status == models.AppArchived {
			return // withdrawn or closed meanwhile: the chain's end changes nothing
		}
		approved := err == nil && out.Status == models.ItemApproved
		next := *w.s
		next.Clock.Events = slices.Clone(w.s.Clock.Events)
		next.Consultations = slices.Clone(w.s.Consultations)
		t := activities.AppTransition{Action: kind + "_withdrawn"}
		switch {
		case kind == models.KindReply && approved:
			next.Status, next.ReplyApproved = models.AppReplyReady, true
			t.Action = "reply_approved"
		case kind == models.KindReply:
			// Withdrawn by the clerk: the application is back in hand.
			next.Status, next.ReplyItemID, next.ReplyOutcome = models.AppRegistered, 0, ""
		case approved:
			ext := event(calendar.EventExtend, today(ctx), "经政府信息公开工作机构负责人同意延长答复期限（条例第三十三条）")
			ext.Workdays = res.ExtensionWorkdays
			next.Clock.Events = append(next.Clock.Events, ext)
			next.Extended, t.Action = true, "extension_approved"
		default:
			next.ExtensionRequested = false // refused or withdrawn: it may be asked again
			t.Action = "extension_refused"
		}
		if _, err := w.apply(ctx, &next, t); err != nil {
			workflow.GetLogger(ctx).Error("store chain result", "kind", kind, "err", err)
			return
		}
		next.Sent = w.s.Sent
		*w.s = next
		w.seq++
	})
}

// --- deadlines and reminders -------------------------------------------------

// deadline is a date on which the application changes by itself.
type deadline struct {
	at   time.Time
	name string
	run  func(ctx workflow.Context, s *AppState) activities.AppTransition
}

// deadlines lists what the current state will do by itself, and when: a
// correction period lapsing, a consultation's 15 working days running out,
// a fee notice left unpaid.
func (w *appWorkflow) deadlines() []deadline {
	s, d := w.s, w.s.Dates
	var ds []deadline
	add := func(date, name string, run func(ctx workflow.Context, s *AppState) activities.AppTransition) {
		if at, ok := dateAt(date, 1); ok { // the day after the last day, at the start of office hours
			ds = append(ds, deadline{at: at.Add(-reminderHour * time.Hour), name: name, run: run})
		}
	}
	if s.Status == models.AppCorrection && d.CorrectionLapseOn != "" {
		add(d.CorrectionLapseOn, "correction_lapsed", func(ctx workflow.Context, s *AppState) activities.AppTransition {
			t := activities.AppTransition{Action: "correction_lapsed"}
			w.conclude(s, &t, d.CorrectionLapseOn, "other_no_correction", models.AppClosed)
			return t
		})
	}
	if s.Status == models.AppFeePending && d.FeeLapseOn != "" {
		add(d.FeeLapseOn, "fee_lapsed", func(ctx workflow.Context, s *AppState) activities.AppTransition {
			t := activities.AppTransition{Action: "fee_lapsed"}
			w.conclude(s, &t, d.FeeLapseOn, "other_fee_unpaid", models.AppClosed)
			return t
		})
	}
	if s.Status == models.AppConsulting && d.ConsultationEndsOn != "" {
		add(d.ConsultationEndsOn, "consultation_timed_out", func(ctx workflow.Context, s *AppState) activities.AppTransition {
			// Art.32/34: no opinion within 15 working days; the organ decides
			// (an organ's silence counts as consent).
			for _, c := range s.Consultations {
				if c.Open && d.ConsultationEnds[c.ReceivedOn] <= d.ConsultationEndsOn {
					w.closeConsultation(s, c.ID, d.ConsultationEndsOn)
				}
			}
			return activities.AppTransition{Action: "consultation_timed_out", On: d.ConsultationEndsOn}
		})
	}
	return ds
}

// runDeadlines applies every deadline whose time has come.
func (w *appWorkflow) runDeadlines(ctx workflow.Context) error {
	for {
		var due *deadline
		for _, d := range w.deadlines() {
			if !d.at.After(workflow.Now(ctx)) {
				due = &d
				break
			}
		}
		if due == nil {
			return nil
		}
		if err := w.mu.Lock(ctx); err != nil {
			return err
		}
		next := *w.s
		next.Clock.Events = slices.Clone(w.s.Clock.Events)
		next.Consultations = slices.Clone(w.s.Consultations)
		t := due.run(ctx, &next)
		_, err := w.apply(ctx, &next, t)
		if err == nil {
			*w.s = next
			w.seq++
		}
		w.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// reminders lists the application's reminders: to the clerks and reviewers
// 5 and 2 working days before the reply is due and on the due date, then
// daily with the leaders once it is overdue; and 2 working days before the
// 补正 notice is due.
func (w *appWorkflow) reminders(ctx workflow.Context) []reminder {
	s, d := w.s, w.s.Dates
	if w.concluded() || s.Status == models.AppArchived {
		return nil
	}
	var rs []reminder
	office := activities.Notice{Roles: []string{models.RoleClerk, models.RoleReviewer}}
	add := func(key, group, date string, addDays int, kind, msg string, n activities.Notice) {
		if at, ok := dateAt(date, addDays); ok {
			n.Kind, n.Message = kind, msg
			rs = append(rs, reminder{key: key + "/" + date, group: group, at: at, notice: n})
		}
	}
	no := "申请 " + s.In.Number
	if !openPause(s.Clock) && d.ReplyDue != "" {
		add("reply-5", "reply", d.ReplyWarn5, 0, "application_due_soon", no+" 须在 "+d.ReplyDue+" 前答复，还剩 5 个工作日", office)
		add("reply-2", "reply", d.ReplyWarn2, 0, "application_due_soon", no+" 须在 "+d.ReplyDue+" 前答复，还剩 2 个工作日", office)
		add("reply-due", "reply", d.ReplyDue, 0, "application_due_today", no+" 今天（"+d.ReplyDue+"）是答复期限", office)
		// Overdue: one reminder a day from the day after the due date, with
		// the leaders. Only the next one is listed; its key carries its day.
		late := office
		late.Roles = append(slices.Clone(office.Roles), models.RoleLeader)
		day := addDaysTo(d.ReplyDue, 1)
		if now := today(ctx); now > day {
			day = now
		}
		if slices.Contains(s.Sent, "reply-overdue/"+day) {
			day = addDaysTo(day, 1)
		}
		add("reply-overdue", "overdue-"+day, day, 0, "application_overdue", no+" 已超过答复期限 "+d.ReplyDue+"，请尽快答复", late)
	}
	if s.Status == models.AppRegistered && !s.CorrectionSent && d.CorrectionNoticeWarn != "" {
		add("correction-2", "correction", d.CorrectionNoticeWarn, 0, "correction_notice_due_soon",
			no+" 如需补正，补正告知须在 "+d.CorrectionNoticeDue+" 前发出（条例第三十条）", office)
	}
	return rs
}

// nextWake is the earliest reminder or deadline still to come.
func (w *appWorkflow) nextWake(ctx workflow.Context) (time.Time, bool) {
	next, ok := nextAt(w.reminders(ctx), w.s.Sent)
	for _, d := range w.deadlines() {
		if !ok || d.at.Before(next) {
			next, ok = d.at, true
		}
	}
	return next, ok
}

// addDaysTo is date plus n calendar days.
func addDaysTo(date string, n int) string {
	d, err := calendar.ParseDate(date)
	if err != nil {
		return date
	}
	return d.AddDays(n).String()
}

func sendApplicationReminders(ctx workflow.Context, s *AppState, rs []reminder) error {
	for i := range rs {
		rs[i].notice.ApplicationID = s.In.ApplicationID
	}
	return sendReminders(ctx, ApplicationWorkflowID(s.In.ApplicationID), 0, s.In.AgencyID, rs)
}
