package devserver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"modernc.org/sqlite"
)

const (
	testNamespace = "default"
	taskQueue     = "devserver-test"
	stepSignal    = "step"
	noteUpdate    = "set-note"
)

// stepsWorkflow waits for three "step" signals and accepts one "set-note"
// update whose validator rejects an empty note. It returns the steps and
// the note, e.g. "one,two,three|hello".
func stepsWorkflow(ctx workflow.Context) (string, error) {
	var note string
	err := workflow.SetUpdateHandlerWithOptions(ctx, noteUpdate,
		func(ctx workflow.Context, n string) (string, error) {
			note = n
			return "noted " + n, nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, n string) error {
				if n == "" {
					return errors.New("note must not be empty")
				}
				return nil
			},
		})
	if err != nil {
		return "", err
	}

	ch := workflow.GetSignalChannel(ctx, stepSignal)
	var steps []string
	for len(steps) < 3 {
		var s string
		ch.Receive(ctx, &s)
		steps = append(steps, s)
	}
	// Do not complete under a running update handler.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	return strings.Join(steps, ",") + "|" + note, nil
}

// logger shows Temporal's warnings and errors in the test output.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// startServer starts a server and reports how long the start took.
func startServer(t *testing.T, ctx context.Context, o Options) *Server {
	t.Helper()
	begin := time.Now()
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v (frontend %s)", time.Since(begin).Round(time.Millisecond), s.FrontendAddress())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func stopServer(t *testing.T, s *Server) {
	t.Helper()
	begin := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(begin).Round(time.Millisecond))
}

// connect dials s and runs a worker for stepsWorkflow until the test ends
// or the returned stop func is called.
func connect(t *testing.T, s *Server) (client.Client, func()) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddress(),
		Namespace: testNamespace,
		Logger:    sdklog.NewStructuredLogger(quiet),
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(stepsWorkflow)
	if err := w.Start(); err != nil {
		c.Close()
		t.Fatalf("worker Start: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			w.Stop()
			c.Close()
		})
	}
	t.Cleanup(stop)
	return c, stop
}

func update(ctx context.Context, c client.Client, id, note string) (string, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   noteUpdate,
		Args:         []any{note},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return "", err
	}
	var res string
	err = h.Get(ctx, &res)
	return res, err
}

func signal(t *testing.T, ctx context.Context, c client.Client, id string, steps ...string) {
	t.Helper()
	for _, s := range steps {
		if err := c.SignalWorkflow(ctx, id, "", stepSignal, s); err != nil {
			t.Fatalf("signal %s to %s: %v", s, id, err)
		}
	}
}

// TestDurableAcrossRestart runs a workflow with signals and an update to
// completion, leaves a second one waiting, restarts the server on the same
// file and checks the second one resumes and completes.
func TestDurableAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := Options{
		DBPath:    filepath.Join(t.TempDir(), "temporal.db"),
		Namespace: testNamespace,
		Logger:    testLogger(),
	}

	s1 := startServer(t, ctx, opts)
	if s1.UIAddress() != "" {
		t.Errorf("UIAddress = %q with UIPort 0, want empty", s1.UIAddress())
	}
	c, stopWorker := connect(t, s1)

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "complete-now", TaskQueue: taskQueue}, stepsWorkflow)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if _, err := update(ctx, c, run.GetID(), ""); err == nil || !strings.Contains(err.Error(), "note must not be empty") {
		t.Fatalf("empty note: got err %v, want rejection by the validator", err)
	}
	if res, err := update(ctx, c, run.GetID(), "hello"); err != nil || res != "noted hello" {
		t.Fatalf("update: got %q, %v", res, err)
	}
	signal(t, ctx, c, run.GetID(), "one", "two", "three")
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if want := "one,two,three|hello"; got != want {
		t.Fatalf("result = %q, want %q", got, want)
	}

	// Left open across the restart, after one signal and the update. The
	// update goes last: its completion means the workflow task that took
	// the signal is done too, so no task is in flight when the worker
	// stops (one would only time out after 10s and be retried).
	open, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "survives-restart", TaskQueue: taskQueue}, stepsWorkflow)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	signal(t, ctx, c, open.GetID(), "one")
	if _, err := update(ctx, c, open.GetID(), "before restart"); err != nil {
		t.Fatalf("update before restart: %v", err)
	}

	stopWorker()
	stopServer(t, s1)

	s2 := startServer(t, ctx, opts) // Port 0 again: new ports, same file
	c2, _ := connect(t, s2)
	begin := time.Now()
	signal(t, ctx, c2, open.GetID(), "two", "three")
	// The run started before the restart; wait on it by ID.
	if err := c2.GetWorkflow(ctx, open.GetID(), "").Get(ctx, &got); err != nil {
		t.Fatalf("workflow result after restart: %v", err)
	}
	t.Logf("workflow completed %v after the restart", time.Since(begin).Round(time.Millisecond))
	if want := "one,two,three|before restart"; got != want {
		t.Fatalf("result after restart = %q, want %q", got, want)
	}

	// Registered once, on the first start, with the default retention.
	ns, err := c2.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: testNamespace})
	if err != nil {
		t.Fatal(err)
	}
	if r := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); r != defaultRetention {
		t.Errorf("retention = %v, want %v", r, defaultRetention)
	}
}

