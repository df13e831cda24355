package activities

import (
	"context"
	"fmt"
	"strings"

	"gongkai/calendar"
	"gongkai/models"
)

// DigestDueSoonWorkdays: an application due within this many working days
// is listed as due soon.
const DigestDueSoonWorkdays = 2

// SendDailyDigests sends each agency with open applications one digest of
// those due soon and those overdue, to its clerks, reviewers and leaders.
// Keyed by agency and day, so a rerun sends nothing twice.
func (a *Activities) SendDailyDigests(ctx context.Context, today string) error {
	day, err := calendar.ParseDate(today)
	if err != nil {
		return err
	}
	cal, err := models.LoadCalendar(ctx, a.DB)
	if err != nil {
		return err
	}
	var apps []models.Application
	open := []string{models.AppRegistered, models.AppCorrection, models.AppConsulting, models.AppFeePending, models.AppReplyReview, models.AppReplyReady}
	if err := a.DB.WithContext(ctx).Select("id", "agency_id", "number", "due_on", "clock_state").
		Where("status IN ? AND due_on <> ''", open).Order("agency_id, due_on").Find(&apps).Error; err != nil {
		return err
	}
	type digest struct{ soon, late []string }
	byAgency := map[uint]*digest{}
	var order []uint
	for _, app := range apps {
		due, err := calendar.ParseDate(app.DueOn)
		if err != nil || app.ClockState == string(calendar.StatePaused) {
			continue
		}
		var agency models.Agency
		if err := a.DB.WithContext(ctx).Select("region").First(&agency, app.AgencyID).Error; err != nil {
			return err
		}
		left, _ := cal.WorkdaysBetween(agency.Region, day, due)
		d := byAgency[app.AgencyID]
		if d == nil {
			d = &digest{}
			byAgency[app.AgencyID] = d
			order = append(order, app.AgencyID)
		}
		switch {
		case due.Before(day):
			d.late = append(d.late, app.Number+"（期限 "+app.DueOn+"）")
		case left <= DigestDueSoonWorkdays:
			d.soon = append(d.soon, app.Number+"（期限 "+app.DueOn+"）")
		}
	}
	for _, agencyID := range order {
		d := byAgency[agencyID]
		if len(d.soon) == 0 && len(d.late) == 0 {
			continue
		}
		msg := fmt.Sprintf("%s 依申请公开提醒：即将到期 %d 件%s；已逾期 %d 件%s", today,
			len(d.soon), list(d.soon), len(d.late), list(d.late))
		if err := a.SendReminder(ctx, ReminderInput{
			Key: fmt.Sprintf("digest/%d/%s", agencyID, today), AgencyID: agencyID,
			Notice: Notice{Roles: []string{models.RoleClerk, models.RoleReviewer, models.RoleLeader}, Kind: "daily_digest", Message: msg},
		}); err != nil {
			return err
		}
	}
	return nil
}

func list(numbers []string) string {
	if len(numbers) == 0 {
		return ""
	}
	return "：" + strings.Join(numbers, "、")
}
