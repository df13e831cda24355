package workflows

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"gongkai/temporaltest"
)

// TestLocalActivitiesOutlastAnOutage: the item's database activities, now
// local, are retried past one attempt's 30 s budget (which is all the SDK
// allows by default), as the regular activities they replaced were: a
// database that fails for 35 s does not fail the workflow. Run on a real
// (embedded) server: the SDK's test environment does not time
// local-activity retries as a worker does.
func TestLocalActivitiesOutlastAnOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 35 s of retries")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := temporaltest.Client(t)

	var attempts atomic.Int32
	var first atomic.Int64
	flaky := func(context.Context) (int32, error) {
		n := attempts.Add(1)
		first.CompareAndSwap(0, time.Now().UnixNano())
		if time.Since(time.Unix(0, first.Load())) < 35*time.Second {
			return 0, errors.New("database is locked")
		}
		return n, nil
	}
	wf := func(ctx workflow.Context) (int32, error) {
		var n int32
		err := workflow.ExecuteLocalActivity(localActivityCtx(ctx), "flaky").Get(ctx, &n)
		return n, err
	}
	w := worker.New(c, "outage", worker.Options{})
	w.RegisterActivityWithOptions(flaky, activity.RegisterOptions{Name: "flaky"})
	w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "outage"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "outage"}, "outage")
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	if err := run.Get(ctx, &n); err != nil || n < 2 {
		t.Fatalf("workflow ended after %d attempts: %v; want success after the outage", n, err)
	}
}
