package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/fees"
	"gongkai/models"
)

// AppTransition is one change of a disclosure application, stored in one
// transaction with its audit event (keeping the clock before and after).
type AppTransition struct {
	Key           string
	ApplicationID uint
	AgencyID      uint
	Number        string
	Region        string
	Today         string
	Action        string
	ActorID       uint
	On            string
	Status        string
	Outcome       string // set when the application concludes
	ConcludedOn   string
	SentMethod    string
	Clock         calendar.Clock
	Detail        map[string]any
	Consultation  *ConsultationInput
	Fee           *FeeInput
	Reply         *ChainDraft
	Extension     *ChainDraft
	// What the dates depend on.
	Correction                  CorrectionState
	OpenConsultationsReceivedOn []string
	FeeNoticeOn                 string
}

// CorrectionState is where the 补正 stands.
type CorrectionState struct {
	Sent           bool
	SentOn         string
	PeriodWorkdays int
}

// ConsultationInput opens (ID 0) or answers a consultation.
type ConsultationInput struct {
	ID                              uint
	Kind, Party, SentOn, ReceivedOn string
	RepliedOn, Opinion              string
}

// FeeInput sends a fee notice, or (PaidOn set) records payment.
type FeeInput struct {
	Method     string
	Pages      int
	NotifiedOn string
	PaidOn     string
}

// ChainDraft is a reply or an extension request to put through a chain.
type ChainDraft struct {
	Outcome  string
	Text     string
	Workdays int
}

// AppDates are the dates the application's reminders and deadlines hang on.
type AppDates struct {
	ReplyDue             string
	ReplyWarn5           string
	ReplyWarn2           string
	CorrectionNoticeDue  string            // receipt + 7 working days (Art.30)
	CorrectionNoticeWarn string            // 2 working days before it
	CorrectionLapseOn    string            // last day of the correction period
	ConsultationEndsOn   string            // 15 working days after the earliest open consultation's receipt
	ConsultationEnds     map[string]string // each open consultation's end, by its receipt date
	FeeLapseOn           string            // last day to pay
}

// AppTransitionResult reports the dates and what the transition created.
type AppTransitionResult struct {
	Dates             AppDates
	ClockState        string
	ConsultationID    uint
	ItemID            uint // a reply or extension request item
	AuthorID          uint
	FormedOn          string
	Title             string
	Column            string
	ContentHash       string
	Steps             []models.ChainStep
	ExtensionWorkdays int
}

