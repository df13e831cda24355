package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongkai/calendar"
	"gongkai/models"
)

// ItemTransition is one change of an item's chain, applied in one database
// transaction. Key names it: applying the same key twice changes nothing.
type ItemTransition struct {
	Key       string
	ItemID    uint
	AgencyID  uint
	Region    string
	Today     string // the workflow's date (Asia/Shanghai): a step opened today is due N working days later
	Action    string
	ActorID   uint
	Comment   string
	Status    string // the item's new status; "" keeps it
	Publish   bool
	CloseTask *CloseTask
	OpenTask  *OpenTask
	Assign    *AssignTask
	Notify    []Notice
}

// CloseTask closes the open task with a decision.
type CloseTask struct {
	TaskID uint
	State  string
}

// OpenTask opens the task of one step.
type OpenTask struct {
	Round, Step    int
	StepName, Role string
	Workdays       int
	Revision       int
	Title, Column  string
	// The application whose reply or extension this step decides.
	ApplicationID     uint
	ApplicationNumber string
}

// AssignTask names the person who must act on a task.
type AssignTask struct {
	TaskID, AssigneeID uint
}

// Notice is an in-app notification to the listed users and to everyone in
// the item's agency holding one of Roles.
type Notice struct {
	UserIDs       []uint
	Roles         []string
	Kind          string
	Message       string
	TaskID        uint
	Step          int
	ApplicationID uint
}

// TransitionResult tells the workflow about the task it opened.
type TransitionResult struct {
	TaskID   uint
	OpenedOn string
	DueOn    string
	RemindOn string // one working day before DueOn
}

// Sender delivers a notification outside the application (SMS, mail, an
// office messaging system). The in-app notification is stored either way.
type Sender interface {
	Send(ctx context.Context, n models.Notification, to *models.User) error
}

// LogSender is the default Sender: it writes the notification to the log.
type LogSender struct{ Logger *slog.Logger }

// Send logs n. Message text is not personal data; the user is named by id.
func (s LogSender) Send(ctx context.Context, n models.Notification, to *models.User) error {
	s.Logger.InfoContext(ctx, "notification", "user_id", to.ID, "kind", n.Kind, "item_id", n.ItemID, "message", n.Message)
	return nil
}

// ApplyItemTransition writes one transition: the item's status, the tasks
// it closes and opens, notifications and the audit event, all or nothing.
func (a *Activities) ApplyItemTransition(ctx context.Context, t ItemTransition) (TransitionResult, error) {
	var res TransitionResult
	var sent []models.Notification
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// What the records hold under this transition's number: this
		// transition (a retry: answer as before), another one (the workflow
		// lost it, its process having died before Temporal recorded it:
		// refuse, and the API brings the workflow up to the records), or none.
		var applied []string
		prefix := t.Key[:strings.LastIndex(t.Key, "/")+1]
		if err := tx.Model(&models.AuditEvent{}).Where("event_key IN ?", models.TransitionKeys(prefix)).Pluck("event_key", &applied).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		switch {
		case slices.Contains(applied, t.Key):
			if t.OpenTask == nil {
				return nil
			}
			return a.openTask(ctx, tx, t, now, &res)
		case len(applied) > 0:
			return temporal.NewNonRetryableApplicationError("该信息的记录比流程多一步，请重试", models.ErrTransitionConflict, nil)
		}
		if c := t.CloseTask; c != nil {
			if err := models.CloseTask(tx, c.TaskID, c.State, t.ActorID, t.Comment, now); err != nil {
				return err
			}
		}
		if o := t.OpenTask; o != nil {
			if err := a.openTask(ctx, tx, t, now, &res); err != nil {
				return err
			}
		}
		if as := t.Assign; as != nil {
			if err := models.AssignTask(tx, as.TaskID, as.AssigneeID, t.ActorID); err != nil {
				return err
			}
		}
		if t.Status != "" {
			upd := map[string]any{"status": t.Status, "updated_at": now}
			if t.Publish {
				upd["published_at"] = now
			}
			if err := tx.Model(&models.Item{}).Where("id = ?", t.ItemID).Updates(upd).Error; err != nil {
				return err
			}
			if err := annualReportFollows(tx, t); err != nil {
				return err
			}
		}
		var err error
		if sent, err = a.notify(ctx, tx, t.Key, t.ItemID, t.AgencyID, t.ActorID, t.Notify, res.TaskID); err != nil {
			return err
		}
		actor := t.ActorID
		return models.AuditOnce(ctx, tx, t.Key, models.AuditEvent{
			At: now, ActorID: &actor, AgencyID: &t.AgencyID, Action: t.Action,
			ObjectType: "item", ObjectID: strconv.FormatUint(uint64(t.ItemID), 10),
		}, nil, map[string]any{"status": t.Status, "comment": t.Comment, "task": res, "closed": t.CloseTask, "assign": t.Assign})
	})
	if err != nil {
		return res, err
	}
	a.deliver(ctx, sent)
	return res, nil
}

