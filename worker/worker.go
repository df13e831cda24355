// Package worker builds the Temporal worker that runs gongkai's workflows
// and activities; `gongkai serve` and `gongkai worker` both use it.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
	"gongkai/workflows"
)

// New returns a worker on taskQueue with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	w.RegisterActivity(acts)
	w.RegisterWorkflowWithOptions(workflows.ItemReview, workflow.RegisterOptions{Name: workflows.ItemReviewWorkflow})
	w.RegisterWorkflowWithOptions(workflows.ApplicationCase, workflow.RegisterOptions{Name: workflows.ApplicationWorkflow})
	w.RegisterWorkflowWithOptions(workflows.DailyDigest, workflow.RegisterOptions{Name: workflows.DailyDigestWorkflow})
	w.RegisterWorkflowWithOptions(workflows.AnnualReports, workflow.RegisterOptions{Name: workflows.AnnualReportsWorkflow})
	return w
}
