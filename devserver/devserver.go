// Package devserver embeds a single-node Temporal server for gongkai's
// all-in-one mode (`gongkai serve`), in the manner of the Temporal CLI's
// `temporal server start-dev`, whose package is internal.
//
// Everything runs in this process: the frontend, history, matching and
// worker services, bound to 127.0.0.1 only, with static membership (no
// ringpop gossip) and both persistence and visibility in one SQLite file.
// The server makes no outbound network calls: no metrics are exported, the
// version check that phones home is off, and traces are exported only if
// the operator sets the OTEL_TRACES_EXPORTER environment variable.
//
// The SQLite file is created, with Temporal's schema, on first start and
// reused after, so workflows survive restarts. One file holds everything
// Temporal knows; back it up (after Stop) together with gongkai's own
// database.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	// clusterName is stored in the database with the cluster metadata and
	// every namespace, so it must never change for an existing file.
	clusterName = "active"

	// defaultRetention is how long closed workflow histories are kept.
	// gongkai keeps its own records of every request in its own database,
	// so Temporal's copy only needs to outlive debugging of recent runs.
	defaultRetention = 7 * 24 * time.Hour

	// readyTimeout bounds the wait for the frontend to serve the namespace
	// after the services have started, when ctx has no earlier deadline.
	readyTimeout = 30 * time.Second
)

// Options configures the embedded server.
type Options struct {
	// DBPath is the SQLite file for Temporal's persistence and visibility.
	// It is created with the schema on first start and reused after. Its
	// directory is created if missing. SQLite keeps DBPath-wal and DBPath-shm
	// beside it while the server runs.
	DBPath string
	// Port is the frontend gRPC port on 127.0.0.1; history, matching and
	// worker use Port+1..Port+3. 0 picks free ports for all four.
	Port int
	// Namespace is registered at start if missing (e.g. "default").
	Namespace string
	// Retention of closed workflows in Namespace when it is first
	// registered; 0 means 7 days.
	Retention time.Duration
	// UIPort serves the Temporal Web UI on 127.0.0.1; 0 means no UI.
	UIPort int
	// Logger receives Temporal's own logs; nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is the lowest level of Temporal's logs passed to Logger;
	// nil means slog.LevelWarn (Temporal is chatty at info level).
	LogLevel slog.Leveler
}

// Server is a running embedded Temporal server.
type Server struct {
	temporal temporal.Server
	ui       *uiServer
	frontend string
	dbPath   string
	logger   *slog.Logger
	logGate  *logGate

	stopOnce sync.Once
	stopErr  error
}

// inUse guards against two Servers on one file in this process: the sqlite
// plugin shares one connection per file, and two clusters writing the same
// shard would fence each other out.
var (
	inUseMu sync.Mutex
	inUse   = map[string]bool{}
)

// Start sets up the database if needed, starts all Temporal services and
// returns once the frontend serves o.Namespace. ctx bounds the database
// setup and the wait for readiness; the services' own start is not
// cancellable and takes a few seconds at most.
func Start(ctx context.Context, o Options) (_ *Server, err error) {
	if err := validDBPath(o.DBPath); err != nil {
		return nil, err
	}
	if o.Namespace == "" {
		return nil, errors.New("devserver: Namespace is required")
	}
	if o.Port < 0 || o.Port > 65535-3 {
		return nil, fmt.Errorf("devserver: Port %d out of range (it and the next three are used)", o.Port)
	}
	if o.UIPort < 0 || o.UIPort > 65535 {
		return nil, fmt.Errorf("devserver: UIPort %d out of range", o.UIPort)
	}
	if o.Retention == 0 {
		o.Retention = defaultRetention
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LogLevel == nil {
		o.LogLevel = slog.LevelWarn
	}
	path, err := filepath.Abs(o.DBPath)
	if err != nil {
		return nil, err
	}

	inUseMu.Lock()
	if inUse[path] {
		inUseMu.Unlock()
		return nil, fmt.Errorf("devserver: %s is already used by a running server", path)
	}
	inUse[path] = true
	inUseMu.Unlock()
	defer func() {
		if err != nil {
			release(path)
		}
	}()

	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if err := ensureSchema(ctx, path); err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	if err := ensureNamespace(path, o.Namespace, o.Retention); err != nil {
		return nil, fmt.Errorf("devserver: registering namespace %q: %w", o.Namespace, err)
	}

	ports, err := pickPorts(o.Port)
	if err != nil {
		return nil, err
	}
	if o.UIPort != 0 {
		if err := checkUIPort(o.UIPort); err != nil {
			return nil, err
		}
	}

	s := &Server{
		frontend: hostPort(ports.frontend),
		dbPath:   path,
		logger:   o.Logger,
		logGate:  &logGate{},
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(buildConfig(path, ports)),
		temporal.ForServices(temporal.DefaultServices),
		// Static membership: each service is told where the others are,
		// so there is no ringpop gossip and no membership port at all.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(hostPort(ports.frontend)),
			primitives.HistoryService:  static.SingleLocalHost(hostPort(ports.history)),
			primitives.MatchingService: static.SingleLocalHost(hostPort(ports.matching)),
			primitives.WorkerService:   static.SingleLocalHost(hostPort(ports.worker)),
		}),
		temporal.WithLogger(newTemporalLogger(o.Logger, o.LogLevel, s.logGate)),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: starting Temporal: %w", err)
	}
	s.temporal = srv
	defer func() {
		if err != nil {
			s.logGate.set(gateStopping)
			_ = srv.Stop()
			s.logGate.set(gateClosed)
		}
	}()

	if err := waitReady(ctx, s.frontend, o.Namespace); err != nil {
		return nil, fmt.Errorf("devserver: Temporal frontend not ready: %w", err)
	}

	if o.UIPort != 0 {
		if s.ui, err = startUI(ctx, o.UIPort, s.frontend, o.Namespace); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// FrontendAddress is the host:port for Temporal clients and workers.
func (s *Server) FrontendAddress() string { return s.frontend }

// UIAddress is the Web UI's host:port, or "" when the UI is off.
func (s *Server) UIAddress() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.addr
}

