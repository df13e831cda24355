package workflows

import (
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
	"gongkai/calendar"
	"gongkai/models"
)

// chinaZone is UTC+8 without tzdata: China has no daylight saving, and a
// fixed zone keeps workflow code free of the host's time zone files.
var chinaZone = time.FixedZone("CST", 8*3600)

// reminderHour is when a reminder for a date goes out: the start of office hours.
const reminderHour = 8

type reminder struct {
	key    string // unique per threshold and target date: it is sent once
	group  string // of the passed reminders in a group only the latest is sent
	at     time.Time
	notice activities.Notice
}

func dateAt(date string, addDays int) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", date, chinaZone)
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(0, 0, addDays).Add(reminderHour * time.Hour), true
}

// reminders lists every reminder the current state calls for.
func (w *itemWorkflow) reminders() []reminder {
	s := w.s
	if w.finished() {
		return nil
	}
	var rs []reminder
	add := func(key, group, date string, addDays int, n activities.Notice) {
		if at, ok := dateAt(date, addDays); ok {
			rs = append(rs, reminder{key: key + "/" + date, group: group, at: at, notice: n})
		}
	}
	// Art.26: the editor and the reviewers, 5 and 2 working days before the
	// publication deadline and when it passes.
	if d := s.Dates; d.PublishDue != "" {
		who := activities.Notice{UserIDs: []uint{s.In.AuthorID}, Roles: []string{models.RoleReviewer}}
		title := w.title()
		for _, r := range []struct {
			key, date string
			days      int
			kind, msg string
		}{
			{"art26-5", d.PublishWarn5, 0, "publish_due_soon", "信息" + title + "须在 " + d.PublishDue + " 前公开（条例第二十六条），还剩 5 个工作日"},
			{"art26-2", d.PublishWarn2, 0, "publish_due_soon", "信息" + title + "须在 " + d.PublishDue + " 前公开（条例第二十六条），还剩 2 个工作日"},
			{"art26-passed", d.PublishDue, 1, "publish_overdue", "信息" + title + "已超过公开期限 " + d.PublishDue + "（条例第二十六条），请尽快办理"},
		} {
			n := who
			n.Kind, n.Message = r.kind, r.msg
			add(r.key, "art26", r.date, r.days, n)
		}
	}
	// The open step: its holders a working day before it is due; them and
	// the next role up once it is overdue.
	if s.TaskID != 0 && s.TaskDue != "" {
		step := s.Steps[s.Step]
		holders := activities.Notice{Roles: []string{step.Role}, TaskID: s.TaskID, Step: s.Step}
		if s.AssigneeID != 0 {
			holders = activities.Notice{UserIDs: []uint{s.AssigneeID}, TaskID: s.TaskID, Step: s.Step}
		}
		up := models.RoleAdmin
		if s.Step+1 < len(s.Steps) {
			up = s.Steps[s.Step+1].Role
		}
		group := "task-" + strconv.Itoa(s.Round) + "-" + strconv.Itoa(s.Step)
		soon := holders
		soon.Kind, soon.Message = "task_due_soon", "待办：信息"+w.title()+"的“"+stepLabel(step)+"”须在 "+s.TaskDue+" 前办理"
		add(group+"/due-1", group, s.TaskRemindOn, 0, soon)
		late := holders
		late.Roles = append(slices.Clone(late.Roles), up)
		late.Kind, late.Message = "task_overdue", "逾期：信息"+w.title()+"的“"+stepLabel(step)+"”已超过办理期限 "+s.TaskDue
		add(group+"/overdue", group, s.TaskDue, 1, late)
	}
	return rs
}

func (w *itemWorkflow) title() string {
	if w.s.Title == "" {
		return ""
	}
	return "《" + w.s.Title + "》"
}

// pickDue returns the reminders to send now and records every passed one
// in sent. Of several passed reminders in one group only the latest goes
// out: an item created after its 5-day warning should hear the 2-day one,
// not both.
func pickDue(now time.Time, rs []reminder, sent *[]string) []reminder {
	latest := map[string]reminder{}
	var groups []string // in first-seen order, for a deterministic send order
	for _, r := range rs {
		if r.at.After(now) || slices.Contains(*sent, r.key) {
			continue
		}
		*sent = append(*sent, r.key)
		prev, seen := latest[r.group]
		if !seen {
			groups = append(groups, r.group)
		}
		if !seen || r.at.After(prev.at) {
			latest[r.group] = r
		}
	}
	out := make([]reminder, len(groups))
	for i, g := range groups {
		out[i] = latest[g]
	}
	return out
}

// nextAt is the time of the earliest reminder still to come.
func nextAt(rs []reminder, sent []string) (time.Time, bool) {
	var next time.Time
	for _, r := range rs {
		if slices.Contains(sent, r.key) {
			continue
		}
		if next.IsZero() || r.at.Before(next) {
			next = r.at
		}
	}
	return next, !next.IsZero()
}

// sendReminders delivers rs, each keyed under the workflow's id.
func sendReminders(ctx workflow.Context, workflowID string, itemID, agencyID uint, rs []reminder) error {
	for _, r := range rs {
		in := activities.ReminderInput{Key: workflowID + "/" + r.key, ItemID: itemID, AgencyID: agencyID, Notice: r.notice}
		if err := workflow.ExecuteActivity(activityCtx(ctx), acts.SendReminder, in).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// sendDueReminders delivers each of the item's reminders whose time has come, once.
func (w *itemWorkflow) sendDueReminders(ctx workflow.Context) error {
	due := pickDue(workflow.Now(ctx), w.reminders(), &w.s.Sent)
	return sendReminders(ctx, ItemWorkflowID(w.s.In.ItemID), w.s.In.ItemID, w.s.In.AgencyID, due)
}

// nextReminder is the time of the item's earliest reminder still to come.
func (w *itemWorkflow) nextReminder() (time.Time, bool) { return nextAt(w.reminders(), w.s.Sent) }

// waitUntil blocks until cond holds or, when there is a next wake-up time,
// until then: the reminder loops of both workflows sleep this way.
func waitUntil(ctx workflow.Context, next time.Time, hasNext bool, cond func() bool) error {
	if hasNext {
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			_, err := workflow.AwaitWithTimeout(ctx, wait, cond)
			return err
		}
	}
	return workflow.Await(ctx, cond)
}

// onCalendarChange runs refresh, under mu, each time the holiday overlay
// changes (calendar.OverlayChangedSignal): both workflows recompute their
// dates this way. A failed refresh is logged; the next change retries it.
func onCalendarChange(ctx workflow.Context, mu workflow.Mutex, refresh func(workflow.Context) error) {
	changed := workflow.GetSignalChannel(ctx, calendar.OverlayChangedSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ch calendar.OverlayChanged
			changed.Receive(ctx, &ch)
			if err := mu.Lock(ctx); err != nil {
				return
			}
			if err := refresh(ctx); err != nil {
				workflow.GetLogger(ctx).Error("recompute dates after a calendar change", "err", err)
			}
			mu.Unlock()
		}
	})
}
