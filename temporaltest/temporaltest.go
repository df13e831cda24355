// Package temporaltest gives tests a real Temporal server: the embedded one
// gongkai serve runs, on a fresh SQLite file, with a client dialled to it.
package temporaltest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

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
