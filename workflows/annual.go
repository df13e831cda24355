package workflows

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
)

// AnnualReportsWorkflow runs early each January from a Temporal Schedule.
const AnnualReportsWorkflow = "AnnualReports"

// AnnualReports opens every agency's draft report for the year just ended
// and reminds each agency 10, 5 and 2 working days before its deadline.
func AnnualReports(ctx workflow.Context) error {
	year := workflow.Now(ctx).In(chinaZone).Year() - 1
	var reminders []activities.ReportReminder
	if err := workflow.ExecuteActivity(activityCtx(ctx), acts.CreateDraftReports, year).Get(ctx, &reminders); err != nil {
		return err
	}
	slices.SortStableFunc(reminders, func(a, b activities.ReportReminder) int { return strings.Compare(a.On, b.On) })
	for _, r := range reminders {
		at, ok := dateAt(r.On, 0)
		if !ok {
			continue
		}
		if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
			if err := workflow.Sleep(ctx, wait); err != nil {
				return err
			}
		} else if wait < -24*time.Hour {
			continue // long past (the schedule ran late): not worth a stale reminder
		}
		if err := workflow.ExecuteActivity(activityCtx(ctx), acts.RemindAnnualReport, r).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}
