package worker

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"gongkai/workflows"
)

// DailyDigestScheduleID names the schedule of the daily digest.
const DailyDigestScheduleID = "gongkai-daily-digest"

// EnsureSchedules creates gongkai's Temporal Schedules unless they exist;
// every worker and `serve` calls it at start.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: DailyDigestScheduleID,
		// 00:00 UTC is 08:00 in China (UTC+8, no daylight saving): stated in
		// UTC so the server needs no time zone database.
		Spec: client.ScheduleSpec{CronExpressions: []string{"0 0 * * *"}},
		Action: &client.ScheduleWorkflowAction{
			ID: "daily-digest", Workflow: workflows.DailyDigestWorkflow, TaskQueue: taskQueue,
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	return err
}
