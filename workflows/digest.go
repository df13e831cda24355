package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// DailyDigestWorkflow runs once a day from a Temporal Schedule.
const DailyDigestWorkflow = "DailyDigest"

// DailyDigest tells each agency's disclosure office which applications are
// due soon and which are overdue.
func DailyDigest(ctx workflow.Context) error {
	return workflow.ExecuteActivity(activityCtx(ctx), acts.SendDailyDigests, today(ctx)).Get(ctx, nil)
}