// syncByDSN records PRAGMA synchronous as seen on every new modernc
// connection, keyed by DSN. The hook runs after the driver has applied the
// DSN's _pragma parameters, so this is what the server's own connection
// got from the sqlite plugin.
var (
	hookOnce  sync.Once
	syncMu    sync.Mutex
	syncByDSN = map[string]int64{}
)

func recordSynchronous() {
	hookOnce.Do(func() {
		sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
			rows, err := conn.QueryContext(context.Background(), "PRAGMA synchronous", nil)
			if err != nil {
				return err
			}
			defer func() { _ = rows.Close() }()
			v := make([]driver.Value, 1)
			if err := rows.Next(v); err != nil {
				return err
			}
			n, ok := v[0].(int64)
			if !ok {
				return fmt.Errorf("PRAGMA synchronous returned %T", v[0])
			}
			syncMu.Lock()
			syncByDSN[dsn] = n
			syncMu.Unlock()
			return nil
		})
	})
}

// TestSQLitePragmas checks that the file is in WAL mode and that the
// server's connection runs with synchronous=NORMAL.
func TestSQLitePragmas(t *testing.T) {
	recordSynchronous()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "temporal.db")
	s := startServer(t, ctx, Options{DBPath: path, Namespace: testNamespace, Logger: testLogger()})

	// A second server on the same file in this process is refused.
	if s2, err := Start(ctx, Options{DBPath: path, Namespace: testNamespace}); err == nil {
		_ = s2.Stop()
		t.Fatal("second Start on a file in use succeeded")
	}

	// The server's connection: opened by the plugin, seen by the hook.
	var serverConns int
	syncMu.Lock()
	for dsn, n := range syncByDSN {
		// The plugin's DSN carries _time_format; ours (openDirect) does not.
		if strings.Contains(dsn, path) && strings.Contains(dsn, "_time_format") {
			serverConns++
			if n != 1 { // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
				t.Errorf("server connection synchronous = %d, want 1 (NORMAL); dsn %s", n, dsn)
			}
		}
	}
	syncMu.Unlock()
	if serverConns == 0 {
		t.Fatal("no server connection to the file was seen")
	}

	// journal_mode is stored in the file: a plain connection with no
	// pragmas of its own sees WAL. synchronous is per connection, so the
	// same plain connection still has SQLite's default (FULL).
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var mode string
	var syncMode int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	if syncMode != 2 {
		t.Errorf("plain connection synchronous = %d, want SQLite's default 2 (FULL)", syncMode)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file beside the database: %v", err)
	}

	stopServer(t, s)
	// Stop checkpoints: the WAL file is emptied into the main file.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("WAL file has %d bytes after Stop, want 0", fi.Size())
	}
}

// TestWebUI serves the embedded UI and reaches the frontend through it.
func TestWebUI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uiPort := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()

	s := startServer(t, ctx, Options{
		DBPath:    filepath.Join(t.TempDir(), "temporal.db"),
		Namespace: testNamespace,
		UIPort:    uiPort,
		Logger:    testLogger(),
	})
	if want := fmt.Sprintf("127.0.0.1:%d", uiPort); s.UIAddress() != want {
		t.Fatalf("UIAddress = %q, want %q", s.UIAddress(), want)
	}

	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.UIAddress()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s: %.200s", path, resp.Status, body)
		}
		return string(body)
	}
	if body := get("/"); !strings.Contains(strings.ToLower(body), "<html") {
		t.Errorf("GET / is not the UI page: %.200s", body)
	}
	// Through the UI server's API proxy to the frontend's gRPC.
	if body := get("/api/v1/namespaces/" + testNamespace); !strings.Contains(body, testNamespace) {
		t.Errorf("namespace via UI API: %.200s", body)
	}

	stopServer(t, s)
	if conn, err := net.DialTimeout("tcp", s.UIAddress(), time.Second); err == nil {
		_ = conn.Close()
		t.Error("UI still accepts connections after Stop")
	}
}

