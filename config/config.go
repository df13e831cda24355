// Package config holds the settings every gongkai process reads, and the
// names of the environment variables that carry them. Flags on the command
// line override the environment; the environment overrides the defaults.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Environment variable names. docker-compose.yml and the README must use
// exactly these; a test checks it.
const (
	EnvData              = "GONGKAI_DATA"
	EnvAddr              = "GONGKAI_ADDR"
	EnvDBDSN             = "GONGKAI_DB_DSN"
	EnvTemporalAddress   = "TEMPORAL_ADDRESS"
	EnvTemporalNamespace = "TEMPORAL_NAMESPACE"
	EnvTemporalPort      = "GONGKAI_TEMPORAL_PORT"
	EnvUIPort            = "GONGKAI_UI_PORT"
	EnvTaskQueue         = "GONGKAI_TASK_QUEUE"
	EnvDemo              = "GONGKAI_DEMO"
	EnvDemoPassword      = "GONGKAI_DEMO_PASSWORD"
	EnvPassword          = "GONGKAI_PASSWORD"
	EnvTokenTTL          = "GONGKAI_TOKEN_TTL"
	EnvLogLevel          = "GONGKAI_LOG_LEVEL"
	EnvMetricsAddr       = "GONGKAI_METRICS_ADDR"
)

// EnvNames lists every variable a gongkai process reads.
var EnvNames = []string{
	EnvData, EnvAddr, EnvDBDSN, EnvTemporalAddress, EnvTemporalNamespace,
	EnvTemporalPort, EnvUIPort, EnvTaskQueue, EnvDemo, EnvDemoPassword,
	EnvPassword, EnvTokenTTL, EnvLogLevel, EnvMetricsAddr,
}

// Defaults.
const (
	DefaultData              = "./data"
	DefaultAddr              = "127.0.0.1:8080"
	DefaultTemporalPort      = 7233
	DefaultTemporalNamespace = "default"
	DefaultTaskQueue         = "gongkai"
	DefaultDemoPassword      = "demo12345"
	DefaultTokenTTL          = 12 * time.Hour
)

// Config is what a process needs to find its database and Temporal.
type Config struct {
	DataDir           string
	Addr              string
	DBDSN             string // go-sql-driver DSN; empty means SQLite under DataDir
	TemporalAddress   string // host:port of a Temporal frontend; empty in serve means embedded
	TemporalNamespace string
	TemporalPort      int // embedded server's frontend port (serve only); 0 picks a free one
	UIPort            int // embedded Temporal Web UI port (serve only); 0 means off
	TaskQueue         string
	Demo              bool
	DemoPassword      string
	TokenTTL          time.Duration
	LogLevel          string
	MetricsAddr       string // worker only: where to serve /metrics and /healthz; empty is off
}

// FromEnv returns the defaults overlaid with the environment.
func FromEnv() (Config, error) {
	c := Config{
		DataDir:           getenv(EnvData, DefaultData),
		Addr:              getenv(EnvAddr, DefaultAddr),
		DBDSN:             os.Getenv(EnvDBDSN),
		TemporalAddress:   os.Getenv(EnvTemporalAddress),
		TemporalNamespace: getenv(EnvTemporalNamespace, DefaultTemporalNamespace),
		TaskQueue:         getenv(EnvTaskQueue, DefaultTaskQueue),
		DemoPassword:      getenv(EnvDemoPassword, DefaultDemoPassword),
		TokenTTL:          DefaultTokenTTL,
		LogLevel:          getenv(EnvLogLevel, "info"),
		MetricsAddr:       os.Getenv(EnvMetricsAddr),
	}
	var err error
	if c.TemporalPort, err = intEnv(EnvTemporalPort, DefaultTemporalPort); err != nil {
		return c, err
	}
	if c.UIPort, err = intEnv(EnvUIPort, 0); err != nil {
		return c, err
	}
	if v := os.Getenv(EnvDemo); v != "" {
		if c.Demo, err = strconv.ParseBool(v); err != nil {
			return c, fmt.Errorf("%s: %w", EnvDemo, err)
		}
	}
	if v := os.Getenv(EnvTokenTTL); v != "" {
		if c.TokenTTL, err = time.ParseDuration(v); err != nil || c.TokenTTL <= 0 {
			return c, fmt.Errorf("%s: want a positive duration such as 12h, got %q", EnvTokenTTL, v)
		}
	}
	return c, nil
}

// SQLitePath is where the records database lives when no DSN is given.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "gongkai.db") }

// TemporalDBPath is where the embedded Temporal server keeps its state.
func (c Config) TemporalDBPath() string { return filepath.Join(c.DataDir, "temporal.db") }

// UploadDir is where attachments are stored.
func (c Config) UploadDir() string { return filepath.Join(c.DataDir, "files") }

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func intEnv(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("%s: want a port number, got %q", name, v)
	}
	return n, nil
}
