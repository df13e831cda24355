package worker

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"gongkai/workflows"
)

// Schedule ids.
const (
	DailyDigestScheduleID   = "gongkai-daily-digest"
	AnnualReportsScheduleID = "gongkai-annual-reports"
)

// EnsureSchedules creates gongkai's Temporal Schedules unless they exist;
// every worker and `serve` calls it at start.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	// Times in UTC so the server needs no time zone database: 00:00 UTC is
	// 08:00 in China (UTC+8, no daylight saving).
	for _, sc := range []struct {
		id, cron, workflowID, workflow string
	}{
		{DailyDigestScheduleID, "0 0 * * *", "daily-digest", workflows.DailyDigestWorkflow},
		// 2 January, 09:00 in China: draft reports for the year just ended.
		{AnnualReportsScheduleID, "0 1 2 1 *", "annual-reports", workflows.AnnualReportsWorkflow},
	} {
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:     sc.id,
			Spec:   client.ScheduleSpec{CronExpressions: []string{sc.cron}},
			Action: &client.ScheduleWorkflowAction{ID: sc.workflowID, Workflow: sc.workflow, TaskQueue: taskQueue},
		})
		if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return err
		}
	}
	return nil
}
