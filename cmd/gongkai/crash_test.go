package main

// Crash recovery: `gongkai serve --demo` is killed (SIGKILL) while review
// requests are in flight, restarted on the same data directory, and every
// item is then driven to publication through the HTTP API alone. Nothing may
// be lost or applied twice: one publish event and one published_at per item,
// one approved task per (round, step), one audit event per transition, one
// notification per transition and recipient.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// crashItem is what GET /api/v1/items/{id} answers, as far as this test reads it.
type crashItem struct {
	ID          uint       `json:"id"`
	Status      string     `json:"status"`
	PublishedAt *time.Time `json:"published_at"`
	Steps       []struct {
		ID      uint   `json:"id"`
		Round   int    `json:"round"`
		Step    int    `json:"step"`
		State   string `json:"state"`
		ActorID *uint  `json:"actor_id"`
	} `json:"steps"`
	History []struct {
		At     time.Time `json:"at"`
		Action string    `json:"action"`
	} `json:"history"`
}

type crashTask struct {
	ID     uint   `json:"id"`
	ItemID uint   `json:"item_id"`
	Step   string `json:"step"`
}

type crashResult struct {
	Status string `json:"status"`
	TaskID uint   `json:"task_id"`
	Step   string `json:"step"`
	Error  struct {
		Code string `json:"code"`
	} `json:"error"`
}

// crashClient talks to the server from any goroutine: unlike call it never
// touches t, and it reports transport errors (the process died) to the caller.
type crashClient struct {
	base string
	http *http.Client
}

func (c *crashClient) do(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %d %s: %w", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode, nil
}