// Stop shuts the UI and all services down gracefully, then checkpoints the
// WAL into the main file. It is safe to call more than once; a later Start
// on the same DBPath, in this process or another, picks up where this one
// left off.
//
// Two things outlive Stop in this process, both upstream behaviour:
//   - The sqlite plugin keeps one connection per file open for the life of
//     the process (on purpose: the server opens and closes its stores
//     several times while starting). A second Start on the same file in
//     this process reuses it; a new process simply opens the file again.
//   - A few of the server's system workers (scanners, parent-close-policy
//     processor) are never stopped by Temporal's worker service. They keep
//     retrying the stopped frontend's address, silently (see logGate). A
//     second Start in the same process should therefore use Port 0 or other
//     ports than the first, or those stale workers would poll it. gongkai
//     serve starts once per process, so this only concerns tests.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			errs = append(errs, s.ui.stop())
		}
		// While stopping only real errors show, not the services losing
		// each other; once stopped, the server is silent (see logGate).
		s.logGate.set(gateStopping)
		errs = append(errs, s.temporal.Stop())
		s.logGate.set(gateClosed)
		if err := checkpoint(s.dbPath); err != nil {
			// The data is safe in the WAL either way; this only means the
			// main file is not a complete copy on its own yet.
			s.logger.Warn("devserver: WAL checkpoint after stop failed", "error", err)
		}
		release(s.dbPath)
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

func release(path string) {
	inUseMu.Lock()
	delete(inUse, path)
	inUseMu.Unlock()
}

// buildConfig is the static server configuration: one node, one history
// shard, everything on loopback, archival off, one SQLite datastore.
func buildConfig(path string, p servicePorts) *config.Config {
	frontend := hostPort(p.frontend)
	sqlStore := config.DataStore{SQL: sqlConfig(path)}

	var conf config.Config
	conf.Global.Membership.BroadcastAddress = localhost
	conf.Persistence = config.Persistence{
		DefaultStore:    "sqlite",
		VisibilityStore: "sqlite",
		// One shard is plenty for one node, and the count is fixed for the
		// life of the file (it is stored in the cluster metadata).
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{"sqlite": sqlStore},
	}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				// Updated in the stored metadata on each start, so a new
				// port after a restart is fine.
				RPCAddress: frontend,
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	service := func(port int) config.Service {
		// HTTPPort stays 0: the frontend's HTTP API is off; clients and the
		// Web UI use gRPC.
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: localhost}}
	}
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): service(p.frontend),
		string(primitives.HistoryService):  service(p.history),
		string(primitives.MatchingService): service(p.matching),
		string(primitives.WorkerService):   service(p.worker),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service (system workflows) reaches the frontend here.
	conf.PublicClient.HostPort = frontend
	// Global.Metrics stays nil: no metrics are exported anywhere.
	return &conf
}

// dynamicConfig holds the few settings where a single embedded node wants
// something other than the server defaults. Workflow Update is on by
// default in this server version, and history.defaultActivityRetryPolicy
// is deliberately left alone.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// The frontend otherwise reports to Temporal's version-check service
		// every few hours: an outbound call an offline network must not see.
		dynamicconfig.EnableServerVersionCheck.Key(): false,
		// Visibility (list/count workflows) defaults to 10 requests/s per
		// namespace, which the Web UI and gongkai's own listings together
		// can exceed; SQLite on a local disk handles far more.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// One partition per task queue: partitions spread load across
		// matching hosts, and there is one host. With the default of 4,
		// tasks can sit on a partition that has no poller until forwarded.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
	}
}

// waitReady polls the frontend until it answers DescribeNamespace for ns,
// so callers can dial and start workflows as soon as Start returns.
func waitReady(ctx context.Context, addr, ns string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	client := workflowservice.NewWorkflowServiceClient(conn)
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = client.DescribeNamespace(callCtx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