// openTask creates the step's task unless this transition already did, and
// reports it with its dates.
// annualReportFollows keeps what hangs on an item's publication in step
// with it: a finalised annual report (published freezes it for good;
// withdrawn makes it a draft again, to be finalised anew) and the document
// a repeal decision repeals.
func annualReportFollows(tx *gorm.DB, t ItemTransition) error {
	q := tx.Model(&models.AnnualReport{}).Where("item_id = ?", t.ItemID)
	switch t.Status {
	case models.ItemPublished:
		// A published repeal decision repeals its document today.
		var it models.Item
		if err := tx.Select("repeals").First(&it, t.ItemID).Error; err != nil {
			return err
		}
		if it.Repeals != nil {
			if err := tx.Model(&models.Item{}).Where("id = ? AND repealed_on = ''", *it.Repeals).Update("repealed_on", t.Today).Error; err != nil {
				return err
			}
		}
		return q.Update("status", models.ReportPublished).Error
	case models.ItemWithdrawn:
		return q.Updates(map[string]any{"status": models.ReportDraft, "frozen": "", "item_id": nil}).Error
	}
	return nil
}

func (a *Activities) openTask(ctx context.Context, tx *gorm.DB, t ItemTransition, now time.Time, res *TransitionResult) error {
	o := t.OpenTask
	cal, err := models.LoadCalendar(ctx, tx)
	if err != nil {
		return err
	}
	due, _, err := stepDates(cal, t.Region, t.Today, o.Workdays)
	if err != nil {
		return err
	}
	task := models.Task{
		AgencyID: t.AgencyID, ItemID: t.ItemID, Round: o.Round, Step: o.Step, StepName: o.StepName, Role: o.Role,
		State: models.TaskOpen, DueOn: due, Revision: o.Revision, Title: o.Title, Column: o.Column, OpenedAt: now,
		ApplicationNumber: o.ApplicationNumber,
	}
	if o.ApplicationID != 0 {
		task.ApplicationID = &o.ApplicationID
	}
	if err := models.CreateOpenTask(tx, &task); err != nil {
		return err
	}
	if err := tx.Where("item_id = ? AND round = ? AND step = ?", t.ItemID, o.Round, o.Step).First(&task).Error; err != nil {
		return err
	}
	stored, err := calendar.ParseDate(task.DueOn)
	if err != nil {
		return err
	}
	*res = TransitionResult{TaskID: task.ID, OpenedOn: t.Today, DueOn: task.DueOn, RemindOn: workdaysBefore(cal, t.Region, stored, 1).String()}
	return nil
}

// stepDates: a step opened on day opened is due workdays working days later;
// its reminder goes out one working day before that.
func stepDates(cal *calendar.Calendar, region, opened string, workdays int) (due, remind string, err error) {
	start, err := calendar.ParseDate(opened)
	if err != nil {
		return "", "", fmt.Errorf("step opened on %q: %w", opened, err)
	}
	r, err := cal.AddWorkdays(region, start, workdays)
	if err != nil {
		return "", "", err
	}
	return r.Due.String(), workdaysBefore(cal, region, r.Due, 1).String(), nil
}

// workdaysBefore is the working day n working days before d.
func workdaysBefore(cal *calendar.Calendar, region string, d calendar.Date, n int) calendar.Date {
	for i := 0; n > 0 && i < 4000; i++ {
		d = d.AddDays(-1)
		if cal.Day(region, d).Working {
			n--
		}
	}
	return d
}

// DatesInput asks for an item's calendar-dependent dates.
type DatesInput struct {
	ItemID       uint
	Region       string
	FormedOn     string
	TaskID       uint // 0 when no step is open
	TaskOpenedOn string
	TaskWorkdays int
	// NoPublishClock: replies and extension requests are not published,
	// so Art.26 does not apply to them.
	NoPublishClock bool
}

// ItemDates are the dates the workflow's reminders hang on.
type ItemDates struct {
	PublishDue   string // Art.26: formed_on + 20 working days
	PublishWarn5 string // 5 working days before PublishDue
	PublishWarn2 string // 2 working days before PublishDue
	TaskDue      string
	TaskRemindOn string
}

// PublishWorkdays is Art.26's limit: 20 working days from formation or change.
const PublishWorkdays = 20

