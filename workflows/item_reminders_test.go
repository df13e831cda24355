package workflows_test

// Reminders (durable timers) of ItemReview and their recomputation when the
// holiday calendar changes. The harness is in item_test.go.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"gongkai/activities"
	"gongkai/calendar"
	"gongkai/models"
	"gongkai/workflows"
)

// probe counts the notifications of kind to username at the instant when:
// a reminder is absent just before its threshold and present just after.
type probe struct {
	when       time.Time
	kind, user string
	want       int
	got        int
	ran        bool
}

// prober schedules probes on a test harness's clock; harness and
// appHarness embed one, each counting its own notifications.
type prober struct {
	t        *testing.T
	callback func(when time.Time, f func())
	count    func(kind, user string) int
}

func (pr prober) expectAt(when time.Time, kind, user string, want int) *probe {
	p := &probe{when: when, kind: kind, user: user, want: want, got: -1}
	pr.callback(when, func() { p.ran, p.got = true, pr.count(kind, user) })
	return p
}

// around expects, a minute before threshold, before[user] notifications of
// kind to each user, and a minute after it after[user].
func (pr prober) around(threshold time.Time, kind string, before, after map[string]int) []*probe {
	var ps []*probe
	for u, n := range before {
		ps = append(ps, pr.expectAt(threshold.Add(-time.Minute), kind, u, n))
	}
	for u, n := range after {
		ps = append(ps, pr.expectAt(threshold.Add(time.Minute), kind, u, n))
	}
	return ps
}

func (pr prober) checkProbes(ps []*probe) {
	pr.t.Helper()
	for _, p := range ps {
		switch {
		case !p.ran:
			pr.t.Errorf("probe at %s (%s to %s) never ran: the workflow ended first", p.when.Format("01-02 15:04"), p.kind, p.user)
		case p.got != p.want:
			pr.t.Errorf("at %s: %d %s notifications to %s, want %d", p.when.Format("2006-01-02 15:04"), p.got, p.kind, p.user, p.want)
		}
	}
}

// setFormedOn changes the item's 生成日期 before the workflow starts.
func (h *harness) setFormedOn(date string) {
	h.t.Helper()
	if err := h.db.Model(&models.Item{}).Where("id = ?", h.item.ID).Update("formed_on", date).Error; err != nil {
		h.t.Fatal(err)
	}
	h.item.FormedOn, h.in.FormedOn = date, date
}

// changeCalendar stores overrides for 宁夏 and signals the workflow, the
// way the API does after an admin edits the overlay (inside a callback).
func (h *harness) changeCalendar(overrides ...calendar.Override) {
	h.t.Helper()
	changed, err := models.ImportCalendarOverlay(h.ctx, h.db, nil, "test", overrides)
	if err != nil {
		h.t.Errorf("import overlay: %v", err)
		return
	}
	if len(changed) == 0 {
		h.t.Errorf("overlay import changed nothing")
	}
	h.env.SignalWorkflow(calendar.OverlayChangedSignal, calendar.OverlayChanged{Ranges: changed})
}

func holiday(date, name string) calendar.Override {
	d, err := calendar.ParseDate(date)
	if err != nil {
		panic(err)
	}
	return calendar.Override{Date: d, Region: "宁夏", Working: false, Name: name, Source: "测试通知"}
}

// ===========================================================================
// 7. Reminders: every threshold exactly once, at its time, to its people.
// ===========================================================================

