package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/api"
	"gongkai/auth"
	"gongkai/config"
	"gongkai/content"
	"gongkai/metrics"
	"gongkai/models"
)

// flags registers the flags a command takes on top of the environment.
type flags struct {
	fs  *flag.FlagSet
	cfg config.Config
}

func newFlags(name string, stdout io.Writer) (*flags, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet("gongkai "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return &flags{fs: fs, cfg: cfg}, nil
}

func (f *flags) data() {
	f.fs.StringVar(&f.cfg.DataDir, "data", f.cfg.DataDir, "data directory (env "+config.EnvData+")")
}
func (f *flags) addr() {
	f.fs.StringVar(&f.cfg.Addr, "addr", f.cfg.Addr, "HTTP listen address (env "+config.EnvAddr+")")
}
func (f *flags) temporal() {
	f.fs.IntVar(&f.cfg.TemporalPort, "temporal-port", f.cfg.TemporalPort, "embedded Temporal frontend port, 0 picks a free one (env "+config.EnvTemporalPort+")")
	f.fs.IntVar(&f.cfg.UIPort, "ui-port", f.cfg.UIPort, "embedded Temporal Web UI port, 0 is off (env "+config.EnvUIPort+")")
}
func (f *flags) temporalAddress() {
	f.fs.StringVar(&f.cfg.TemporalAddress, "temporal-address", f.cfg.TemporalAddress, "Temporal frontend host:port (env "+config.EnvTemporalAddress+")")
	f.fs.StringVar(&f.cfg.TemporalNamespace, "namespace", f.cfg.TemporalNamespace, "Temporal namespace (env "+config.EnvTemporalNamespace+")")
}

func (f *flags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(f.fs.Args(), " "))
	}
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// openDB opens the records database. migrate applies pending migrations;
// otherwise the schema must already be current (production api and worker
// leave migrating to `gongkai migrate`, so several may start at once).
func openDB(ctx context.Context, cfg config.Config, migrate bool) (*gorm.DB, error) {
	db, err := models.Open(cfg.DBDSN, cfg.SQLitePath())
	if err != nil {
		return nil, err
	}
	if migrate {
		_, err = models.Migrate(ctx, db)
	} else {
		err = models.CheckSchema(ctx, db)
	}
	if err != nil {
		models.Close(db)
		return nil, err
	}
	return db, nil
}

// temporalLink says where the Temporal frontend runs.
type temporalLink int

const (
	remoteTemporal   temporalLink = iota // a cluster over the network
	embeddedTemporal                     // in this process, over loopback
)

// dialTemporal connects to the frontend, retrying for up to a minute so a
// worker started beside a booting Temporal server waits for it.
func dialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger, reg *metrics.Registry, link temporalLink) (client.Client, error) {
	if cfg.TemporalAddress == "" {
		return nil, fmt.Errorf("no Temporal frontend: set %s or --temporal-address", config.EnvTemporalAddress)
	}
	opts := client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		Logger:         sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
		MetricsHandler: reg.TemporalHandler(),
	}
	if link == embeddedTemporal {
		// gzip over loopback only burns CPU (≈2 % of a chain's, measured).
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
		}
		log.Warn("Temporal not reachable yet, retrying", "address", cfg.TemporalAddress, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// newAPI assembles the HTTP handler.
func newAPI(cfg config.Config, db *gorm.DB, tc client.Client, log *slog.Logger, reg *metrics.Registry) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	return api.New(api.Deps{
		DB:        db,
		Auth:      &auth.Service{DB: db, TTL: cfg.TokenTTL},
		Temporal:  tc,
		TaskQueue: cfg.TaskQueue,
		Files:     content.Store{Root: cfg.UploadDir()},
		Metrics:   reg,
		Logger:    log,
	}).Handler()
}

func newActivities(db *gorm.DB, log *slog.Logger) *activities.Activities {
	return &activities.Activities{DB: db, Logger: log, Sender: activities.LogSender{Logger: log}}
}

// listenHTTP binds addr now, so a port conflict is reported before anything
// else starts, and returns the server to run on the listener.
func listenHTTP(addr string, h http.Handler) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return srv, ln, nil
}

// serveUntilDone serves until ctx ends, then drains in-flight requests.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down HTTP server")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