// ApplyApplicationTransition stores one transition of an application and
// re-evaluates its clock on the current calendar. A retry with the same
// key stores nothing again and answers as before.
func (a *Activities) ApplyApplicationTransition(ctx context.Context, t AppTransition) (AppTransitionResult, error) {
	var res AppTransitionResult
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cal, err := models.LoadCalendar(ctx, tx)
		if err != nil {
			return err
		}
		today, err := calendar.ParseDate(t.Today)
		if err != nil {
			return err
		}
		st, err := cal.Evaluate(t.Clock, today)
		if errors.Is(err, calendar.ErrInvalid) {
			// The workflow's validators should have refused this; retrying
			// cannot make the clock valid.
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("application %s clock: %v", t.Number, err), "invalid_clock", err)
		}
		if err != nil {
			return fmt.Errorf("application %s clock: %w", t.Number, err)
		}
		if res.Dates, err = appDates(cal, t, st); err != nil {
			return err
		}
		res.ClockState = string(st.State)
		var done int64
		if err := tx.Model(&models.AuditEvent{}).Where("event_key = ?", t.Key).Count(&done).Error; err != nil {
			return err
		}
		if done > 0 {
			return a.recreatedResult(ctx, tx, t, &res)
		}
		var app models.Application
		if err := tx.First(&app, t.ApplicationID).Error; err != nil {
			return err
		}
		before := map[string]any{"status": app.Status, "due_on": app.DueOn, "clock": json.RawMessage(orNull(app.Clock))}
		clockJSON, _ := json.Marshal(t.Clock)
		upd := map[string]any{"status": t.Status, "clock": string(clockJSON), "due_on": st.Due.String(), "clock_state": res.ClockState, "updated_at": time.Now().UTC()}
		if t.Outcome != "" {
			upd["outcome"], upd["concluded_on"] = t.Outcome, t.ConcludedOn
		}
		if t.SentMethod != "" {
			upd["sent_on"], upd["sent_method"] = t.On, t.SentMethod
		}
		if err := a.applyParts(ctx, tx, t, &app, upd, &res); err != nil {
			return err
		}
		if err := tx.Model(&models.Application{}).Where("id = ?", t.ApplicationID).Updates(upd).Error; err != nil {
			return err
		}
		actor := &t.ActorID
		if t.ActorID == 0 {
			actor = nil // the workflow itself: a deadline passed, a chain ended
		}
		return models.AuditOnce(ctx, tx, t.Key, models.AuditEvent{
			ActorID: actor, AgencyID: &t.AgencyID, Action: t.Action, ObjectType: "application",
			ObjectID: strconv.FormatUint(uint64(t.ApplicationID), 10),
		}, before, map[string]any{"status": t.Status, "due_on": st.Due.String(), "clock": t.Clock, "detail": t.Detail, "outcome": t.Outcome})
	})
	return res, err
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// applyParts writes the records a transition creates: consultation and fee
// rows, and the reply or extension item with its first revision.
func (a *Activities) applyParts(ctx context.Context, tx *gorm.DB, t AppTransition, app *models.Application, upd map[string]any, res *AppTransitionResult) error {
	if c := t.Consultation; c != nil {
		if c.ID == 0 {
			row := models.Consultation{ApplicationID: app.ID, Kind: c.Kind, Party: c.Party, SentOn: c.SentOn, ReceivedOn: c.ReceivedOn}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			res.ConsultationID = row.ID
		} else if err := tx.Model(&models.Consultation{}).Where("id = ? AND application_id = ?", c.ID, app.ID).
			Updates(map[string]any{"replied_on": c.RepliedOn, "opinion": c.Opinion}).Error; err != nil {
			return err
		}
	}
	if f := t.Fee; f != nil {
		if f.PaidOn != "" {
			return tx.Model(&models.FeeNotice{}).Where("application_id = ? AND paid_on = ''", app.ID).Update("paid_on", f.PaidOn).Error
		}
		k := 0
		if f.Method == string(fees.PerItem) {
			var err error
			if k, err = monthIndex(tx, app); err != nil {
				return err
			}
		}
		charge, err := fees.Compute(fees.Method(f.Method), k, f.Pages)
		if err != nil {
			return err
		}
		upd["status"] = t.Status
		return tx.Create(&models.FeeNotice{ApplicationID: app.ID, Method: f.Method, MonthIndex: k, Pages: f.Pages,
			Amount: charge.Amount, Basis: charge.Basis, NotifiedOn: f.NotifiedOn}).Error
	}
	for _, d := range []struct {
		draft *ChainDraft
		kind  string
	}{{t.Reply, models.KindReply}, {t.Extension, models.KindExtension}} {
		if d.draft != nil {
			return a.createChainItem(ctx, tx, t, app, d.kind, d.draft, upd, res)
		}
	}
	return nil
}

// monthIndex is the application's place among its applicant's applications
// received in the same calendar month (109号 Art.4: 按件 counts per month).
// The applicant is known by name and ID document.
func monthIndex(tx *gorm.DB, app *models.Application) (int, error) {
	month := app.ReceivedOn[:7]
	var n int64
	err := tx.Model(&models.Application{}).
		Where("agency_id = ? AND applicant_name = ? AND id_document = ? AND received_on LIKE ? AND (received_on < ? OR (received_on = ? AND id <= ?))",
			app.AgencyID, app.ApplicantName, app.IDDocument, month+"%", app.ReceivedOn, app.ReceivedOn, app.ID).Count(&n).Error
	return int(n), err
}

// createChainItem files the reply or extension request as an item, whose
// chain the application's workflow then starts.
func (a *Activities) createChainItem(ctx context.Context, tx *gorm.DB, t AppTransition, app *models.Application, kind string, d *ChainDraft, upd map[string]any, res *AppTransitionResult) error {
	var agency models.Agency
	if err := tx.First(&agency, app.AgencyID).Error; err != nil {
		return err
	}
	title := "答复：" + app.Number + "（" + models.OutcomeNames[d.Outcome] + "）"
	steps, err := models.ChainFor(ctx, tx, app.AgencyID, models.ReplyColumn)
	if err != nil {
		return err
	}
	if kind == models.KindExtension {
		title = "延长答复期限：" + app.Number + "（" + strconv.Itoa(d.Workdays) + " 个工作日）"
		steps = models.ExtensionChain
		res.ExtensionWorkdays = d.Workdays
	}
	indexNo, err := models.NextIndexNo(tx, &agency, time.Now().Year())
	if err != nil {
		return err
	}
	appID := app.ID
	item := models.Item{AgencyID: app.AgencyID, IndexNo: indexNo, Title: title, Body: d.Text, Column: models.ReplyColumn,
		FormedOn: t.Today, Status: models.ItemDraft, Version: 1, Revision: 1, AuthorID: t.ActorID,
		Kind: kind, ApplicationID: &appID}
	if err := tx.Create(&item).Error; err != nil {
		return err
	}
	hash := models.ContentHash(item.Title, item.Summary, item.Body, item.Column, item.FormedOn, nil)
	if err := tx.Create(&models.ItemRevision{ItemID: item.ID, Revision: 1, Title: item.Title, Body: item.Body, Column: item.Column,
		FormedOn: item.FormedOn, EditorID: t.ActorID, ContentHash: hash}).Error; err != nil {
		return err
	}
	if kind == models.KindReply {
		upd["reply_item_id"] = item.ID
	}
	res.ItemID, res.AuthorID, res.FormedOn, res.Title, res.Column, res.ContentHash, res.Steps = item.ID, t.ActorID, item.FormedOn, title, item.Column, hash, steps
	return nil
}