// RefreshItemDates computes the item's dates on the current calendar and
// stores the ones lists show (publish_due, the open task's due_on).
func (a *Activities) RefreshItemDates(ctx context.Context, in DatesInput) (ItemDates, error) {
	cal, err := models.LoadCalendar(ctx, a.DB)
	if err != nil {
		return ItemDates{}, err
	}
	var d ItemDates
	db := a.DB.WithContext(ctx)
	if !in.NoPublishClock {
		formed, err := calendar.ParseDate(in.FormedOn)
		if err != nil {
			return ItemDates{}, fmt.Errorf("formed_on %q: %w", in.FormedOn, err)
		}
		r, err := cal.AddWorkdays(in.Region, formed, PublishWorkdays)
		if err != nil {
			return ItemDates{}, err
		}
		d = ItemDates{
			PublishDue:   r.Due.String(),
			PublishWarn5: workdaysBefore(cal, in.Region, r.Due, 5).String(),
			PublishWarn2: workdaysBefore(cal, in.Region, r.Due, 2).String(),
		}
		if err := db.Model(&models.Item{}).Where("id = ?", in.ItemID).Update("publish_due", d.PublishDue).Error; err != nil {
			return d, err
		}
	}
	if in.TaskID != 0 {
		if d.TaskDue, d.TaskRemindOn, err = stepDates(cal, in.Region, in.TaskOpenedOn, in.TaskWorkdays); err != nil {
			return d, err
		}
		if err := db.Transaction(func(tx *gorm.DB) error { return models.SetTaskDue(tx, in.TaskID, d.TaskDue) }); err != nil {
			return d, err
		}
	}
	return d, nil
}

// ReminderInput is one reminder threshold reached.
type ReminderInput struct {
	Key      string
	ItemID   uint
	AgencyID uint
	Notice   Notice
}

// SendReminder stores the reminder for every recipient once and hands it
// to the Sender.
func (a *Activities) SendReminder(ctx context.Context, in ReminderInput) error {
	var sent []models.Notification
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		sent, err = a.notify(ctx, tx, in.Key, in.ItemID, in.AgencyID, 0, []Notice{in.Notice}, in.Notice.TaskID)
		return err
	})
	if err != nil {
		return err
	}
	a.deliver(ctx, sent)
	return nil
}

// notify stores one notification per recipient, deduplicated by key, and
// returns the ones stored now (not those a previous attempt stored).
// The actor is not told about their own action.
func (a *Activities) notify(ctx context.Context, tx *gorm.DB, key string, itemID, agencyID, actorID uint, notices []Notice, taskID uint) ([]models.Notification, error) {
	var out []models.Notification
	for i, n := range notices {
		users := slices.Clone(n.UserIDs)
		if len(n.Roles) > 0 {
			var ids []uint
			if err := tx.Model(&models.User{}).Joins("JOIN user_roles ON user_roles.user_id = users.id").
				Where("users.agency_id = ? AND users.disabled = ? AND user_roles.role IN ?", agencyID, false, n.Roles).
				Distinct().Pluck("users.id", &ids).Error; err != nil {
				return nil, err
			}
			users = append(users, ids...)
		}
		slices.Sort(users)
		users = slices.Compact(users)
		tid := n.TaskID
		if tid == 0 {
			tid = taskID
		}
		for _, uid := range users {
			if uid == actorID || uid == 0 {
				continue
			}
			row := models.Notification{
				UserID: uid, Kind: n.Kind, Message: n.Message, CreatedAt: time.Now().UTC(),
				DedupeKey: fmt.Sprintf("%s/%d/%d", key, i, uid),
			}
			if itemID != 0 {
				row.ItemID = &itemID
			}
			if n.ApplicationID != 0 {
				row.ApplicationID = &n.ApplicationID
			}
			if tid != 0 {
				row.TaskID = &tid
			}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil {
				return nil, res.Error
			}
			if res.RowsAffected > 0 {
				out = append(out, row)
			}
		}
	}
	return out, nil
}

// sendTimeout bounds one delivery through the Sender.
const sendTimeout = 3 * time.Second

// deliver hands stored notifications to the Sender; a failed delivery is
// logged, never retried into a duplicate in-app notification.
func (a *Activities) deliver(ctx context.Context, ns []models.Notification) {
	if a.Sender == nil {
		return
	}
	for _, n := range ns {
		u, err := models.UserByID(ctx, a.DB, n.UserID)
		if err == nil {
			// Bounded: the transition has committed and runs inside the
			// workflow task (a local activity); a slow sender must not
			// hold it. Delivery is best effort, the in-app notice is the record.
			sctx, cancel := context.WithTimeout(ctx, sendTimeout)
			err = a.Sender.Send(sctx, n, u)
			cancel()
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			a.Logger.WarnContext(ctx, "notification delivery failed", "user_id", n.UserID, "kind", n.Kind, "err", err)
		}
	}
}
