package main

// End-to-end tests: they build the gongkai binary and run it as a user
// would, talking to it over HTTP only.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"gongkai/dbtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gongkai-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "gongkai")
	// Built with the test's own settings, so it reuses the test build's cache.
	build := exec.Command("go", "build", "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build gongkai: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running gongkai process with its output captured.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of gongkai %s:\n%s", strings.Join(args, " "), out.String())
		}
	})
	return p
}

// stop sends SIGTERM and requires a clean exit.
func (p *proc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("exit after SIGTERM: %v\n%s", err, p.out.String())
		}
	case <-time.After(60 * time.Second):
		p.t.Fatalf("no exit within 60s of SIGTERM\n%s", p.out.String())
	}
}

// runOnce runs a short command and returns its output, failing on error.
func runOnce(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gongkai %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, p *proc, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("process exited before ready: %v\n%s", err, p.out.String())
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s/readyz not ready within 2 minutes\n%s", base, p.out.String())
}

func call(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func login(t *testing.T, base, username, password string) string {
	t.Helper()
	var resp struct{ Token string }
	if code := call(t, "POST", base+"/api/v1/login", "", map[string]string{"username": username, "password": password}, &resp); code != 200 {
		t.Fatalf("login %s at %s: %d", username, base, code)
	}
	return resp.Token
}

func meAgency(t *testing.T, base, token string) string {
	t.Helper()
	var me struct{ Agency struct{ Code string } }
	if code := call(t, "GET", base+"/api/v1/me", token, nil, &me); code != 200 {
		t.Fatalf("GET /me: %d", code)
	}
	return me.Agency.Code
}

func TestServeDemoSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := []string{"GONGKAI_DEMO_PASSWORD=e2e-demo-pass"}
	args := []string{"serve", "--demo", "--data", data, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--temporal-port", "0"}

	p := start(t, env, args...)
	waitReady(t, p, base)
	// The banner reaches our buffer through a pipe: give it a moment.
	bannerBy := time.Now().Add(5 * time.Second)
	for out := p.out.String(); !strings.Contains(out, base) || !strings.Contains(out, "e2e-demo-pass"); out = p.out.String() {
		if time.Now().After(bannerBy) {
			t.Fatalf("start-up banner lacks the address or demo password:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	token := login(t, base, "editor", "e2e-demo-pass")
	if got := meAgency(t, base, token); got != "chengguan" {
		t.Fatalf("editor's agency = %q", got)
	}
	// A real install adds users from the CLI while serve runs.
	runOnce(t, []string{"GONGKAI_PASSWORD="}, "new-user-pass\n", "user", "add", "--data", data, "--agency", "shanhe", "--username", "zhang", "--role", "editor,clerk")
	if got := meAgency(t, base, login(t, base, "zhang", "new-user-pass")); got != "shanhe" {
		t.Fatalf("zhang's agency = %q", got)
	}
	p.stop()

	p2 := start(t, env, args...)
	waitReady(t, p2, base)
	if got := meAgency(t, base, token); got != "chengguan" {
		t.Fatalf("token from before the restart: agency %q", got)
	}
	login(t, base, "reviewer", "e2e-demo-pass")
	login(t, base, "zhang", "new-user-pass")
	p2.stop()

	// The demo's 2023 records make 城关镇's 2023 annual report, from the CLI too.
	out := runOnce(t, nil, "", "report", "annual", "--agency", "chengguan", "--year", "2023", "--data", data)
	if !strings.Contains(out, "主动公开信息共计11条") || !strings.Contains(out, `"carried_forward"`) {
		t.Fatalf("report annual output:\n%.2000s", out)
	}
	xlsx := filepath.Join(data, "2023.xlsx")
	runOnce(t, nil, "", "report", "annual", "--agency", "chengguan", "--year", "2023", "--format", "xlsx", "-o", xlsx, "--data", data)
	if b, err := os.ReadFile(xlsx); err != nil || len(b) < 1000 || string(b[:2]) != "PK" {
		t.Fatalf("xlsx report: %d bytes, %v", len(b), err)
	}
}

func TestAPIAndWorkerAgainstExternalTemporalAndMySQL(t *testing.T) {
	dsn := dbtest.MySQLDSN(t)
	tport := freePort(t)
	temporalAddr := fmt.Sprintf("127.0.0.1:%d", tport)
	tp := start(t, nil, "temporal", "--data", t.TempDir(), "--temporal-port", fmt.Sprint(tport))
	env := []string{"GONGKAI_DB_DSN=" + dsn, "TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_NAMESPACE=default"}

	// The api refuses to start on an unmigrated database.
	cmd := exec.Command(binary, "api", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "gongkai migrate") {
		t.Fatalf("api on an unmigrated database: err %v, output %s", err, out)
	}
	runOnce(t, env, "", "migrate")
	runOnce(t, env, "", "agency", "add", "--code", "cg", "--name", "城关镇", "--region", "宁夏")
	runOnce(t, env, "pw-for-li-1\n", "user", "add", "--agency", "cg", "--username", "li", "--role", "reviewer,leader")

	var bases []string
	var apis []*proc
	for range 2 {
		port := freePort(t)
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		p := start(t, env, "api", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
		waitReady(t, p, base)
		bases = append(bases, base)
		apis = append(apis, p)
	}
	w1 := start(t, env, "worker")
	w2 := start(t, env, "worker")

	// A token issued by one api process works on the other: sessions are shared.
	token := login(t, bases[0], "li", "pw-for-li-1")
	if got := meAgency(t, bases[1], token); got != "cg" {
		t.Fatalf("agency via second api = %q", got)
	}

	// Both workers poll the task queue on the external Temporal server.
	c, err := client.Dial(client.Options{HostPort: temporalAddr, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := c.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: "gongkai"}, TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		})
		if err == nil && len(resp.Pollers) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers not polling: %v %v", resp, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, p := range append(apis, w1, w2, tp) {
		p.stop()
	}
}

func TestCalendarCLI(t *testing.T) {
	data := t.TempDir()
	out := runOnce(t, nil, "", "calendar", "deadline", "2026-09-18", "20", "--data", data)
	if !strings.Contains(out, "= 2026-10-22") || !strings.Contains(out, "中秋节") {
		t.Fatalf("deadline output:\n%s", out)
	}
	overlay := filepath.Join(data, "ningxia-2026.csv")
	os.WriteFile(overlay, []byte("date,region,working,name,source\n2026-09-21,宁夏,放假,测试假日,宁政办发〔2026〕9号\n"), 0o600)
	if out := runOnce(t, nil, "", "calendar", "import", overlay, "--data", data); !strings.Contains(out, "宁夏 2026-09-21…2026-09-21") {
		t.Fatalf("import output:\n%s", out)
	}
	if out := runOnce(t, nil, "", "calendar", "deadline", "2026-09-18", "20", "--region", "宁夏", "--data", data); !strings.Contains(out, "= 2026-10-23") || !strings.Contains(out, "测试假日") {
		t.Fatalf("宁夏 deadline after import:\n%s", out)
	}
	// A bad file is refused whole, naming the line.
	bad := filepath.Join(data, "bad.csv")
	os.WriteFile(bad, []byte("date,region,working,name\n2026-10-12,宁夏,放假,x\n2026-02-30,宁夏,放假,y\n"), 0o600)
	cmd := exec.Command(binary, "calendar", "import", bad, "--data", data)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "line 3") {
		t.Fatalf("bad import: %v\n%s", err, out)
	}
	if out := runOnce(t, nil, "", "calendar", "deadline", "2026-10-09", "2", "--region", "宁夏", "--data", data); !strings.Contains(out, "= 2026-10-12") {
		t.Fatalf("the bad file's first row was stored:\n%s", out)
	}
	cmd = exec.Command(binary, "calendar", "deadline", "2026-09-18", "0")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "WORKDAYS") {
		t.Fatalf("workdays 0: %v\n%s", err, out)
	}
}
