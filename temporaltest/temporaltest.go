// Package temporaltest gives tests a real Temporal server: the embedded one
// gongkai serve runs, on a fresh SQLite file, with a client dialled to it.
package temporaltest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"gongkai/devserver"
)

// Client starts an embedded Temporal server in a temp dir and returns a
// client of its "default" namespace; both stop when the test ends.
func Client(t testing.TB) client.Client {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ts, err := devserver.Start(context.Background(), devserver.Options{
		DBPath: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default", Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Stop() })
	c, err := client.Dial(client.Options{HostPort: ts.FrontendAddress(), Namespace: "default", Logger: sdklog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// History reads a workflow's full history.
func History(t testing.TB, c client.Client, workflowID string) *historypb.History {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

// WriteHistory waits up to 30 s for the workflow to complete and writes its
// history to path in the JSON form WorkflowReplayer.ReplayWorkflowHistoryFromJSONFile
// reads: the stored histories replay tests check workflow changes against.
func WriteHistory(t testing.TB, c client.Client, workflowID, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	h := History(t, c, workflowID)
	for n := len(h.Events); n == 0 || h.Events[n-1].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED; n = len(h.Events) {
		if time.Now().After(deadline) {
			t.Fatalf("history of %s does not end with the workflow's completion", workflowID)
		}
		time.Sleep(100 * time.Millisecond)
		h = History(t, c, workflowID)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d events, %d bytes", path, len(h.Events), len(b)+1)
}
