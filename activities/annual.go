package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongkai/calendar"
	"gongkai/models"
)

// ReportReminder is one reminder of an agency's annual report deadline.
type ReportReminder struct {
	AgencyID uint
	Year     int
	Deadline string // YYYY-MM-DD
	On       string // the day it goes out
	Workdays int    // working days left
}

// ReportReminderWorkdays: reminders go out this many working days before
// the deadline.
var ReportReminderWorkdays = []int{10, 5, 2}

// CreateDraftReports opens a draft annual report for year for every agency
// that has none, and returns the reminders due before each deadline.
func (a *Activities) CreateDraftReports(ctx context.Context, year int) ([]ReportReminder, error) {
	var agencies []models.Agency
	if err := a.DB.WithContext(ctx).Order("id").Find(&agencies).Error; err != nil {
		return nil, err
	}
	cal, err := models.LoadCalendar(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	var out []ReportReminder
	for _, ag := range agencies {
		row := models.AnnualReport{AgencyID: ag.ID, Year: year, Status: models.ReportDraft, UpdatedAt: time.Now().UTC()}
		if err := a.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return nil, err
		}
		mmdd := ag.ReportDeadline
		if mmdd == "" {
			mmdd = "01-31"
		}
		deadline, err := calendar.ParseDate(fmt.Sprintf("%d-%s", year+1, mmdd))
		if err != nil {
			return nil, fmt.Errorf("agency %s report deadline %q: %w", ag.Code, mmdd, err)
		}
		for _, n := range ReportReminderWorkdays {
			out = append(out, ReportReminder{AgencyID: ag.ID, Year: year, Deadline: deadline.String(),
				On: workdaysBefore(cal, ag.Region, deadline, n).String(), Workdays: n})
		}
	}
	return out, nil
}

// RemindAnnualReport tells the agency's editors, reviewers and admins that
// the report is due, unless it is already finalised or published.
func (a *Activities) RemindAnnualReport(ctx context.Context, r ReportReminder) error {
	var row models.AnnualReport
	err := a.DB.WithContext(ctx).Where("agency_id = ? AND year = ?", r.AgencyID, r.Year).First(&row).Error
	if err == nil && row.Status != models.ReportDraft {
		return nil
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	return a.SendReminder(ctx, ReminderInput{
		Key: fmt.Sprintf("annual-report/%d/%d/%d", r.AgencyID, r.Year, r.Workdays), AgencyID: r.AgencyID,
		Notice: Notice{Roles: []string{models.RoleEditor, models.RoleReviewer, models.RoleAdmin}, Kind: "annual_report_due",
			Message: fmt.Sprintf("%d年政府信息公开工作年度报告须在 %s 前公布（条例第四十九条），还剩 %d 个工作日", r.Year, r.Deadline, r.Workdays)},
	})
}