// Formed and submitted Mon 2026-09-14, the review step is left alone for
// five weeks. Review due Wed 09-16: due soon Tue 09-15 08:00 to reviewers,
// overdue Thu 09-17 08:00 to reviewers and leaders. Art.26 due Fri 10-16
// (20 working days, 国庆节 skipped, Sat 10-10 a make-up day): 5 working days
// before is Sat 10-10, 2 before is Wed 10-14, overdue Sat 10-17 08:00, each
// to the author and the reviewers.
func TestItemReview_RemindersEachThresholdOnce(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	var ps []*probe
	ps = append(ps, h.around(at("2026-09-15 08:00"), "task_due_soon",
		map[string]int{"reviewer": 0}, map[string]int{"reviewer": 1, "leader": 0, "editor": 0, "admin": 0})...)
	ps = append(ps, h.around(at("2026-09-17 08:00"), "task_overdue",
		map[string]int{"reviewer": 0, "leader": 0}, map[string]int{"reviewer": 1, "leader": 1, "editor": 0, "admin": 0})...)
	ps = append(ps, h.around(at("2026-10-10 08:00"), "publish_due_soon",
		map[string]int{"editor": 0, "reviewer": 0}, map[string]int{"editor": 1, "reviewer": 1, "leader": 0})...)
	ps = append(ps, h.around(at("2026-10-14 08:00"), "publish_due_soon",
		map[string]int{"editor": 1, "reviewer": 1}, map[string]int{"editor": 2, "reviewer": 2, "leader": 0})...)
	ps = append(ps, h.around(at("2026-10-17 08:00"), "publish_overdue",
		map[string]int{"editor": 0, "reviewer": 0}, map[string]int{"editor": 1, "reviewer": 1, "leader": 0})...)
	// Nothing new in the quiet days after the last threshold.
	ps = append(ps, h.expectAt(at("2026-10-19 23:00"), "task_overdue", "reviewer", 1))
	ps = append(ps, h.expectAt(at("2026-10-19 23:00"), "publish_overdue", "editor", 1))
	// Then the chain runs. The approve step opened Tue 10-20 is due Fri
	// 10-23; publication comes before its reminders.
	rev := h.update(at("2026-10-20 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	fin := h.update(at("2026-10-20 11:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(sub, "submit")
	if r := h.ok(rev, "late review"); r.DueOn != "2026-10-23" {
		t.Errorf("approve step due %s, want 2026-10-23", r.DueOn)
	}
	h.ok(fin, "late approval")
	h.checkProbes(ps)

	// Each threshold exactly once, to exactly its people.
	for _, c := range []struct {
		kind, user string
		n          int
	}{
		{"task_due_soon", "reviewer", 1}, {"task_due_soon", "leader", 0}, {"task_due_soon", "editor", 0}, {"task_due_soon", "admin", 0},
		{"task_overdue", "reviewer", 1}, {"task_overdue", "leader", 1}, {"task_overdue", "editor", 0}, {"task_overdue", "admin", 0},
		{"publish_due_soon", "editor", 2}, {"publish_due_soon", "reviewer", 2}, {"publish_due_soon", "leader", 0}, {"publish_due_soon", "admin", 0},
		{"publish_overdue", "editor", 1}, {"publish_overdue", "reviewer", 1}, {"publish_overdue", "leader", 0}, {"publish_overdue", "admin", 0},
	} {
		if got := h.count(c.kind, c.user); got != c.n {
			t.Errorf("%s to %s: %d, want %d", c.kind, c.user, got, c.n)
		}
	}
	for _, k := range []string{"task_due_soon", "task_overdue", "publish_due_soon", "publish_overdue"} {
		for _, u := range []string{"editor2", "reviewer2", "leader2", "clerk"} {
			if got := h.count(k, u); got != 0 {
				t.Errorf("%s to %s: %d, want none", k, u, got)
			}
		}
	}
	for _, n := range append(h.notes("task_due_soon", "reviewer"), h.notes("task_overdue", "leader")...) {
		if uintp(n.TaskID) != sub.result.TaskID || !strings.Contains(n.Message, "2026-09-16") || !strings.Contains(n.Message, "负责人审核") {
			t.Errorf("task reminder %q names task %d, want the review task %d due 2026-09-16", n.Message, uintp(n.TaskID), sub.result.TaskID)
		}
	}
	soon := h.notes("publish_due_soon", "editor")
	if len(soon) == 2 && (!strings.Contains(soon[0].Message, "还剩 5") || !strings.Contains(soon[1].Message, "还剩 2") || !strings.Contains(soon[1].Message, "2026-10-16")) {
		t.Errorf("publish reminders %q, %q: want 5 then 2 working days before 2026-10-16", soon[0].Message, soon[1].Message)
	}
	if it := h.itemRow(); it.PublishDue != "2026-10-16" {
		t.Errorf("publish_due %s, want 2026-10-16", it.PublishDue)
	}
	ts := h.tasks()
	if len(ts) != 2 {
		t.Fatalf("%d tasks", len(ts))
	}
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-16", "reviewer")
	h.checkTask(ts[1], 1, 1, "approve", models.TaskApproved, "2026-10-23", "leader")
}

// The approve step is the last: overdue goes to the leaders and the admins
// (the role above). Approve opened Mon 09-14 is due Thu 09-17: due soon
// Wed 09-16 08:00, overdue Fri 09-18 08:00.
func TestItemReview_LastStepOverdueGoesToAdmins(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	rev := h.update(at("2026-09-14 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	var ps []*probe
	ps = append(ps, h.around(at("2026-09-16 08:00"), "task_due_soon",
		map[string]int{"leader": 0}, map[string]int{"leader": 1, "reviewer": 0, "admin": 0})...)
	ps = append(ps, h.around(at("2026-09-18 08:00"), "task_overdue",
		map[string]int{"leader": 0, "admin": 0}, map[string]int{"leader": 1, "admin": 1, "reviewer": 0, "editor": 0})...)
	fin := h.update(at("2026-09-21 10:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(fin, "approve")
	h.checkProbes(ps)
	// The review step was decided before its reminders: none for it.
	if got := h.count("task_due_soon", "reviewer") + h.count("task_overdue", "reviewer"); got != 0 {
		t.Errorf("%d review-step reminders after the review was decided", got)
	}
	if got := h.countKind("task_due_soon") + h.countKind("task_overdue"); got != 3 {
		t.Errorf("%d task reminders in all, want 3", got)
	}
	for _, n := range h.notes("task_overdue", "admin") {
		if uintp(n.TaskID) != rev.result.TaskID || !strings.Contains(n.Message, "分管领导审批") {
			t.Errorf("admin's overdue reminder %q names task %d, want %d", n.Message, uintp(n.TaskID), rev.result.TaskID)
		}
	}
}

// An assigned task's reminders go to its assignee, not to the role.
func TestItemReview_AssignedTaskRemindersGoToAssignee(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	h.addUser("reviewer_b", models.RoleReviewer)
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	as := h.update(at("2026-09-14 10:00"), workflows.UpdateAssign, func() any {
		return workflows.AssignRequest{Actor: h.actor("reviewer"), TaskID: sub.result.TaskID, AssigneeID: h.id("reviewer_b"), AssigneeRoles: []string{models.RoleReviewer}}
	})
	ps := h.around(at("2026-09-15 08:00"), "task_due_soon", map[string]int{"reviewer_b": 0}, map[string]int{"reviewer_b": 1, "reviewer": 0})
	ps = append(ps, h.around(at("2026-09-17 08:00"), "task_overdue",
		map[string]int{"reviewer_b": 0}, map[string]int{"reviewer_b": 1, "leader": 1, "reviewer": 0, "admin": 0})...)
	rev := h.update(at("2026-09-18 09:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer_b", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-18 10:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })
	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(as, "assign")
	h.ok(fin, "approve")
	h.checkProbes(ps)
}

// A returned item has no open step: its step reminders stop. Art.26 runs on.
func TestItemReview_ReturnStopsStepReminders(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	ret := h.update(at("2026-09-14 10:00"), workflows.UpdateReturn, func() any { return h.decision("reviewer", sub.result.TaskID, "重写") })
	ps := []*probe{h.expectAt(at("2026-10-10 08:01"), "publish_due_soon", "editor", 1)}
	wd := h.update(at("2026-10-12 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(ret, "return")
	h.ok(wd, "withdraw")
	h.checkProbes(ps)
	if got := h.countKind("task_due_soon") + h.countKind("task_overdue"); got != 0 {
		t.Errorf("%d step reminders for a returned item", got)
	}
	if got := h.countKind("publish_overdue"); got != 0 {
		t.Errorf("%d publish_overdue after withdrawal", got)
	}
}

// An item whose workflow starts after both Art.26 warnings passed hears
// only the latest (2 working days), once, at once.
func TestItemReview_LateStartSendsOnlyLatestWarning(t *testing.T) {
	h := newHarness(t, at("2026-10-15 09:00"))
	h.setFormedOn("2026-09-14") // due 10-16; warnings 10-10 and 10-14 passed
	ps := []*probe{
		h.expectAt(at("2026-10-15 09:01"), "publish_due_soon", "editor", 1),
		h.expectAt(at("2026-10-15 09:01"), "publish_due_soon", "reviewer", 1),
		h.expectAt(at("2026-10-17 07:59"), "publish_overdue", "editor", 0),
		h.expectAt(at("2026-10-17 08:01"), "publish_overdue", "editor", 1),
	}
	wd := h.update(at("2026-10-19 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(wd, "withdraw")
	h.checkProbes(ps)
	n := h.notes("publish_due_soon", "editor")
	if len(n) != 1 || !strings.Contains(n[0].Message, "还剩 2") {
		t.Errorf("publish_due_soon to editor %+v, want only the 2-day warning", n)
	}
}

// ===========================================================================
// 8. A calendar change re-arms the timers.
// ===========================================================================

// The review step opened Mon 09-14 is due Wed 09-16. An admin makes 09-16 a
// 宁夏 holiday: the step is due Thu 09-17 and overdue only on Fri 09-18; the
// due-soon reminder (still Tue 09-15, the working day before 09-17) names
// the new date. Art.26 moves from Fri 10-16 to Mon 10-19.
func TestItemReview_CalendarChangeMovesDueDate(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	var before, after []models.Task
	var stAfter workflows.ItemState
	var publishDueAfter string
	h.callback(at("2026-09-14 11:59"), func() { before = h.tasks() })
	h.callback(at("2026-09-14 12:00"), func() { h.changeCalendar(holiday("2026-09-16", "临时假日")) })
	h.callback(at("2026-09-14 12:10"), func() { after, stAfter, publishDueAfter = h.tasks(), h.state(), h.itemRow().PublishDue })
	ps := h.around(at("2026-09-15 08:00"), "task_due_soon", map[string]int{"reviewer": 0}, map[string]int{"reviewer": 1})
	// Overdue at the old time (09-17 08:00)? No: the day after the new due date.
	ps = append(ps, h.expectAt(at("2026-09-17 08:01"), "task_overdue", "reviewer", 0))
	ps = append(ps, h.around(at("2026-09-18 08:00"), "task_overdue",
		map[string]int{"reviewer": 0, "leader": 0}, map[string]int{"reviewer": 1, "leader": 1})...)
	// Approve opened Fri 09-18: 3 working days are Sun 09-20, 09-21, 09-22.
	rev := h.update(at("2026-09-18 10:00"), workflows.UpdateApprove, func() any { return h.decision("reviewer", sub.result.TaskID, "") })
	fin := h.update(at("2026-09-18 11:00"), workflows.UpdateApprove, func() any { return h.decision("leader", rev.result.TaskID, "") })

	if res := h.run(); res.Status != models.ItemPublished {
		t.Errorf("workflow result %+v", res)
	}
	if r := h.ok(sub, "submit"); r.DueOn != "2026-09-16" {
		t.Errorf("submit answered due %s, want 2026-09-16 before the change", r.DueOn)
	}
	if len(before) != 1 || before[0].DueOn != "2026-09-16" {
		t.Errorf("before the change: %+v", before)
	}
	if len(after) != 1 || after[0].DueOn != "2026-09-17" || after[0].State != models.TaskOpen {
		t.Errorf("after the change tasks %+v, want the open review task due 2026-09-17", after)
	}
	if stAfter.TaskDue != "2026-09-17" || stAfter.TaskRemindOn != "2026-09-15" || stAfter.Dates.PublishDue != "2026-10-19" {
		t.Errorf("state after the change: due %s remind %s publish %s", stAfter.TaskDue, stAfter.TaskRemindOn, stAfter.Dates.PublishDue)
	}
	if publishDueAfter != "2026-10-19" {
		t.Errorf("items.publish_due after the change %s, want 2026-10-19", publishDueAfter)
	}
	if r := h.ok(rev, "review"); r.DueOn != "2026-09-22" {
		t.Errorf("approve step due %s, want 2026-09-22", r.DueOn)
	}
	h.ok(fin, "approve")
	h.checkProbes(ps)
	soon := h.notes("task_due_soon", "reviewer")
	if len(soon) != 1 || !strings.Contains(soon[0].Message, "2026-09-17") {
		t.Errorf("due-soon reminders %+v, want one naming 2026-09-17", soon)
	}
	for _, n := range h.notes("task_overdue", "leader") {
		if !strings.Contains(n.Message, "2026-09-17") {
			t.Errorf("overdue reminder %q does not name the new due date", n.Message)
		}
	}
	if got := h.countKind("task_due_soon") + h.countKind("task_overdue"); got != 3 {
		t.Errorf("%d task reminders in all, want 3 (due soon once, overdue to reviewer and leader)", got)
	}
	ts := h.tasks()
	h.checkTask(ts[0], 1, 0, "review", models.TaskApproved, "2026-09-17", "reviewer")
}

// A holiday on the reminder day itself (Tue 09-15) moves the due date to
// Thu 09-17 and the due-soon reminder from 09-15 to Wed 09-16.
func TestItemReview_CalendarChangeMovesReminder(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	h.callback(at("2026-09-14 12:00"), func() { h.changeCalendar(holiday("2026-09-15", "临时假日")) })
	var after []models.Task
	h.callback(at("2026-09-14 12:10"), func() { after = h.tasks() })
	ps := []*probe{h.expectAt(at("2026-09-15 08:01"), "task_due_soon", "reviewer", 0)}
	ps = append(ps, h.around(at("2026-09-16 08:00"), "task_due_soon", map[string]int{"reviewer": 0}, map[string]int{"reviewer": 1})...)
	ps = append(ps, h.around(at("2026-09-18 08:00"), "task_overdue", map[string]int{"reviewer": 0}, map[string]int{"reviewer": 1, "leader": 1})...)
	wd := h.update(at("2026-09-18 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(sub, "submit")
	h.ok(wd, "withdraw")
	if len(after) != 1 || after[0].DueOn != "2026-09-17" {
		t.Errorf("after the change: %+v, want due 2026-09-17", after)
	}
	h.checkProbes(ps)
	if got := h.count("task_due_soon", "reviewer"); got != 1 {
		t.Errorf("task_due_soon to reviewer %d, want 1", got)
	}
}

// A change that does not touch the item's dates moves nothing and sends
// nothing twice.
func TestItemReview_UnrelatedCalendarChange(t *testing.T) {
	h := newHarness(t, at("2026-09-14 09:00"))
	sub := h.update(at("2026-09-14 09:05"), workflows.UpdateSubmit, func() any { return h.submitReq("editor", 1, hashV1, "editor") })
	// After the due-soon reminder went out, a holiday far away.
	h.callback(at("2026-09-15 12:00"), func() { h.changeCalendar(holiday("2026-12-01", "远处的假日")) })
	var after []models.Task
	var st workflows.ItemState
	h.callback(at("2026-09-15 12:10"), func() { after, st = h.tasks(), h.state() })
	wd := h.update(at("2026-09-18 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })
	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	h.ok(sub, "submit")
	h.ok(wd, "withdraw")
	if len(after) != 1 || after[0].DueOn != "2026-09-16" || st.TaskDue != "2026-09-16" || st.Dates.PublishDue != "2026-10-16" {
		t.Errorf("after an unrelated change: tasks %+v, state due %s publish %s", after, st.TaskDue, st.Dates.PublishDue)
	}
	if got := h.count("task_due_soon", "reviewer"); got != 1 {
		t.Errorf("task_due_soon %d, want 1", got)
	}
	if got := h.count("task_overdue", "reviewer"); got != 1 {
		t.Errorf("task_overdue %d, want 1", got)
	}
}

// ===========================================================================
// A submission that arrives while the workflow's first date computation is
// still running must keep its task's due date and reminders.
// ===========================================================================

// The submit Update lands at the workflow's start (the editor presses
// "submit" right after creating the item, or the API uses update-with-start).
// The first RefreshItemDates, started before the task existed, finishes
// after the submission opened the review task. The workflow must still know
// the task is due Wed 09-16 and remind about it.
func TestItemReview_SubmitDuringFirstDateRefreshKeepsTaskDates(t *testing.T) {
	h := newBareHarness(t, at("2026-09-14 09:00"))
	a := h.acts
	applied := make(chan struct{})
	var appliedOnce, waitOnce sync.Once
	h.env.RegisterActivityWithOptions(a.ApplyItemTransition, activity.RegisterOptions{Name: "ApplyItemTransition"})
	h.env.RegisterActivityWithOptions(a.SendReminder, activity.RegisterOptions{Name: "SendReminder"})
	// The real RefreshItemDates, its first run held back until the submit's
	// transition has been applied (a slow database or worker), or for 300 ms
	// when the refresh runs first: as a local activity it holds the workflow's
	// mutex, and the submission waits for it. Either order must keep the dates.
	h.env.RegisterActivityWithOptions(func(ctx context.Context, in activities.DatesInput) (activities.ItemDates, error) {
		waitOnce.Do(func() {
			select {
			case <-applied:
			case <-time.After(300 * time.Millisecond):
			}
		})
		return a.RefreshItemDates(ctx, in)
	}, activity.RegisterOptions{Name: "RefreshItemDates"})
	h.env.SetOnLocalActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == "ApplyItemTransition" {
			appliedOnce.Do(func() { close(applied) })
		}
	})

	sub := &outcome{name: workflows.UpdateSubmit, when: h.start}
	h.env.RegisterDelayedCallback(func() { h.send(sub, h.submitReq("editor", 1, hashV1, "editor")) }, 0)
	var st workflows.ItemState
	h.callback(at("2026-09-14 10:00"), func() { st = h.state() })
	ps := []*probe{
		h.expectAt(at("2026-09-15 08:01"), "task_due_soon", "reviewer", 1),
		h.expectAt(at("2026-09-17 08:01"), "task_overdue", "leader", 1),
	}
	wd := h.update(at("2026-09-17 09:00"), workflows.UpdateWithdraw, func() any { return workflows.WithdrawRequest{Actor: h.actor("editor")} })

	if res := h.run(); res.Status != models.ItemWithdrawn {
		t.Errorf("workflow result %+v", res)
	}
	if r := h.ok(sub, "submit at start"); r.DueOn != "2026-09-16" {
		t.Errorf("submit answered %+v", r)
	}
	h.ok(wd, "withdraw")
	if st.TaskID == 0 || st.TaskDue != "2026-09-16" || st.TaskRemindOn != "2026-09-15" {
		t.Errorf("workflow state after the first refresh: task %d due %q remind %q, want due 2026-09-16 remind 2026-09-15 (the first refresh, computed without the task, overwrote them)",
			st.TaskID, st.TaskDue, st.TaskRemindOn)
	}
	h.checkProbes(ps)
}
