package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gongkai/config"
	"gongkai/devserver"
	"gongkai/metrics"
	"gongkai/models"
	"gongkai/worker"
)

// runAPI serves the HTTP API against an external Temporal frontend and MySQL.
func runAPI(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := newFlags("api", stdout)
	if err != nil {
		return err
	}
	f.data()
	f.addr()
	f.temporalAddress()
	if err := f.parse(args); err != nil {
		return err
	}
	cfg := f.cfg
	log := newLogger(cfg.LogLevel)
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer models.Close(db)
	reg := metrics.New()
	srv, ln, err := listenHTTP(cfg.Addr, nil)
	if err != nil {
		return err
	}
	defer ln.Close()
	tc, err := dialTemporal(ctx, cfg, log, reg, remoteTemporal)
	if err != nil {
		return err
	}
	defer tc.Close()
	srv.Handler = newAPI(cfg, db, tc, log, reg)
	fmt.Fprintf(stdout, "gongkai api listening on http://%s (Temporal %s, namespace %s)\n", ln.Addr(), cfg.TemporalAddress, cfg.TemporalNamespace)
	return serveUntilDone(ctx, srv, ln, log)
}

// runWorker runs the Temporal worker until interrupted.
func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := newFlags("worker", stdout)
	if err != nil {
		return err
	}
	f.data()
	f.temporalAddress()
	f.fs.StringVar(&f.cfg.MetricsAddr, "metrics-addr", f.cfg.MetricsAddr, "serve /metrics and /healthz here, empty is off (env "+config.EnvMetricsAddr+")")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg := f.cfg
	log := newLogger(cfg.LogLevel)
	db, err := openDB(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer models.Close(db)
	reg := metrics.New()
	tc, err := dialTemporal(ctx, cfg, log, reg, remoteTemporal)
	if err != nil {
		return err
	}
	defer tc.Close()
	w := worker.New(tc, cfg.TaskQueue, newActivities(db, log))
	fmt.Fprintf(stdout, "gongkai worker polling task queue %q on %s (namespace %s)\n", cfg.TaskQueue, cfg.TemporalAddress, cfg.TemporalNamespace)
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg.Prom, promhttp.HandlerOpts{}))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"status":"ok"}`) })
		srv, ln, err := listenHTTP(cfg.MetricsAddr, mux)
		if err != nil {
			return err
		}
		go serveUntilDone(ctx, srv, ln, log)
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := worker.EnsureSchedules(ctx, tc, cfg.TaskQueue); err != nil {
		return fmt.Errorf("create schedules: %w", err)
	}
	<-ctx.Done()
	log.Info("stopping worker")
	w.Stop()
	return nil
}

// runMigrate applies pending migrations and says which.
func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := newFlags("migrate", stdout)
	if err != nil {
		return err
	}
	f.data()
	if err := f.parse(args); err != nil {
		return err
	}
	db, err := models.Open(f.cfg.DBDSN, f.cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer models.Close(db)
	applied, err := models.Migrate(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "schema up to date (version %d)\n", models.LatestVersion())
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v; schema at version %d\n", applied, models.LatestVersion())
	return nil
}

// runTemporal runs only the embedded Temporal server, for development and
// for tests of the production processes.
func runTemporal(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := newFlags("temporal", stdout)
	if err != nil {
		return err
	}
	f.data()
	f.temporal()
	if err := f.parse(args); err != nil {
		return err
	}
	cfg := f.cfg
	log := newLogger(cfg.LogLevel)
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	ts, err := devserver.Start(ctx, devserver.Options{
		DBPath: cfg.TemporalDBPath(), Port: cfg.TemporalPort, Namespace: cfg.TemporalNamespace,
		UIPort: cfg.UIPort, Logger: log,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Temporal frontend listening on %s (namespace %s)\n", ts.FrontendAddress(), cfg.TemporalNamespace)
	<-ctx.Done()
	return ts.Stop()
}
