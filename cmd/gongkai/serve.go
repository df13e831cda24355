package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"gongkai/config"
	"gongkai/demo"
	"gongkai/devserver"
	"gongkai/metrics"
	"gongkai/models"
	"gongkai/worker"
)

// runServe is the embedded default: one process runs an embedded Temporal
// server on SQLite, the worker, and the HTTP API, all with data under --data.
func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := newFlags("serve", stdout)
	if err != nil {
		return err
	}
	f.data()
	f.addr()
	f.temporal()
	f.fs.BoolVar(&f.cfg.Demo, "demo", f.cfg.Demo, "seed demonstration agencies and users (env "+config.EnvDemo+")")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg := f.cfg
	log := newLogger(cfg.LogLevel)
	inst, err := startAllInOne(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer inst.stop()
	printStarted(stdout, inst.cfg, inst.url, inst.ui)
	err = serveUntilDone(ctx, inst.srv, inst.ln, log)
	log.Info("stopping worker and embedded Temporal server")
	return err
}

// allInOne is a running embedded instance: records database, embedded
// Temporal server, worker and (not yet serving) HTTP server.
type allInOne struct {
	cfg     config.Config
	url, ui string
	db      *gorm.DB
	srv     *http.Server
	ln      net.Listener
	tc      client.Client
	closers []func()
}

// startAllInOne starts everything `serve` runs but the HTTP loop: the
// caller serves inst.srv on inst.ln (serveUntilDone) and calls stop.
func startAllInOne(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *allInOne, err error) {
	inst := &allInOne{}
	defer func() {
		if err != nil {
			inst.stop()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	inst.db = db
	inst.closers = append(inst.closers, func() { models.Close(db) })
	if cfg.Demo {
		if err := demo.Seed(ctx, db, cfg.DemoPassword); err != nil {
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
	}

	// The embedded Temporal server allocates briskly; collecting at 200 %
	// instead of 100 % heap growth bought about 12 % more chains per second
	// for about 50 MB more memory (docs/benchmarks.md). GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}

	// Bind HTTP first: a busy port should fail before Temporal boots.
	reg := metrics.New()
	srv, ln, err := listenHTTP(cfg.Addr, nil)
	if err != nil {
		return nil, err
	}
	inst.closers = append(inst.closers, func() { ln.Close() })

	ts, err := devserver.Start(ctx, devserver.Options{
		DBPath: cfg.TemporalDBPath(), Port: cfg.TemporalPort, Namespace: cfg.TemporalNamespace,
		UIPort: cfg.UIPort, Logger: log.With("component", "temporal-server"),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded Temporal: %w", err)
	}
	inst.closers = append(inst.closers, func() { ts.Stop() })
	cfg.TemporalAddress = ts.FrontendAddress()

	tc, err := dialTemporal(ctx, cfg, log, reg, embeddedTemporal)
	if err != nil {
		return nil, err
	}
	inst.tc = tc
	inst.closers = append(inst.closers, tc.Close)
	w := worker.New(tc, cfg.TaskQueue, newActivities(db, log))
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	if err := worker.EnsureSchedules(ctx, tc, cfg.TaskQueue); err != nil {
		return nil, fmt.Errorf("create schedules: %w", err)
	}
	inst.closers = append(inst.closers, w.Stop)

	srv.Handler = newAPI(cfg, db, tc, log, reg)
	inst.cfg, inst.srv, inst.ln = cfg, srv, ln
	inst.url, inst.ui = "http://"+ln.Addr().String(), ts.UIAddress()
	return inst, nil
}

// stop closes what started, last first: worker, client, Temporal, database.
func (inst *allInOne) stop() {
	for i := len(inst.closers) - 1; i >= 0; i-- {
		inst.closers[i]()
	}
	inst.closers = nil
}

func printStarted(w io.Writer, cfg config.Config, httpURL, uiAddr string) {
	ui := "未启用 / off (--ui-port)"
	if uiAddr != "" {
		ui = "http://" + uiAddr
	}
	fmt.Fprintf(w, "gongkai 已启动 / started\n")
	fmt.Fprintf(w, "  网页与 API / web and API:  %s\n", httpURL)
	fmt.Fprintf(w, "  Temporal frontend:         %s (namespace %s)\n", cfg.TemporalAddress, cfg.TemporalNamespace)
	fmt.Fprintf(w, "  Temporal Web UI:           %s\n", ui)
	fmt.Fprintf(w, "  数据目录 / data dir:       %s\n", cfg.DataDir)
	if cfg.Demo {
		names := make([]string, len(demo.Users))
		for i, u := range demo.Users {
			names[i] = u.Username
		}
		fmt.Fprintf(w, "  演示账号 / demo users:     %s\n", strings.Join(names, ", "))
		fmt.Fprintf(w, "  演示密码 / demo password:  %s\n", cfg.DemoPassword)
	}
	fmt.Fprintf(w, "按 Ctrl-C 停止 / press Ctrl-C to stop\n")
}
