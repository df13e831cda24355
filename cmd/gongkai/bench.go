package main

// gongkai bench: load measurements of the two paths that decide whether an
// office can work in gongkai all day, each ending in one JSON line that
// scripts (and bench_test.go) read.
//
//	bench chain  the review chain end to end over HTTP (create, submit,
//	             approve, approve: each decision a Temporal Update) against a
//	             fresh all-in-one instance, beside a bare Temporal baseline
//	             (start, three signals, result) on the same embedded server.
//	bench inbox  GET /api/v1/tasks through the real handler on a database
//	             seeded with N items, M of them with an open task.
//
// Both print a table and, last, the JSON line. docs/benchmarks.md records
// what they measured and how to read it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"gongkai/calendar"
	"gongkai/config"
	"gongkai/demo"
	"gongkai/metrics"
	"gongkai/models"
	"gongkai/workflows"
)

const benchUsage = `Usage:
  gongkai bench chain [--items N] [--concurrency C] [--rounds R] [--data DIR] [--log-level L] [--cpuprofile FILE]
  gongkai bench inbox [--items N] [--open M] [--agencies K] [--requests R] [--batch B] [--timeout D]
                      [--data DIR] [--reuse] [--log-level L] [--cpuprofile FILE]
                      (with GONGKAI_DB_DSN set, inbox seeds that MySQL/MariaDB database: give it a scratch one)
  gongkai bench report [--applications N] [--batch B] [--runs R] [--data DIR]
                      (seeds N applications into an empty database and times the annual report)

docs/benchmarks.md tells what they measure and what was measured.

Run "gongkai bench chain -h" or "gongkai bench inbox -h" for the flags.
`

// runBench handles `gongkai bench chain|inbox|report`.
func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, benchUsage)
		return errors.New("bench: name a benchmark: chain, inbox or report")
	}
	switch args[0] {
	case "chain":
		return benchChain(ctx, args[1:], stdout)
	case "inbox":
		return benchInbox(ctx, args[1:], stdout)
	case "report":
		return benchReport(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	default:
		fmt.Fprint(stdout, benchUsage)
		return fmt.Errorf("bench: unknown benchmark %q (want chain, inbox or report)", args[0])
	}
}

// ----------------------------------------------------------------- shared

// benchFlags are the flags both benchmarks take, on top of the environment.
type benchFlags struct {
	*flags
	data, cpuProfile string
}

func newBenchFlags(name string, stdout io.Writer) (*benchFlags, error) {
	f, err := newFlags("bench "+name, stdout)
	if err != nil {
		return nil, err
	}
	bf := &benchFlags{flags: f}
	f.fs.StringVar(&bf.data, "data", "", "data directory (default: a temporary directory, removed afterwards)")
	level := "warn" // the server's info log, a line per request, would only slow the benchmark
	if os.Getenv(config.EnvLogLevel) != "" {
		level = f.cfg.LogLevel
	}
	f.fs.StringVar(&f.cfg.LogLevel, "log-level", level, "level of the server's log on standard error: debug, info, warn, error (env "+config.EnvLogLevel+")")
	f.fs.StringVar(&bf.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured phase (client and server: one process) to FILE")
	return bf, nil
}

// dataDir sets cfg.DataDir to --data, or to a new temporary directory that
// the returned cleanup removes.
func (bf *benchFlags) dataDir() (cleanup func(), err error) {
	if bf.data != "" {
		bf.cfg.DataDir = bf.data
		return func() {}, os.MkdirAll(bf.data, 0o750)
	}
	dir, err := os.MkdirTemp("", "gongkai-bench-")
	if err != nil {
		return nil, err
	}
	bf.cfg.DataDir = dir
	return func() { os.RemoveAll(dir) }, nil
}

// startProfile starts the CPU profile if asked for; the returned stop ends it.
func (bf *benchFlags) startProfile() (stop func(), err error) {
	if bf.cpuProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(bf.cpuProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// dbDescription names the records database without its password.
func dbDescription(cfg config.Config) string {
	if cfg.DBDSN == "" {
		return "SQLite " + cfg.SQLitePath()
	}
	if mc, err := mysql.ParseDSN(cfg.DBDSN); err == nil {
		return fmt.Sprintf("MySQL/MariaDB %s/%s (%s)", mc.Addr, mc.DBName, config.EnvDBDSN)
	}
	return "MySQL/MariaDB (" + config.EnvDBDSN + ")"
}

// recorder collects latencies by name from concurrent clients.
type recorder struct {
	mu sync.Mutex
	d  map[string][]time.Duration
}

func newRecorder() *recorder { return &recorder{d: map[string][]time.Duration{}} }

func (r *recorder) add(name string, d time.Duration) {
	r.mu.Lock()
	r.d[name] = append(r.d[name], d)
	r.mu.Unlock()
}

func (r *recorder) get(names ...string) latencies {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out latencies
	for _, n := range names {
		out = append(out, r.d[n]...)
	}
	slices.Sort(out)
	return out
}

// latencies is a sorted sample.
type latencies []time.Duration

// pct is the nearest-rank percentile p (0 < p ≤ 100) in milliseconds.
func (l latencies) pct(p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(l)))) - 1
	return msOf(l[max(0, min(i, len(l)-1))])
}