// TestRefusesForeignDatabase makes sure Temporal's tables are never added
// to a file that already holds something else (such as gongkai's own DB).
func TestRefusesForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE requests (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	s, err := Start(context.Background(), Options{DBPath: path, Namespace: testNamespace})
	if err == nil {
		_ = s.Stop()
		t.Fatal("Start on a non-Temporal database succeeded")
	}
	if !strings.Contains(err.Error(), "not a Temporal database") {
		t.Fatalf("err = %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Namespace: testNamespace},                                        // no DBPath
		{DBPath: filepath.Join(dir, "a?b.db"), Namespace: testNamespace},  // breaks the file: URI
		{DBPath: filepath.Join(dir, "x.db")},                              // no namespace
		{DBPath: filepath.Join(dir, "x.db"), Namespace: "n", Port: 65534}, // no room for +1..+3
		{DBPath: filepath.Join(dir, "x.db"), Namespace: "n", UIPort: -1},
	} {
		if s, err := Start(context.Background(), o); err == nil {
			_ = s.Stop()
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
	// None of them got as far as creating a database.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files created by failed starts: %v", entries)
	}
}

// TestFixedPortsOnLoopback starts on a fixed base port and checks the four
// services use base..base+3, and that every socket this process has, to
// listen or connected, is on the loopback interface.
func TestFixedPortsOnLoopback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := freeBasePort(t)
	s := startServer(t, ctx, Options{
		DBPath:    filepath.Join(t.TempDir(), "temporal.db"),
		Port:      base,
		Namespace: testNamespace,
		Logger:    testLogger(),
	})
	if want := fmt.Sprintf("127.0.0.1:%d", base); s.FrontendAddress() != want {
		t.Fatalf("FrontendAddress = %q, want %q", s.FrontendAddress(), want)
	}
	for p := base; p <= base+3; p++ {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
		if err != nil {
			t.Errorf("service port %d: %v", p, err)
			continue
		}
		_ = conn.Close()
	}

	// Let the worker service's system workflows get going, then look.
	c, _ := connect(t, s)
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	for _, bad := range nonLoopbackSockets(t) {
		t.Errorf("socket off loopback: %s", bad)
	}
}

// freeBasePort finds p such that p..p+3 are all free on 127.0.0.1.
func freeBasePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if base+3 > 65535 {
			continue
		}
		if _, err := pickPorts(base); err == nil {
			return base
		}
	}
	t.Fatal("no four consecutive free ports")
	return 0
}

// nonLoopbackSockets lists this process's TCP sockets whose local address,
// or remote address if connected, is not loopback. Linux only: it matches
// the socket inodes of /proc/self/fd against /proc/net/tcp{,6}.
func nonLoopbackSockets(t *testing.T) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	ours := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			ours[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var bad []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || !ours[f[9]] {
				continue
			}
			local, remote := procAddr(f[1]), procAddr(f[2])
			listening := f[3] == "0A"
			if !local.IsLoopback() || (!listening && !remote.IsLoopback()) {
				bad = append(bad, fmt.Sprintf("%s local %v remote %v state %s", table, local, remote, f[3]))
			}
		}
	}
	return bad
}

// procAddr decodes an address of /proc/net/tcp{,6}: hex IP in 32-bit
// little-endian words, then ":port".
func procAddr(s string) net.IP {
	h, _, _ := strings.Cut(s, ":")
	var ip net.IP
	for i := 0; i+8 <= len(h); i += 8 {
		var w [4]byte
		for j := range 4 {
			_, _ = fmt.Sscanf(h[i+2*j:i+2*j+2], "%02x", &w[3-j])
		}
		ip = append(ip, w[:]...)
	}
	return ip
}

// TestVisibilityIndexes: the custom-search-attribute indexes are dropped from
// a new file and from one an older build set up, and listing workflows by
// type (what the Temporal Web UI does) still works.
func TestVisibilityIndexes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "temporal.db")
	indexes := func() map[string]bool {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility'")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rows.Close() }()
		names := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names[n] = true
		}
		return names
	}
	check := func(when string) {
		t.Helper()
		got := indexes()
		for _, n := range customSearchAttributeIndexes {
			if got[n] {
				t.Errorf("%s: index %s still exists", when, n)
			}
		}
		for _, n := range []string{"default_idx", "by_workflow_type", "by_status", "by_temporal_namespace_division"} {
			if !got[n] {
				t.Errorf("%s: index %s is missing", when, n)
			}
		}
	}

	s := startServer(t, ctx, Options{DBPath: path, Namespace: testNamespace, Logger: testLogger()})
	c, stopClient := connect(t, s)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "vis-1", TaskQueue: taskQueue}, stepsWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := update(ctx, c, run.GetID(), "done"); err != nil {
		t.Fatal(err)
	}
	signal(t, ctx, c, run.GetID(), "one", "two", "three")
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'stepsWorkflow' AND ExecutionStatus = 'Completed'"})
		if err != nil {
			t.Fatalf("list workflows: %v", err)
		}
		if len(resp.Executions) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("list workflows found %d completed, want 1", len(resp.Executions))
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopClient()
	stopServer(t, s)
	check("new file")

	// A file set up before the indexes were dropped gets them dropped at start.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE INDEX by_keyword_01 ON executions_visibility (namespace_id, Keyword01)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if !indexes()["by_keyword_01"] {
		t.Fatal("could not recreate by_keyword_01")
	}
	s = startServer(t, ctx, Options{DBPath: path, Namespace: testNamespace, Logger: testLogger()})
	stopServer(t, s)
	check("older file")
}