// parallel runs f(i) for i in [0, n) on up to width goroutines.
func parallel(n, width int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts gongkai twice and kills it")
	}
	began := time.Now()
	data := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	const password = "crash-demo-pass"
	env := []string{"GONGKAI_DEMO_PASSWORD=" + password}
	args := []string{"serve", "--demo", "--data", data, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--temporal-port", "0"}
	// Yesterday in China: the Art.26 clock then runs 20 working days into
	// the future, so no reminder fires during the test.
	formedOn := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")

	p := start(t, env, args...)
	waitReady(t, p, base)
	editor, reviewer, leader := login(t, base, "editor", password), login(t, base, "reviewer", password), login(t, base, "leader", password)
	c := &crashClient{base: base, http: &http.Client{Timeout: 60 * time.Second}}
	setup, cancelSetup := context.WithTimeout(context.Background(), time.Minute)
	defer cancelSetup()

	// --- before the crash: 36 items at three points of the chain ---------
	//   0..5   draft
	//   6..17  submitted: 负责人审核 open
	//   18..35 approved once: 分管领导审批 open
	const n = 36
	ids := make([]uint, n)
	tasks := make([]uint, n) // the open task of each submitted item
	var setupErr atomic.Value
	fail := func(format string, a ...any) { setupErr.CompareAndSwap(nil, fmt.Sprintf(format, a...)) }
	create := func(ctx context.Context, i int) (uint, int, error) {
		var it struct{ ID uint }
		code, err := c.do(ctx, "POST", "/api/v1/items", editor, map[string]string{
			"title": fmt.Sprintf("崩溃恢复测试信息 %02d", i), "summary": "概述", "body": fmt.Sprintf("正文 %d", i),
			"column": "通知公告", "formed_on": formedOn,
		}, &it)
		return it.ID, code, err
	}
	parallel(n, 4, func(i int) {
		id, code, err := create(setup, i)
		if err != nil || code != http.StatusCreated {
			fail("create item %d: %d %v", i, code, err)
			return
		}
		ids[i] = id
		if i < 6 {
			return
		}
		var r crashResult
		if code, err := c.do(setup, "POST", fmt.Sprintf("/api/v1/items/%d/submit", id), editor, nil, &r); err != nil || code != 200 || r.Status != "in_review" {
			fail("submit item %d: %d %v %+v", id, code, err, r)
			return
		}
		tasks[i] = r.TaskID
		if i < 18 {
			return
		}
		r = crashResult{}
		if code, err := c.do(setup, "POST", fmt.Sprintf("/api/v1/tasks/%d/approve", tasks[i]), reviewer, nil, &r); err != nil || code != 200 || r.Status != "in_approval" {
			fail("review-approve item %d: %d %v %+v", id, code, err, r)
			return
		}
		tasks[i] = r.TaskID
	})
	if msg := setupErr.Load(); msg != nil {
		t.Fatal(msg)
	}
	t.Logf("%d items set up in %v", n, time.Since(began).Round(time.Millisecond))

	// --- the crash: a batch of decisions in flight when the process dies --
	type op struct {
		name string
		run  func(ctx context.Context) (int, error)
	}
	var batch []op
	for i := range 3 { // drafts submitted
		id := ids[i]
		batch = append(batch, op{fmt.Sprintf("submit item %d", id), func(ctx context.Context) (int, error) {
			return c.do(ctx, "POST", fmt.Sprintf("/api/v1/items/%d/submit", id), editor, nil, nil)
		}})
	}
	for i := 6; i < 12; i++ { // 负责人审核 approved
		id, task := ids[i], tasks[i]
		batch = append(batch, op{fmt.Sprintf("review-approve item %d (task %d)", id, task), func(ctx context.Context) (int, error) {
			return c.do(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task), reviewer, nil, nil)
		}})
	}
	for i := 18; i < 27; i++ { // 分管领导审批 approved: published
		id, task := ids[i], tasks[i]
		batch = append(batch, op{fmt.Sprintf("leader-approve item %d (task %d)", id, task), func(ctx context.Context) (int, error) {
			return c.do(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task), leader, nil, nil)
		}})
	}
	for i := range 3 { // new items: the response may be lost with the item stored
		batch = append(batch, op{fmt.Sprintf("create item %d", n+i), func(ctx context.Context) (int, error) {
			_, code, err := create(ctx, n+i)
			return code, err
		}})
	}
	var finished atomic.Int32
	outcomes := make([]string, len(batch))
	var wg sync.WaitGroup
	inflight, cancelInflight := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelInflight()
	for i, o := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 10 * time.Millisecond) // staggered: the kill finds them at different stages
			code, err := o.run(inflight)
			if err != nil {
				outcomes[i] = fmt.Sprintf("%s: %v", o.name, err)
			} else {
				outcomes[i] = fmt.Sprintf("%s: %d", o.name, code)
			}
			finished.Add(1)
		}()
	}
	killWait := time.Now().Add(15 * time.Second)
	for int(finished.Load()) < len(batch)/3 && time.Now().Before(killWait) {
		time.Sleep(5 * time.Millisecond)
	}
	done := finished.Load()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("gongkai did not die within 30s of SIGKILL")
	}
	wg.Wait()
	t.Logf("SIGKILL with %d of %d requests answered:\n  %s", done, len(batch), strings.Join(outcomes, "\n  "))
	if int(done) == len(batch) {
		t.Logf("warning: every request was answered before the kill; nothing was in flight")
	}

	// --- restart on the same data and finish every chain over the API ---
	restarted := time.Now()
	p2 := start(t, env, args...)
	waitReady(t, p2, base)
	t.Logf("restarted in %v", time.Since(restarted).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	var list struct {
		Items []struct {
			ID      uint
			IndexNo string `json:"index_no"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if code, err := c.do(ctx, "GET", "/api/v1/items?limit=200", editor, nil, &list); err != nil || code != 200 {
		t.Fatalf("list items after restart: %d %v", code, err)
	}
	all := map[uint]bool{}
	history := 0
	for _, it := range list.Items {
		if strings.HasPrefix(it.IndexNo, "chengguan-2023-") { // the demo's published 2023 records
			history++
			continue
		}
		all[it.ID] = true
	}
	for _, id := range ids {
		if !all[id] {
			t.Errorf("item %d, created before the crash, is missing after it", id)
		}
	}
	if len(all) < n || len(all) > n+3 || list.Total != len(all)+history {
		t.Errorf("after restart: %d items listed (total %d), want %d..%d", len(all), list.Total, n, n+3)
	}
	var itemIDs []uint
	for id := range all {
		itemIDs = append(itemIDs, id)
	}
	sort.Slice(itemIDs, func(i, j int) bool { return itemIDs[i] < itemIDs[j] })

	var notesMu sync.Mutex
	var notes []string // unexpected answers while finishing
	note := func(format string, a ...any) {
		notesMu.Lock()
		defer notesMu.Unlock()
		notes = append(notes, fmt.Sprintf(format, a...))
	}
	var conflicts atomic.Int32
	finalItems := make([]crashItem, len(itemIDs))
	parallel(len(itemIDs), 8, func(k int) {
		id := itemIDs[k]
		for {
			if ctx.Err() != nil {
				note("item %d: not published before the deadline (last status %q, steps %+v)", id, finalItems[k].Status, finalItems[k].Steps)
				return
			}
			var it crashItem
			if code, err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/items/%d", id), editor, nil, &it); err != nil || code != 200 {
				if ctx.Err() == nil {
					note("item %d: GET: %d %v", id, code, err)
				}
				time.Sleep(200 * time.Millisecond)
				continue
			}
			finalItems[k] = it
			progressed := false
			switch it.Status {
			case "published":
				return
			case "draft":
				var r crashResult
				code, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/items/%d/submit", id), editor, nil, &r)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						note("item %d: submit: %v", id, err)
					}
				case code == 200:
					progressed = true
				case code == http.StatusConflict:
					// a submission from before the crash won the race
					conflicts.Add(1)
				default:
					note("item %d: submit: %d %+v", id, code, r)
				}
			case "in_review", "in_approval":
				who, token := "reviewer", reviewer
				if it.Status == "in_approval" {
					who, token = "leader", leader
				}
				var inbox struct{ Tasks []crashTask }
				if code, err := c.do(ctx, "GET", "/api/v1/tasks?limit=200", token, nil, &inbox); err != nil || code != 200 {
					if ctx.Err() == nil {
						note("item %d: %s's inbox: %d %v", id, who, code, err)
					}
					break
				}
				var task uint
				for _, tk := range inbox.Tasks {
					if tk.ItemID == id {
						task = tk.ID
					}
				}
				if task == 0 {
					break // the status and the open task change in one transaction: look again
				}
				var r crashResult
				code, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/approve", task), token, nil, &r)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						note("item %d: approve task %d as %s: %v", id, task, who, err)
					}
				case code == 200:
					progressed = true
				case code == http.StatusConflict && r.Error.Code == "task_closed":
					conflicts.Add(1) // decided meanwhile by the approval from before the crash
				default:
					note("item %d: approve task %d as %s: %d %+v", id, task, who, code, r)
				}
			default:
				note("item %d: unexpected status %q", id, it.Status)
				return
			}
			if !progressed {
				time.Sleep(200 * time.Millisecond)
			}
		}
	})
	t.Logf("all chains finished %v after the restart (%d conflicts answered 409)", time.Since(restarted).Round(time.Millisecond), conflicts.Load())
	for _, s := range notes {
		t.Error(s)
	}
	if t.Failed() {
		t.FailNow()
	}

	// --- every item published exactly once, nothing doubled -------------
	ids2 := map[string]uint{}
	for _, u := range []string{"reviewer", "leader"} {
		var me struct{ User struct{ ID uint } }
		tok := reviewer
		if u == "leader" {
			tok = leader
		}
		if code, err := c.do(ctx, "GET", "/api/v1/me", tok, nil, &me); err != nil || code != 200 || me.User.ID == 0 {
			t.Fatalf("GET /me as %s: %d %v", u, code, err)
		}
		ids2[u] = me.User.ID
	}
	stepActor := []uint{ids2["reviewer"], ids2["leader"]}
	for _, id := range itemIDs {
		var it crashItem
		if code, err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/items/%d", id), editor, nil, &it); err != nil || code != 200 {
			t.Fatalf("GET item %d: %d %v", id, code, err)
		}
		if it.Status != "published" {
			t.Errorf("item %d: status %q", id, it.Status)
		}
		actions := map[string]int{}
		var publishedAt []time.Time
		for _, e := range it.History {
			actions[e.Action]++
			if e.Action == "publish" {
				publishedAt = append(publishedAt, e.At)
			}
		}
		type rs struct{ round, step int }
		approved := map[rs]int{}
		rounds := map[int]bool{}
		for _, s := range it.Steps {
			rounds[s.Round] = true
			if s.State != "approved" {
				t.Errorf("item %d: task %d (round %d step %d) is %q", id, s.ID, s.Round, s.Step, s.State)
				continue
			}
			approved[rs{s.Round, s.Step}]++
			if s.ActorID == nil || s.Step >= len(stepActor) || *s.ActorID != stepActor[s.Step] {
				t.Errorf("item %d: step %d decided by %v, want user %d", id, s.Step, s.ActorID, stepActor[min(s.Step, 1)])
			}
		}
		for k, c := range approved {
			if c != 1 {
				t.Errorf("item %d: %d approved tasks for round %d step %d", id, c, k.round, k.step)
			}
		}
		// One round of the default chain: submit, 负责人审核 (approve),
		// 分管领导审批 (publish).
		want := map[string]int{"create": 1, "submit": len(rounds), "approve": len(approved) - 1, "publish": 1}
		if len(it.Steps) != 2 || len(rounds) != 1 || len(approved) != 2 {
			t.Errorf("item %d: steps %+v, want one round of two approved steps", id, it.Steps)
		}
		for a, c := range want {
			if actions[a] != c {
				t.Errorf("item %d: %d %q audit events, want %d (history %+v)", id, actions[a], a, c, it.History)
			}
		}
		for a, c := range actions {
			if _, ok := want[a]; !ok {
				t.Errorf("item %d: %d unexpected %q audit events", id, c, a)
			}
		}
		if it.PublishedAt == nil {
			t.Errorf("item %d: no published_at", id)
		} else if len(publishedAt) == 1 && !it.PublishedAt.Equal(publishedAt[0]) {
			t.Errorf("item %d: published_at %v is not the publish event's time %v: publication applied twice?", id, it.PublishedAt, publishedAt[0])
		}
	}

	// One notification per transition and recipient: the author hears of
	// each publication once, the step holders of each opened task once.
	for _, who := range []struct {
		name, token, kind string
	}{{"editor", editor, "published"}, {"reviewer", reviewer, "task_opened"}, {"leader", leader, "task_opened"}} {
		var ns struct {
			Notifications []struct {
				Kind   string `json:"kind"`
				ItemID *uint  `json:"item_id"`
			} `json:"notifications"`
		}
		if code, err := c.do(ctx, "GET", "/api/v1/notifications?limit=200", who.token, nil, &ns); err != nil || code != 200 {
			t.Fatalf("notifications of %s: %d %v", who.name, code, err)
		}
		per := map[uint]int{}
		for _, x := range ns.Notifications {
			if x.Kind == who.kind && x.ItemID != nil {
				per[*x.ItemID]++
			}
		}
		for _, id := range itemIDs {
			if per[id] != 1 {
				t.Errorf("%s has %d %q notifications for item %d, want 1", who.name, per[id], who.kind, id)
			}
		}
	}

	// Nothing is left open, and a decided task stays decided.
	for _, who := range []struct{ name, token string }{{"reviewer", reviewer}, {"leader", leader}} {
		var inbox struct{ Tasks []crashTask }
		if code, err := c.do(ctx, "GET", "/api/v1/tasks?limit=200", who.token, nil, &inbox); err != nil || code != 200 || len(inbox.Tasks) != 0 {
			t.Errorf("%s's inbox after every publication: %d %v %+v", who.name, code, err, inbox.Tasks)
		}
	}
	if len(tasks) > 20 && tasks[20] != 0 {
		var r crashResult
		if code, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/tasks/%d/approve", tasks[20]), leader, nil, &r); err != nil || code != http.StatusConflict || r.Error.Code != "task_closed" {
			t.Errorf("approving a published item's task again: %d %v %+v, want 409 task_closed", code, err, r)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("checks ran past the deadline")
	}
	p2.stop()
	t.Logf("TestCrashRecovery took %v", time.Since(began).Round(time.Millisecond))
}