func (l latencies) mean() float64 {
	if len(l) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	return msOf(sum / time.Duration(len(l)))
}

func (l latencies) row(w io.Writer, name string) {
	if len(l) == 0 {
		fmt.Fprintf(w, "%s\t0\t-\t-\t-\t-\t\n", name)
		return
	}
	fmt.Fprintf(w, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, len(l), l.mean(), l.pct(50), l.pct(99), msOf(l[len(l)-1]))
}

func latencyTable(w io.Writer) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tcount\tmean ms\tp50 ms\tp99 ms\tmax ms\t\n")
	return tw
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// round keeps 4 significant digits, never rounding a positive value to 0.
func round(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return r
}

// maxRSSMB is the process's peak resident set (VmHWM). Where /proc is
// missing it falls back to the memory the Go runtime holds from the OS.
func maxRSSMB() float64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
						return kb / 1024
					}
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.Sys) / (1 << 20)
}

// loadAverage is the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// processCPU is the user+system CPU time the process has used so far,
// from /proc/self/stat (clock ticks of 1/100 s); 0 where that is missing.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// runPool runs f(0..n-1) on conc goroutines; the first error stops them all.
func runPool(ctx context.Context, n, conc int, f func(ctx context.Context, i int) error) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range max(1, min(conc, n)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return elapsed, context.Cause(ctx)
	}
	return elapsed, nil
}

// benchClient talks to a gongkai API over HTTP.
type benchClient struct {
	base string
	hc   *http.Client
}