// recreatedResult answers a retried transition from what it stored.
func (a *Activities) recreatedResult(ctx context.Context, tx *gorm.DB, t AppTransition, res *AppTransitionResult) error {
	if t.Consultation != nil && t.Consultation.ID == 0 {
		var c models.Consultation
		if err := tx.Where("application_id = ?", t.ApplicationID).Order("id DESC").First(&c).Error; err != nil {
			return err
		}
		res.ConsultationID = c.ID
	}
	for _, d := range []struct {
		draft *ChainDraft
		kind  string
	}{{t.Reply, models.KindReply}, {t.Extension, models.KindExtension}} {
		if d.draft == nil {
			continue
		}
		var it models.Item
		if err := tx.Where("application_id = ? AND kind = ?", t.ApplicationID, d.kind).Order("id DESC").First(&it).Error; err != nil {
			return err
		}
		var rev models.ItemRevision
		if err := tx.Where("item_id = ? AND revision = 1", it.ID).First(&rev).Error; err != nil {
			return err
		}
		steps := models.ExtensionChain
		if d.kind == models.KindReply {
			var err error
			if steps, err = models.ChainFor(ctx, tx, it.AgencyID, models.ReplyColumn); err != nil {
				return err
			}
		}
		res.ItemID, res.AuthorID, res.FormedOn, res.Title, res.Column, res.ContentHash, res.Steps = it.ID, it.AuthorID, it.FormedOn, it.Title, it.Column, rev.ContentHash, steps
		res.ExtensionWorkdays = d.draft.Workdays
	}
	return nil
}

// appDates computes every date the workflow waits for.
func appDates(cal *calendar.Calendar, t AppTransition, st calendar.ClockStatus) (AppDates, error) {
	var d AppDates
	region := t.Region
	add := func(from string, n int) (string, error) {
		date, err := calendar.ParseDate(from)
		if err != nil {
			return "", err
		}
		r, err := cal.AddWorkdays(region, date, n)
		return r.Due.String(), err
	}
	d.ReplyDue = st.Due.String()
	d.ReplyWarn5 = workdaysBefore(cal, region, st.Due, 5).String()
	d.ReplyWarn2 = workdaysBefore(cal, region, st.Due, 2).String()
	var err error
	if len(t.Clock.Events) > 0 {
		received := t.Clock.Events[0].Date.String()
		if d.CorrectionNoticeDue, err = add(received, 7); err != nil {
			return d, err
		}
		due, _ := calendar.ParseDate(d.CorrectionNoticeDue)
		d.CorrectionNoticeWarn = workdaysBefore(cal, region, due, 2).String()
	}
	if c := t.Correction; c.Sent && c.SentOn != "" && c.PeriodWorkdays > 0 {
		if d.CorrectionLapseOn, err = add(c.SentOn, c.PeriodWorkdays); err != nil {
			return d, err
		}
	}
	for _, r := range t.OpenConsultationsReceivedOn {
		end, err := add(r, 15)
		if err != nil {
			return d, err
		}
		if d.ConsultationEnds == nil {
			d.ConsultationEnds = map[string]string{}
		}
		d.ConsultationEnds[r] = end
		if d.ConsultationEndsOn == "" || end < d.ConsultationEndsOn {
			d.ConsultationEndsOn = end
		}
	}
	if t.FeeNoticeOn != "" {
		if d.FeeLapseOn, err = add(t.FeeNoticeOn, 20); err != nil {
			return d, err
		}
	}
	return d, nil
}
