package main

// Tests of `gongkai bench`: that both benchmarks run end to end and end in
// the JSON line scripts read. They test behaviour, not speed: no number is
// held to a target here.

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gongkai/config"
)

// lastJSONLine decodes the last line of out, which must be a JSON object
// with exactly the keys given, each a number above zero.
func lastJSONLine(t *testing.T, out string, keys ...string) map[string]float64 {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	var got map[string]float64
	if err := json.Unmarshal([]byte(last), &got); err != nil {
		t.Fatalf("last line is not a JSON object of numbers: %v\n%s", err, out)
	}
	if len(got) != len(keys) {
		t.Errorf("JSON line has keys %v, want %v", got, keys)
	}
	for _, k := range keys {
		v, ok := got[k]
		if !ok {
			t.Errorf("JSON line lacks %q: %s", k, last)
		} else if !(v > 0) {
			t.Errorf("%s = %v, want > 0: %s", k, v, last)
		}
	}
	return got
}

func benchEnv(t *testing.T) {
	// Records on SQLite under the benchmark's own temp dir, whatever the
	// environment says.
	t.Setenv(config.EnvDBDSN, "")
	t.Setenv(config.EnvLogLevel, "error")
}

func TestBenchChain(t *testing.T) {
	benchEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := runBench(ctx, []string{"chain", "--items", "5", "--concurrency", "2", "--data", t.TempDir()}, &out); err != nil {
		t.Fatalf("bench chain: %v\n%s", err, out.String())
	}
	got := lastJSONLine(t, out.String(), "chains_per_s", "baseline_per_s", "ratio", "decision_p50_ms", "decision_p99_ms", "rss_mb")
	if got["decision_p99_ms"] < got["decision_p50_ms"] {
		t.Errorf("p99 %v below p50 %v", got["decision_p99_ms"], got["decision_p50_ms"])
	}
	if r := got["chains_per_s"] / got["baseline_per_s"]; r/got["ratio"] < 0.99 || r/got["ratio"] > 1.01 {
		t.Errorf("ratio %v, but chains/baseline = %v", got["ratio"], r)
	}
	for _, want := range []string{"submit (Update-with-start)", "approve, leader", "baseline: signal", "3 updates, 0 signals", "0 updates, 3 signals"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBenchInbox(t *testing.T) {
	benchEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	data := t.TempDir()
	var out bytes.Buffer
	args := []string{"inbox", "--items", "2000", "--open", "200", "--requests", "50", "--data", data}
	if err := runBench(ctx, args, &out); err != nil {
		t.Fatalf("bench inbox: %v\n%s", err, out.String())
	}
	got := lastJSONLine(t, out.String(), "inbox_p50_ms", "inbox_p99_ms", "items", "open_tasks")
	// The demo's own items are there too, but none of them waits in a step.
	if got["items"] < 2000 || got["items"] > 2000+maxForeignItems || got["open_tasks"] != 200 {
		t.Errorf("%v items with %v open tasks, want 2000 (and the demo's) with 200", got["items"], got["open_tasks"])
	}
	if got["inbox_p99_ms"] < got["inbox_p50_ms"] {
		t.Errorf("p99 %v below p50 %v", got["inbox_p99_ms"], got["inbox_p50_ms"])
	}
	// The reviewer sees some of chengguan's open review tasks, not all 200.
	if !strings.Contains(out.String(), "reviewer (chengguan) sees") || strings.Contains(out.String(), "sees 0 open") || strings.Contains(out.String(), "sees 200 open") {
		t.Errorf("reviewer's inbox is not a part of the open tasks:\n%s", out.String())
	}

	// A second run on the same data refuses to seed again; --reuse measures it.
	out.Reset()
	if err := runBench(ctx, args, &out); err == nil || !strings.Contains(err.Error(), "already holds 2000 items an earlier bench inbox seeded") {
		t.Fatalf("second seeding: err %v\n%s", err, out.String())
	}
	out.Reset()
	if err := runBench(ctx, append(args, "--reuse"), &out); err != nil {
		t.Fatalf("bench inbox --reuse: %v\n%s", err, out.String())
	}
	lastJSONLine(t, out.String(), "inbox_p50_ms", "inbox_p99_ms", "items", "open_tasks")
}

func TestBenchRefusesBadArguments(t *testing.T) {
	benchEnv(t)
	ctx := context.Background()
	for _, args := range [][]string{
		nil,
		{"nonsense"},
		{"chain", "--items", "0"},
		{"inbox", "--items", "10", "--open", "11"},
		{"inbox", "--agencies", "1"},
		{"inbox", "--timeout", "0s"},
	} {
		var out bytes.Buffer
		if err := runBench(ctx, args, &out); err == nil {
			t.Errorf("bench %v: no error\n%s", args, out.String())
		}
	}
}