func newBenchClient(base string, conns int) *benchClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns+4, conns+4
	return &benchClient{base: base, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (c *benchClient) close() { c.hc.CloseIdleConnections() }

// do sends a JSON request and decodes a 2xx answer into out. Any other
// answer is an error naming the request and quoting the answer.
func (c *benchClient) do(ctx context.Context, method, path, token string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		const maxQuote = 500
		if len(b) > maxQuote {
			b = append(b[:maxQuote], "…"...)
		}
		return fmt.Errorf("%s %s answered %d %s: %s", method, path, resp.StatusCode, http.StatusText(resp.StatusCode), bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

func (c *benchClient) login(ctx context.Context, username, password string) (string, error) {
	var resp struct {
		Token string `json:"token"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/login", "", map[string]string{"username": username, "password": password}, &resp); err != nil {
		return "", fmt.Errorf("log in as %s: %w", username, err)
	}
	if resp.Token == "" {
		return "", fmt.Errorf("log in as %s: no token in the answer", username)
	}
	return resp.Token, nil
}

// ------------------------------------------------------------------ chain

// chainResult is the JSON line `bench chain` ends with.
type chainResult struct {
	ChainsPerS    float64 `json:"chains_per_s"`
	BaselinePerS  float64 `json:"baseline_per_s"`
	Ratio         float64 `json:"ratio"`
	DecisionP50MS float64 `json:"decision_p50_ms"`
	DecisionP99MS float64 `json:"decision_p99_ms"`
	RSSMB         float64 `json:"rss_mb"`
}

// The bare Temporal baseline: a workflow that waits for three signals.
const (
	baselineWorkflowName = "GongkaiBenchBaseline"
	baselineSignal       = "step"
	baselineTaskQueue    = "gongkai-bench-baseline"
)

func benchBaselineWorkflow(ctx workflow.Context) (int, error) {
	ch := workflow.GetSignalChannel(ctx, baselineSignal)
	for range 3 {
		ch.Receive(ctx, nil)
	}
	return 3, nil
}

// decision is what submit and approve answer.
type decision struct {
	Status string `json:"status"`
	TaskID uint   `json:"task_id"`
	Step   string `json:"step"`
	DueOn  string `json:"due_on"`
}

type chainTokens struct{ editor, reviewer, leader string }

// benchChain handles `gongkai bench chain`.
func benchChain(ctx context.Context, args []string, stdout io.Writer) error {
	bf, err := newBenchFlags("chain", stdout)
	if err != nil {
		return err
	}
	var items, conc, rounds int
	bf.fs.IntVar(&items, "items", 200, "items to push through create → submit → approve → approve")
	bf.fs.IntVar(&conc, "concurrency", 8, "concurrent clients (each runs one item's chain at a time)")
	bf.fs.IntVar(&rounds, "rounds", 4, "turns chains and baseline take (each runs items/rounds per turn)")
	if err := bf.parse(args); err != nil {
		return err
	}
	if items < 1 || conc < 1 || rounds < 1 {
		return errors.New("--items, --concurrency and --rounds must be at least 1")
	}
	rounds = min(rounds, items)
	cleanup, err := bf.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	cfg := bf.cfg
	cfg.Addr, cfg.TemporalPort, cfg.UIPort, cfg.Demo = "127.0.0.1:0", 0, 0, true
	log := newLogger(cfg.LogLevel)

	fmt.Fprintf(stdout, "gongkai bench chain: %d items, concurrency %d, GOMAXPROCS %d\n", items, conc, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "starting all-in-one instance: data %s, records %s\n", cfg.DataDir, dbDescription(cfg))
	started := time.Now()
	inst, err := startAllInOne(ctx, cfg, log)
	if err != nil {
		return err
	}
	srvCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(srvCtx, inst.srv, inst.ln, log) }()
	defer func() {
		stopServing()
		<-served
		inst.stop()
	}()

	bw := sdkworker.New(inst.tc, baselineTaskQueue, sdkworker.Options{})
	bw.RegisterWorkflowWithOptions(benchBaselineWorkflow, workflow.RegisterOptions{Name: baselineWorkflowName})
	if err := bw.Start(); err != nil {
		return fmt.Errorf("start baseline worker: %w", err)
	}
	defer bw.Stop()
	fmt.Fprintf(stdout, "ready in %.1fs at %s (Temporal %s)\n", time.Since(started).Seconds(), inst.url, inst.cfg.TemporalAddress)

	hc := newBenchClient(inst.url, conc)
	defer hc.close()
	var tok chainTokens
	for _, u := range []struct {
		name string
		dst  *string
	}{{"editor", &tok.editor}, {"reviewer", &tok.reviewer}, {"leader", &tok.leader}} {
		if *u.dst, err = hc.login(ctx, u.name, cfg.DemoPassword); err != nil {
			return err
		}
	}

	rec := newRecorder()
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	// One unmeasured chain and baseline workflow first, so neither side
	// pays for the first workflow type, task queue and connections.
	warmItem, err := runChain(ctx, hc, tok, -1, newRecorder())
	if err != nil {
		return fmt.Errorf("warm-up chain: %w", err)
	}
	warmBase, err := runBaseline(ctx, inst.tc, nonce+"-warm", newRecorder())
	if err != nil {
		return fmt.Errorf("warm-up baseline workflow: %w", err)
	}
	// What each side asks of Temporal: the histories of the warm-up runs.
	chainEvents, err := historyShape(ctx, inst.tc, workflows.ItemWorkflowID(warmItem))
	if err != nil {
		return err
	}
	baseEvents, err := historyShape(ctx, inst.tc, warmBase)
	if err != nil {
		return err
	}

	before := loadAverage()
	stopProfile, err := bf.startProfile()
	if err != nil {
		return err
	}
	// Chains and baseline take turns, rounds times each, so that a change
	// in the machine's load (it may be shared) falls on both sides alike.
	var chainTime, baseTime, chainCPU, baseCPU time.Duration
	for r := range rounds {
		lo, hi := r*items/rounds, (r+1)*items/rounds
		cpu0 := processCPU()
		d, err := runPool(ctx, hi-lo, conc, func(ctx context.Context, i int) error {
			_, err := runChain(ctx, hc, tok, lo+i, rec)
			return err
		})
		chainTime += d
		if err != nil {
			stopProfile()
			return fmt.Errorf("bench chain: %w", err)
		}
		cpu1 := processCPU()
		chainCPU += cpu1 - cpu0
		d, err = runPool(ctx, hi-lo, conc, func(ctx context.Context, i int) error {
			_, err := runBaseline(ctx, inst.tc, fmt.Sprintf("%s-%d", nonce, lo+i), rec)
			return err
		})
		baseTime += d
		if err != nil {
			stopProfile()
			return fmt.Errorf("bench chain baseline: %w", err)
		}
		baseCPU += processCPU() - cpu1
		fmt.Fprintf(stdout, "round %d/%d: %d chains, %d baseline workflows; %.2fs and %.2fs so far\n", r+1, rounds, hi-lo, hi-lo, chainTime.Seconds(), baseTime.Seconds())
	}
	stopProfile()

	decisions := rec.get("submit", "approve review", "approve leader")
	res := chainResult{
		ChainsPerS:    round(float64(items) / chainTime.Seconds()),
		BaselinePerS:  round(float64(items) / baseTime.Seconds()),
		DecisionP50MS: round(decisions.pct(50)),
		DecisionP99MS: round(decisions.pct(99)),
		RSSMB:         round(maxRSSMB()),
	}
	res.Ratio = round(res.ChainsPerS / res.BaselinePerS)

	fmt.Fprintln(stdout)
	tw := latencyTable(stdout)
	rec.get("create").row(tw, "create item (POST /items, starts workflow)")
	rec.get("submit").row(tw, "submit (Update-with-start)")
	rec.get("approve review").row(tw, "approve, reviewer (Update)")
	rec.get("approve leader").row(tw, "approve, leader (Update, publishes)")
	decisions.row(tw, "all decisions")
	rec.get("base start").row(tw, "baseline: start workflow")
	rec.get("base signal").row(tw, "baseline: signal")
	rec.get("base result").row(tw, "baseline: wait for result")
	tw.Flush()
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "chains\t%d in %.2fs\t%.2f chains/s\t(create, submit, 2 approvals over HTTP)\n", items, chainTime.Seconds(), res.ChainsPerS)
	fmt.Fprintf(tw, "baseline\t%d in %.2fs\t%.2f workflows/s\t(start, 3 signals, result via the Temporal client)\n", items, baseTime.Seconds(), res.BaselinePerS)
	fmt.Fprintf(tw, "ratio\t%.4g\t(target ≥ 0.5: %s)\n", res.Ratio, verdict(res.Ratio >= 0.5))
	fmt.Fprintf(tw, "decision p99\t%.4g ms\t(target ≤ 50 ms: %s)\n", res.DecisionP99MS, verdict(res.DecisionP99MS <= 50))
	if chainCPU > 0 && baseCPU > 0 {
		perChain, perBase := msOf(chainCPU)/float64(items), msOf(baseCPU)/float64(items)
		fmt.Fprintf(tw, "CPU per chain\t%.1f ms\t(user+system time of the whole process during the chains' turns)\n", perChain)
		fmt.Fprintf(tw, "CPU per baseline\t%.1f ms\t(the same during the baseline's turns; chain/baseline = %.2f)\n", perBase, perChain/perBase)
	}
	fmt.Fprintf(tw, "history per chain\t%s\t(one item's workflow, from the warm-up run)\n", chainEvents)
	fmt.Fprintf(tw, "history per baseline\t%s\t\n", baseEvents)
	fmt.Fprintf(tw, "load average\t%s before, %s after\t(other work on the machine makes the numbers noisy)\n", before, loadAverage())
	fmt.Fprintf(tw, "max RSS\t%.0f MB\t(whole process: server, worker, embedded Temporal and the clients)\n", res.RSSMB)
	tw.Flush()
	return printJSONLine(stdout, res)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func printJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// runChain pushes one item through the chain and returns its id; i < 0 is
// a warm-up.
func runChain(ctx context.Context, c *benchClient, tok chainTokens, i int, rec *recorder) (uint, error) {
	today := calendar.Today(time.Now()).String()
	var item struct {
		ID uint `json:"id"`
	}
	t0 := time.Now()
	err := c.do(ctx, http.MethodPost, "/api/v1/items", tok.editor, map[string]string{
		"title":     fmt.Sprintf("压力测试信息 %d", i),
		"summary":   "bench chain：用于测量审核流程吞吐量的测试信息",
		"body":      "## 正文\n\n这是一条由 `gongkai bench chain` 生成的测试信息。",
		"column":    "法定主动公开内容",
		"formed_on": today,
	}, &item)
	if err != nil {
		return 0, err
	}
	rec.add("create", time.Since(t0))
	if item.ID == 0 {
		return 0, errors.New("POST /api/v1/items answered no id")
	}

	var d decision
	t0 = time.Now()
	if err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/items/%d/submit", item.ID), tok.editor, nil, &d); err != nil {
		return 0, err
	}
	rec.add("submit", time.Since(t0))
	if d.TaskID == 0 {
		return 0, fmt.Errorf("submit of item %d answered no task_id (status %q)", item.ID, d.Status)
	}

	for _, step := range []struct{ name, token string }{{"review", tok.reviewer}, {"leader", tok.leader}} {
		task := d.TaskID
		d = decision{}
		t0 = time.Now()
		if err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/approve", task), step.token, nil, &d); err != nil {
			return 0, err
		}
		rec.add("approve "+step.name, time.Since(t0))
		if step.name == "review" && d.TaskID == 0 {
			return 0, fmt.Errorf("reviewer's approval of item %d answered no next task (status %q)", item.ID, d.Status)
		}
	}
	if d.Status != models.ItemPublished {
		return 0, fmt.Errorf("item %d after the leader's approval: status %q, want %q", item.ID, d.Status, models.ItemPublished)
	}
	return item.ID, nil
}

// runBaseline runs one baseline workflow: start, three signals, result.
// runBaseline runs one baseline workflow (start, three signals, result)
// and returns its workflow id.
func runBaseline(ctx context.Context, tc client.Client, id string, rec *recorder) (string, error) {
	t0 := time.Now()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-baseline-" + id, TaskQueue: baselineTaskQueue}, baselineWorkflowName)
	if err != nil {
		return "", fmt.Errorf("start baseline workflow: %w", err)
	}
	rec.add("base start", time.Since(t0))
	for s := range 3 {
		t0 = time.Now()
		if err := tc.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), baselineSignal, s); err != nil {
			return "", fmt.Errorf("signal baseline workflow %s: %w", run.GetID(), err)
		}
		rec.add("base signal", time.Since(t0))
	}
	t0 = time.Now()
	var n int
	if err := run.Get(ctx, &n); err != nil {
		return "", fmt.Errorf("baseline workflow %s: %w", run.GetID(), err)
	}
	rec.add("base result", time.Since(t0))
	if n != 3 {
		return "", fmt.Errorf("baseline workflow %s returned %d, want 3", run.GetID(), n)
	}
	return run.GetID(), nil
}

// historyShape summarises a closed workflow's history: its events, and
// how many workflow and activity tasks it took.
func historyShape(ctx context.Context, tc client.Client, workflowID string) (string, error) {
	it := tc.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events, wfTasks, actTasks, updates, signals int
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("history of %s: %w", workflowID, err)
		}
		events++
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			wfTasks++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			actTasks++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			updates++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			signals++
		}
	}
	return fmt.Sprintf("%d events: %d workflow tasks, %d activities, %d updates, %d signals", events, wfTasks, actTasks, updates, signals), nil
}

// ------------------------------------------------------------------ inbox

// inboxResult is the JSON line `bench inbox` ends with.
type inboxResult struct {
	InboxP50MS float64 `json:"inbox_p50_ms"`
	InboxP99MS float64 `json:"inbox_p99_ms"`
	Items      int64   `json:"items"`
	OpenTasks  int64   `json:"open_tasks"`
}

// benchInbox handles `gongkai bench inbox`.
func benchInbox(ctx context.Context, args []string, stdout io.Writer) error {
	bf, err := newBenchFlags("inbox", stdout)
	if err != nil {
		return err
	}
	var sd inboxSeed
	var requests int
	var reuse bool
	var timeout time.Duration
	bf.fs.IntVar(&sd.items, "items", 1_000_000, "items to seed")
	bf.fs.IntVar(&sd.open, "open", -1, "items with an open task; -1 means items/10")
	bf.fs.IntVar(&sd.agencies, "agencies", 10, "agencies the items are spread over, evenly at random (chengguan, shanhe and K-2 more)")
	bf.fs.IntVar(&sd.batch, "batch", 1000, "rows per INSERT (SQLite takes at most about 1500: 32766 variables)")
	bf.fs.IntVar(&requests, "requests", 500, "inbox requests to measure (after 20 unmeasured)")
	bf.fs.DurationVar(&timeout, "timeout", 30*time.Second, "give up when one inbox request takes longer")
	bf.fs.BoolVar(&reuse, "reuse", false, "measure a database an earlier run seeded (with --data or "+config.EnvDBDSN+") instead of refusing it")
	if err := bf.parse(args); err != nil {
		return err
	}
	if sd.open < 0 {
		sd.open = sd.items / 10
	}
	switch {
	case sd.items < 1 || sd.open > sd.items:
		return errors.New("--items must be at least 1 and --open at most --items")
	case sd.agencies < 2:
		return errors.New("--agencies must be at least 2")
	case sd.batch < 1 || requests < 1 || timeout <= 0:
		return errors.New("--batch and --requests must be at least 1, --timeout positive")
	}
	cleanup, err := bf.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	cfg := bf.cfg
	log := newLogger(cfg.LogLevel)

	fmt.Fprintf(stdout, "gongkai bench inbox: records %s\n", dbDescription(cfg))
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer models.Close(db)
	if err := demo.Seed(ctx, db, cfg.DemoPassword); err != nil {
		return fmt.Errorf("seed demo users: %w", err)
	}
	var total, seeded int64
	items := db.WithContext(ctx).Model(&models.Item{})
	if err := items.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return err
	}
	if err := items.Session(&gorm.Session{}).Where("index_no LIKE ?", benchIndexPrefix+"%").Count(&seeded).Error; err != nil {
		return err
	}
	switch {
	case total-seeded > maxForeignItems:
		return fmt.Errorf("the records database holds %d items bench inbox did not seed: give it a scratch database (a fresh --data, or an empty %s database)", total-seeded, config.EnvDBDSN)
	case seeded > 0 && !reuse:
		return fmt.Errorf("the records database already holds %d items an earlier bench inbox seeded: give a fresh --data or %s database, or --reuse to measure them", seeded, config.EnvDBDSN)
	case seeded == 0 && reuse:
		return errors.New("--reuse: the records database holds no items an earlier bench inbox seeded")
	case seeded == 0:
		if err := sd.run(ctx, db, stdout); err != nil {
			return err
		}
	default:
		fmt.Fprintf(stdout, "--reuse: measuring the %d items an earlier run seeded\n", seeded)
	}

	var res inboxResult
	if err := db.WithContext(ctx).Model(&models.Item{}).Count(&res.Items).Error; err != nil {
		return err
	}
	if err := db.WithContext(ctx).Model(&models.Task{}).Where("state = ?", models.TaskOpen).Count(&res.OpenTasks).Error; err != nil {
		return err
	}

	// The real handler, on a database handle whose statements are timed.
	timer := &sqlTimer{}
	tdb := db.Session(&gorm.Session{Logger: timer})
	h := newAPI(cfg, tdb, nil, log, metrics.New())
	srv, ln, err := listenHTTP("127.0.0.1:0", h)
	if err != nil {
		return err
	}
	srvCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(srvCtx, srv, ln, log) }()
	defer func() {
		stopServing()
		<-served
	}()
	hc := newBenchClient("http://"+ln.Addr().String(), 1)
	hc.hc.Timeout = timeout
	defer hc.close()
	token, err := hc.login(ctx, "reviewer", cfg.DemoPassword)
	if err != nil {
		return err
	}

	// A first request in process, under --timeout, shows the statements
	// the inbox runs and their plans, and whether it answers at all.
	timer.start()
	probeCtx, cancelProbe := context.WithTimeout(ctx, timeout)
	code, body, took := inboxInProcess(probeCtx, h, token)
	cancelProbe()
	timer.endRequest(newRecorder())
	timer.stop()
	fmt.Fprintf(stdout, "\nfirst inbox request (in process): %d in %.1f ms\n", code, msOf(took))
	timer.explain(ctx, db, stdout)
	if code != http.StatusOK {
		const maxQuote = 300
		if len(body) > maxQuote {
			body = body[:maxQuote] + "…"
		}
		return fmt.Errorf("the first inbox request answered %d after %.1fs (--timeout %s): %s", code, took.Seconds(), timeout, strings.TrimSpace(body))
	}
	var first struct {
		Tasks  []json.RawMessage `json:"tasks"`
		Counts struct {
			Open    int64 `json:"open"`
			Overdue int64 `json:"overdue"`
		} `json:"counts"`
	}
	if err := hc.do(ctx, http.MethodGet, "/api/v1/tasks", token, nil, &first); err != nil {
		return err
	}
	for range 19 {
		if err := hc.do(ctx, http.MethodGet, "/api/v1/tasks", token, nil, nil); err != nil {
			return err
		}
	}

	stopProfile, err := bf.startProfile()
	if err != nil {
		return err
	}
	rec := newRecorder()
	for range requests {
		t0 := time.Now()
		if err := hc.do(ctx, http.MethodGet, "/api/v1/tasks", token, nil, nil); err != nil {
			stopProfile()
			return err
		}
		rec.add("http", time.Since(t0))
	}
	// The same request in process (no network, no JSON decoding by a
	// client), with every SQL statement it runs timed by kind.
	timer.start()
	for range requests {
		code, body, d := inboxInProcess(ctx, h, token)
		if code != http.StatusOK {
			stopProfile()
			return fmt.Errorf("GET /api/v1/tasks in process answered %d: %s", code, body)
		}
		rec.add("handler", d)
		timer.endRequest(rec)
	}
	stopProfile()
	timer.stop()

	overHTTP := rec.get("http")
	res.InboxP50MS, res.InboxP99MS = round(overHTTP.pct(50)), round(overHTTP.pct(99))
	var agencies int64
	if err := db.WithContext(ctx).Model(&models.Item{}).Distinct("agency_id").Count(&agencies).Error; err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d items, %d open tasks in %d agencies; reviewer (chengguan) sees %d open, %d overdue, %d on the first page\n\n",
		res.Items, res.OpenTasks, agencies, first.Counts.Open, first.Counts.Overdue, len(first.Tasks))
	tw := latencyTable(stdout)
	overHTTP.row(tw, "GET /api/v1/tasks over HTTP")
	rec.get("handler").row(tw, "same, handler in process")
	rec.get("sql auth").row(tw, "  SQL: session, user, agency")
	rec.get("sql count").row(tw, "  SQL: the counts")
	rec.get("sql list").row(tw, "  SQL: the page of tasks")
	rec.get("sql other").row(tw, "  SQL: other")
	tw.Flush()
	fmt.Fprintf(stdout, "\ninbox p99 %.2f ms over HTTP (target ≤ 10 ms on MariaDB: %s)\n", res.InboxP99MS, verdict(res.InboxP99MS <= 10))
	return printJSONLine(stdout, res)
}

// inboxInProcess serves GET /api/v1/tasks with h, without the network.
func inboxInProcess(ctx context.Context, h http.Handler, token string) (code int, body string, took time.Duration) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	t0 := time.Now()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String(), time.Since(t0)
}

// inboxSeed fills the records database for bench inbox.
type inboxSeed struct {
	items, open, agencies, batch int
}

// seedChunk is how many items go in one transaction.
const seedChunk = 10_000

// benchIndexPrefix begins the 索引号 of every item bench inbox seeds, which
// is how a later run knows them. maxForeignItems is how many other items
// (the demo's, say) a database may hold and still be a scratch database.
const (
	benchIndexPrefix = "bench-"
	maxForeignItems  = 100
)

// run seeds sd.items items: sd.open of them (spread evenly over the id
// range) waiting in review or approval with an open task, the rest
// published with both steps approved, each with its first revision. Items
// are spread over the agencies at random (fixed seed): chengguan, where the
// measured reviewer works, holds about 1/K of them, and its reviewer has
// decided the review step of each of its published items.
func (sd inboxSeed) run(ctx context.Context, db *gorm.DB, stdout io.Writer) error {
	type staff struct{ editor, reviewer, leader uint }
	userID := func(name string) (uint, error) {
		u, err := models.UserByUsername(ctx, db, name)
		if err != nil {
			return 0, fmt.Errorf("demo user %s: %w", name, err)
		}
		return u.ID, nil
	}
	var cg, other staff
	for _, u := range []struct {
		name string
		dst  *uint
	}{{"editor", &cg.editor}, {"reviewer", &cg.reviewer}, {"leader", &cg.leader}, {"editor2", &other.editor}, {"reviewer2", &other.reviewer}, {"leader2", &other.leader}} {
		id, err := userID(u.name)
		if err != nil {
			return err
		}
		*u.dst = id
	}
	county, err := models.AgencyByCode(ctx, db, "longde")
	if err != nil {
		return err
	}
	var agencies []*models.Agency
	for i := range sd.agencies {
		code, name := fmt.Sprintf("bench%02d", i-1), fmt.Sprintf("压力测试机关 %02d", i-1)
		switch i {
		case 0:
			code, name = "chengguan", ""
		case 1:
			code, name = "shanhe", ""
		}
		a, err := models.EnsureAgency(ctx, db, models.Agency{Code: code, Name: name, Region: "宁夏", ParentID: &county.ID})
		if err != nil {
			return err
		}
		agencies = append(agencies, a)
	}

	fmt.Fprintf(stdout, "seeding %d items (%d with an open task) over %d agencies, %d rows per INSERT, %d items per transaction\n",
		sd.items, sd.open, sd.agencies, sd.batch, seedChunk)
	rng := rand.New(rand.NewPCG(20260101, 42))
	today := calendar.Today(time.Now())
	now := time.Now().UTC().Truncate(time.Second)
	columns := []string{"法定主动公开内容", "政策文件", "财政预决算", "重点领域信息", "工作动态"}
	// Ids are given (no round trip for each batch's ids), after whatever
	// the tables hold already (the demo's items).
	var itemBase, revBase, taskID uint
	for _, m := range []struct {
		model any
		dst   *uint
	}{{&models.Item{}, &itemBase}, {&models.ItemRevision{}, &revBase}, {&models.Task{}, &taskID}} {
		if err := db.WithContext(ctx).Model(m.model).Select("COALESCE(MAX(id), 0)").Scan(m.dst).Error; err != nil {
			return err
		}
	}
	var rows, openSoFar int
	started, lastReport := time.Now(), time.Now()
	tdb := db.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true})
	for lo := 0; lo < sd.items; lo += seedChunk {
		hi := min(lo+seedChunk, sd.items)
		items := make([]models.Item, 0, hi-lo)
		revs := make([]models.ItemRevision, 0, hi-lo)
		tasks := make([]models.Task, 0, 2*(hi-lo))
		for i := lo; i < hi; i++ {
			ai := rng.IntN(len(agencies))
			a, who := agencies[ai], other
			if ai == 0 {
				who = cg
			}
			id := itemBase + uint(i+1)
			created := now.Add(-time.Duration(sd.items-i) * time.Minute)
			formed := calendar.DateOf(created).String()
			title := fmt.Sprintf("%s关于压力测试事项 %d 的公告", a.Name, i+1)
			col := columns[i%len(columns)]
			it := models.Item{
				ID: id, AgencyID: a.ID, IndexNo: fmt.Sprintf("%s%s-%07d", benchIndexPrefix, a.Code, i+1),
				Title: title, Summary: "bench inbox 生成的测试信息", Body: "这是一条由 `gongkai bench inbox` 生成的测试信息。",
				Column: col, FormedOn: formed, Version: 1, Revision: 1, AuthorID: who.editor,
				CreatedAt: created, UpdatedAt: created,
			}
			revs = append(revs, models.ItemRevision{
				ID: revBase + uint(i+1), ItemID: id, Revision: 1, Title: title, Summary: it.Summary, Body: it.Body, Column: col,
				FormedOn: formed, EditorID: who.editor, ContentHash: models.ContentHash(title, it.Summary, it.Body, col, formed, nil),
				CreatedAt: created,
			})
			task := func(step int, role, state string, actor *uint, due string) {
				taskID++
				t := models.Task{
					ID: taskID, AgencyID: a.ID, ItemID: id, Round: 1, Step: step, StepName: []string{"review", "approve"}[step],
					Role: role, State: state, DueOn: due, Revision: 1, Title: title, Column: col,
					OpenedAt: created.Add(time.Duration(step) * time.Hour), ActorID: actor,
				}
				if state != models.TaskOpen {
					closed := t.OpenedAt.Add(30 * time.Minute)
					t.ClosedAt = &closed
				}
				tasks = append(tasks, t)
			}
			// Bresenham: exactly sd.open items are open, evenly spaced.
			open := (i+1)*sd.open/sd.items > i*sd.open/sd.items
			switch {
			case open:
				due := today.AddDays(openSoFar%21 - 10).String() // about half overdue
				if openSoFar%2 == 0 {
					it.Status = models.ItemInReview
					task(0, models.RoleReviewer, models.TaskOpen, nil, due)
				} else {
					it.Status = models.ItemInApproval
					task(0, models.RoleReviewer, models.TaskApproved, &who.reviewer, formed)
					task(1, models.RoleLeader, models.TaskOpen, nil, due)
				}
				openSoFar++
			default:
				it.Status = models.ItemPublished
				published := created.Add(2 * time.Hour)
				it.PublishedAt, it.UpdatedAt = &published, published
				task(0, models.RoleReviewer, models.TaskApproved, &who.reviewer, formed)
				task(1, models.RoleLeader, models.TaskApproved, &who.leader, formed)
			}
			items = append(items, it)
		}
		err := tdb.Transaction(func(tx *gorm.DB) error {
			if err := tx.CreateInBatches(items, sd.batch).Error; err != nil {
				return fmt.Errorf("insert items: %w", err)
			}
			if err := tx.CreateInBatches(revs, sd.batch).Error; err != nil {
				return fmt.Errorf("insert item revisions: %w", err)
			}
			if err := tx.CreateInBatches(tasks, sd.batch).Error; err != nil {
				return fmt.Errorf("insert tasks: %w", err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed items %d–%d: %w", lo+1, hi, err)
		}
		rows += len(items) + len(revs) + len(tasks)
		if hi == sd.items || time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			el := time.Since(started).Seconds()
			fmt.Fprintf(stdout, "  seeded %d/%d items, %d rows, %.0fs (%.0f rows/s)\n", hi, sd.items, rows, el, float64(rows)/el)
		}
	}
	// The tasks went straight into the table: record their bars and
	// tallies as the transition activity would have.
	if err := models.RebuildTaskBars(db.WithContext(ctx)); err != nil {
		return fmt.Errorf("task bars: %w", err)
	}
	if err := models.RebuildTaskTallies(db.WithContext(ctx)); err != nil {
		return fmt.Errorf("task tallies: %w", err)
	}
	if models.IsMySQL(db) {
		// InnoDB recomputes statistics in the background after bulk
		// changes; do it now so the plan measured is the steady one.
		for _, t := range []string{"items", "item_revisions", "tasks", "task_bars", "task_tallies"} {
			if err := db.WithContext(ctx).Exec("ANALYZE TABLE " + t).Error; err != nil {
				return fmt.Errorf("analyze %s: %w", t, err)
			}
		}
	}
	fmt.Fprintf(stdout, "seeding done in %.1fs\n", time.Since(started).Seconds())
	return nil
}

// sqlTimer is a GORM logger that times every statement of the in-process
// inbox requests by kind, and keeps the inbox statements to EXPLAIN them.
type sqlTimer struct {
	mu     sync.Mutex
	on     bool
	cur    map[string]time.Duration
	counts []string // the distinct count and page statements seen, to EXPLAIN
	pages  []string
}

func (t *sqlTimer) start() {
	t.mu.Lock()
	t.on, t.cur = true, map[string]time.Duration{}
	t.mu.Unlock()
}

func (t *sqlTimer) stop() {
	t.mu.Lock()
	t.on = false
	t.mu.Unlock()
}

// endRequest adds the request's time per kind to rec and starts afresh.
func (t *sqlTimer) endRequest(rec *recorder) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{"sql auth", "sql count", "sql list", "sql other"} {
		if d, ok := t.cur[k]; ok {
			rec.add(k, d)
		}
	}
	t.cur = map[string]time.Duration{}
}

func (t *sqlTimer) LogMode(gormlogger.LogLevel) gormlogger.Interface { return t }
func (t *sqlTimer) Info(context.Context, string, ...any)             {}
func (t *sqlTimer) Warn(context.Context, string, ...any)             {}
func (t *sqlTimer) Error(context.Context, string, ...any)            {}

func (t *sqlTimer) Trace(_ context.Context, begin time.Time, fc func() (string, int64), _ error) {
	d := time.Since(begin)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return
	}
	sql, _ := fc()
	low := strings.ToLower(sql)
	kind := "sql other"
	switch {
	case strings.Contains(low, "count(") || strings.Contains(low, "sum(n)"): // tasks, bars, tallies
		kind = "sql count"
		t.counts = keepDistinct(t.counts, sql)
	case strings.Contains(low, "from `tasks`"):
		kind = "sql list"
		t.pages = keepDistinct(t.pages, sql)
	case strings.Contains(low, "from `sessions`"), strings.Contains(low, "from `users`"),
		strings.Contains(low, "from `user_roles`"), strings.Contains(low, "from `agencies`"):
		kind = "sql auth"
	}
	t.cur[kind] += d
}

// explain prints the database's plan for the inbox's count and list.
func (t *sqlTimer) explain(ctx context.Context, db *gorm.DB, w io.Writer) {
	prefix := "EXPLAIN QUERY PLAN "
	if models.IsMySQL(db) {
		prefix = "EXPLAIN "
	}
	var stmts []struct{ name, sql string }
	for _, sql := range t.counts {
		stmts = append(stmts, struct{ name, sql string }{"count", sql})
	}
	for _, sql := range t.pages {
		stmts = append(stmts, struct{ name, sql string }{"page", sql})
	}
	for _, q := range stmts {
		fmt.Fprintf(w, "\nplan of the inbox %s query:\n  %s\n", q.name, q.sql)
		rows, err := db.WithContext(ctx).Raw(prefix + q.sql).Rows()
		if err != nil {
			fmt.Fprintf(w, "  (EXPLAIN failed: %v)\n", err)
			continue
		}
		cols, _ := rows.Columns()
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", strings.Join(cols, "\t"))
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				break
			}
			cells := make([]string, len(vals))
			for i, v := range vals {
				switch v := v.(type) {
				case nil:
					cells[i] = "NULL"
				case []byte:
					cells[i] = string(v)
				default:
					cells[i] = fmt.Sprint(v)
				}
			}
			fmt.Fprintf(tw, "  %s\n", strings.Join(cells, "\t"))
		}
		rows.Close()
		tw.Flush()
	}
}

// keepDistinct adds sql to seen unless it is there (or seen is full): the
// statements of one request, whose arguments are the same every time.
func keepDistinct(seen []string, sql string) []string {
	if len(seen) >= 8 || slices.Contains(seen, sql) {
		return seen
	}
	return append(seen, sql)
}

var _ gormlogger.Interface = (*sqlTimer)(nil)
