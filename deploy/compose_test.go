package deploy

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	temporalconfig "go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	temporalschema "go.temporal.io/server/schema"
	"gopkg.in/yaml.v3"

	"gongkai/config"
)

// repoRoot is where docker-compose.yml and the Dockerfile live; `go test`
// runs this package's tests in deploy/.
const repoRoot = ".."

const composePath = repoRoot + "/docker-compose.yml"

// Service names the rest of the stack and the docs refer to.
const (
	svcMySQL     = "mysql"
	svcAdmin     = "temporal-admin-tools"
	svcTemporal  = "temporal"
	svcNamespace = "temporal-namespace"
	svcUI        = "temporal-ui"
	svcMigrate   = "gongkai-migrate"
	svcAPI       = "gongkai-api"
	svcWorker    = "gongkai-worker"
)

var gongkaiServices = []string{svcMigrate, svcAPI, svcWorker}

// ---------------------------------------------------------------- model

type composeFile struct {
	Services map[string]*service `yaml:"services"`
	Volumes  map[string]any      `yaml:"volumes"`
}

type service struct {
	Image         string       `yaml:"image"`
	Build         *buildSpec   `yaml:"build"`
	Command       stringOrList `yaml:"command"`
	Entrypoint    stringOrList `yaml:"entrypoint"`
	Environment   envMap       `yaml:"environment"`
	DependsOn     dependsOn    `yaml:"depends_on"`
	Ports         []string     `yaml:"ports"`
	Volumes       []string     `yaml:"volumes"`
	Healthcheck   *healthcheck `yaml:"healthcheck"`
	Restart       string       `yaml:"restart"`
	ContainerName string       `yaml:"container_name"`
}

type healthcheck struct {
	Test stringOrList `yaml:"test"`
}

// buildSpec accepts `build: DIR` and `build: {context: DIR, dockerfile: F}`.
type buildSpec struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain buildSpec
	return n.Decode((*plain)(b))
}

// stringOrList accepts a string or a list of strings (command, entrypoint,
// healthcheck test).
type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// envMap accepts both compose forms: a mapping, or a list of NAME=VALUE.
type envMap map[string]string

func (e *envMap) UnmarshalYAML(n *yaml.Node) error {
	m := envMap{}
	switch n.Kind {
	case yaml.MappingNode:
		var raw map[string]yaml.Node
		if err := n.Decode(&raw); err != nil {
			return err
		}
		for k, v := range raw {
			m[k] = v.Value
		}
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
	default:
		return fmt.Errorf("line %d: environment must be a mapping or a list", n.Line)
	}
	*e = m
	return nil
}

// dependsOn maps each dependency to its condition; the list form means
// service_started.
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	m := dependsOn{}
	switch n.Kind {
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, s := range l {
			m[s] = "service_started"
		}
	case yaml.MappingNode:
		var raw map[string]struct {
			Condition string `yaml:"condition"`
		}
		if err := n.Decode(&raw); err != nil {
			return err
		}
		for k, v := range raw {
			if v.Condition == "" {
				v.Condition = "service_started"
			}
			m[k] = v.Condition
		}
	default:
		return fmt.Errorf("line %d: depends_on must be a list or a mapping", n.Line)
	}
	*d = m
	return nil
}

// ---------------------------------------------------------------- loading

// interpolate expands compose variables the way `docker compose` does for
// the forms this file uses: $$, $NAME, ${NAME}, ${NAME:-default},
// ${NAME-default}, ${NAME:?message}, ${NAME?message}. vars stands for the
// shell/.env; unset names without a default are returned in missing.
func interpolate(s string, vars map[string]string) (out string, missing []string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("unterminated ${ at %q", s[i:min(len(s), i+30)])
			}
			expr := s[i+2 : i+2+end]
			i += 2 + end
			name, op, arg := expr, "", ""
			for j, ch := range expr {
				if ch == ':' || ch == '-' || ch == '?' || ch == '+' {
					name = expr[:j]
					rest := expr[j:]
					for _, o := range []string{":-", ":?", ":+", "-", "?", "+"} {
						if strings.HasPrefix(rest, o) {
							op, arg = o, rest[len(o):]
							break
						}
					}
					break
				}
			}
			if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(name) || (op == "" && name != expr) {
				return "", nil, fmt.Errorf("bad variable expression ${%s}", expr)
			}
			v, set := vars[name]
			switch op {
			case "":
				if !set {
					missing = append(missing, name)
				}
			case ":-":
				if v == "" {
					v = arg
				}
			case "-":
				if !set {
					v = arg
				}
			case ":?", "?":
				if !set || (op == ":?" && v == "") {
					return "", nil, fmt.Errorf("required variable %s is not set: %s", name, arg)
				}
			case ":+":
				if v != "" {
					v = arg
				}
			case "+":
				if set {
					v = arg
				}
			}
			b.WriteString(v)
		default:
			m := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`).FindString(s[i+1:])
			if m == "" {
				b.WriteByte(c)
				continue
			}
			v, set := vars[m]
			if !set {
				missing = append(missing, m)
			}
			b.WriteString(v)
			i += len(m)
		}
	}
	return b.String(), missing, nil
}

func readCompose(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatalf("read %s: %v", composePath, err)
	}
	return raw
}

// loadCompose parses docker-compose.yml after interpolating it with vars
// (nil: nothing set, every default applies).
func loadCompose(t *testing.T, vars map[string]string) *composeFile {
	t.Helper()
	text, missing, err := interpolate(string(readCompose(t)), vars)
	if err != nil {
		t.Fatalf("%s: %v", composePath, err)
	}
	if len(missing) > 0 {
		t.Fatalf("%s uses variables without a default: %v (docker compose would substitute empty strings)", composePath, missing)
	}
	return parseCompose(t, text)
}

// loadComposeRaw parses docker-compose.yml as written, variables unexpanded.
func loadComposeRaw(t *testing.T) *composeFile {
	t.Helper()
	return parseCompose(t, string(readCompose(t)))
}

func parseCompose(t *testing.T, text string) *composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("%s does not parse: %v", composePath, err)
	}
	if len(c.Services) == 0 {
		t.Fatalf("%s has no services", composePath)
	}
	return &c
}

func (c *composeFile) svc(t *testing.T, name string) *service {
	t.Helper()
	s, ok := c.Services[name]
	if !ok || s == nil {
		t.Fatalf("%s has no service %q", composePath, name)
	}
	return s
}

func (s *service) env(t *testing.T, svc, name string) string {
	t.Helper()
	v, ok := s.Environment[name]
	if !ok {
		t.Fatalf("service %s does not set %s", svc, name)
	}
	return v
}

// overrides is what a production .env sets; the checks that compare values
// across services run with and without it, so a service with a hard-coded
// secret, or with a variable nobody else uses, shows up.
var overrides = map[string]string{
	"MYSQL_ROOT_PASSWORD":     "root-Secret-1",
	"MYSQL_GONGKAI_PASSWORD":  "gongkai-Secret-2",
	"MYSQL_TEMPORAL_PASSWORD": "temporal-Secret-3",
	"TEMPORAL_NAMESPACE":      "gongkai-prod",
}

func forEachVars(t *testing.T, f func(t *testing.T, c *composeFile, vars map[string]string)) {
	t.Run("defaults", func(t *testing.T) { f(t, loadCompose(t, nil), nil) })
	t.Run("overridden", func(t *testing.T) { f(t, loadCompose(t, overrides), overrides) })
}

// ---------------------------------------------------------------- checks

func TestComposeServicesExist(t *testing.T) {
	c := loadCompose(t, nil)
	for _, name := range []string{svcMySQL, svcAdmin, svcTemporal, svcNamespace, svcUI, svcMigrate, svcAPI, svcWorker} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("%s: service %q is missing", composePath, name)
		}
	}
}

func TestComposeGongkaiEnvNamesAreRead(t *testing.T) {
	c := loadCompose(t, nil)
	for _, name := range gongkaiServices {
		s := c.svc(t, name)
		for k := range s.Environment {
			if (strings.HasPrefix(k, "GONGKAI_") || strings.HasPrefix(k, "TEMPORAL_")) && !slices.Contains(config.EnvNames, k) {
				t.Errorf("service %s sets %s, which gongkai does not read (not in config.EnvNames: %v)", name, k, config.EnvNames)
			}
		}
	}
	required := map[string][]string{
		svcAPI:     {config.EnvDBDSN, config.EnvTemporalAddress, config.EnvTemporalNamespace, config.EnvAddr},
		svcWorker:  {config.EnvDBDSN, config.EnvTemporalAddress, config.EnvTemporalNamespace},
		svcMigrate: {config.EnvDBDSN},
	}
	for name, vars := range required {
		s := c.svc(t, name)
		for _, v := range vars {
			if s.Environment[v] == "" {
				t.Errorf("service %s must set %s (it is empty or missing)", name, v)
			}
		}
	}
	// A shared data dir: attachments written by one replica are read by others.
	for _, name := range []string{svcAPI, svcWorker} {
		s := c.svc(t, name)
		dir := s.Environment[config.EnvData]
		if dir == "" {
			t.Errorf("service %s does not set %s: attachments would land in the container's ./data and be lost", name, config.EnvData)
			continue
		}
		if !slices.ContainsFunc(s.Volumes, func(v string) bool {
			parts := strings.Split(v, ":")
			return len(parts) >= 2 && parts[1] == dir && !strings.HasPrefix(parts[0], ".") && !strings.HasPrefix(parts[0], "/")
		}) {
			t.Errorf("service %s: %s=%s is not a named volume, so replicas would not share attachments (volumes: %v)", name, config.EnvData, dir, s.Volumes)
		}
	}
}

func TestComposeCommands(t *testing.T) {
	c := loadCompose(t, nil)
	for name, want := range map[string]string{svcAPI: "api", svcWorker: "worker", svcMigrate: "migrate"} {
		s := c.svc(t, name)
		if len(s.Command) != 1 || strings.TrimSpace(s.Command[0]) != want {
			t.Errorf("service %s: command is %q, want [%q] (gongkai %s)", name, []string(s.Command), want, want)
		}
		if len(s.Entrypoint) > 0 {
			t.Errorf("service %s overrides the image's entrypoint (%q): the command must reach /gongkai", name, []string(s.Entrypoint))
		}
	}
	for _, name := range []string{svcAPI, svcWorker} {
		if cn := c.svc(t, name).ContainerName; cn != "" {
			t.Errorf("service %s sets container_name %q, which stops `docker compose up --scale %s=N`", name, cn, name)
		}
	}
	for _, name := range []string{svcMigrate, svcAdmin, svcNamespace} {
		if r := c.svc(t, name).Restart; r != "" && r != "no" {
			t.Errorf("one-shot service %s has restart: %s; compose would restart it after it completes", name, r)
		}
	}
}

// hostPort splits HOST:PORT and checks PORT is a number.
func hostPort(t *testing.T, what, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s = %q is not HOST:PORT: %v", what, addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("%s = %q: port %q is not a number", what, addr, p)
	}
	return h, n
}

// renderTemporalConfig renders the temporalio/server image's built-in
// config template (the server starts with no config file, so it uses this
// one) from the temporal service's environment, as the server would.
func renderTemporalConfig(t *testing.T, c *composeFile) *temporalconfig.Config {
	t.Helper()
	// The template reads many variables; none from this process may leak in.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if regexp.MustCompile(`^(DB|DBNAME|VISIBILITY_.*|MYSQL_.*|POSTGRES_.*|CASSANDRA_.*|SQL_.*|ES_.*|ENABLE_ES|NUM_HISTORY_SHARDS|BIND_ON_IP|.*_GRPC_PORT|.*_HTTP_PORT|.*_MEMBERSHIP_PORT|TEMPORAL_.*|DYNAMIC_CONFIG_FILE_PATH|USE_INTERNAL_FRONTEND|PROMETHEUS_ENDPOINT|STATSD_.*|LOG_LEVEL)$`).MatchString(k) {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range c.svc(t, svcTemporal).Environment {
		t.Setenv(k, v)
	}
	cfg, err := temporalconfig.Load(temporalconfig.WithEmbedded())
	if err != nil {
		t.Fatalf("Temporal's embedded config template does not load with the temporal service's environment: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Temporal config rendered from the temporal service's environment is invalid: %v", err)
	}
	return cfg
}

func TestComposeTemporalAddress(t *testing.T) {
	c := loadCompose(t, nil)
	cfg := renderTemporalConfig(t, c)
	fe, ok := cfg.Services["frontend"]
	if !ok {
		t.Fatal("rendered Temporal config has no frontend service")
	}
	for _, name := range []string{svcAPI, svcWorker, svcUI, svcNamespace} {
		s := c.svc(t, name)
		addr := s.env(t, name, config.EnvTemporalAddress)
		h, p := hostPort(t, name+" "+config.EnvTemporalAddress, addr)
		if h != svcTemporal {
			t.Errorf("service %s: %s=%s names host %q, want the compose service %q", name, config.EnvTemporalAddress, addr, h, svcTemporal)
		}
		if p != fe.RPC.GRPCPort {
			t.Errorf("service %s: %s=%s uses port %d, but the temporal service's frontend listens on %d", name, config.EnvTemporalAddress, addr, p, fe.RPC.GRPCPort)
		}
	}
	// Everyone talks to the same namespace, and the one-shot creates it.
	forEachVars(t, func(t *testing.T, c *composeFile, _ map[string]string) {
		want := c.svc(t, svcNamespace).env(t, svcNamespace, "NAMESPACE")
		for _, name := range []string{svcAPI, svcWorker} {
			if got := c.svc(t, name).Environment[config.EnvTemporalNamespace]; got != want {
				t.Errorf("service %s uses namespace %q but %s registers %q", name, got, svcNamespace, want)
			}
		}
		if got := c.svc(t, svcUI).Environment["TEMPORAL_DEFAULT_NAMESPACE"]; got != want {
			t.Errorf("temporal-ui opens namespace %q, gongkai uses %q", got, want)
		}
	})
}

func TestComposeDSN(t *testing.T) {
	forEachVars(t, func(t *testing.T, c *composeFile, _ map[string]string) {
		my := c.svc(t, svcMySQL)
		var first string
		for _, name := range gongkaiServices {
			dsn := c.svc(t, name).env(t, name, config.EnvDBDSN)
			if first == "" {
				first = dsn
			} else if dsn != first {
				t.Errorf("service %s has a different %s from %s: %q vs %q", name, config.EnvDBDSN, gongkaiServices[0], dsn, first)
			}
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Errorf("service %s: %s is not a go-sql-driver DSN: %v", name, config.EnvDBDSN, err)
				continue
			}
			if cfg.Net != "tcp" {
				t.Errorf("service %s: DSN uses %q, want tcp(mysql:3306)", name, cfg.Net)
			}
			if h, p := hostPort(t, name+" DSN address", cfg.Addr); h != svcMySQL || p != 3306 {
				t.Errorf("service %s: DSN address %s, want the compose service %s:3306", name, cfg.Addr, svcMySQL)
			}
			if db := my.env(t, svcMySQL, "MYSQL_DATABASE"); cfg.DBName != db {
				t.Errorf("service %s: DSN database %q, but mysql creates MYSQL_DATABASE=%q", name, cfg.DBName, db)
			}
			if u := my.env(t, svcMySQL, "MYSQL_USER"); cfg.User != u {
				t.Errorf("service %s: DSN user %q, but mysql creates MYSQL_USER=%q", name, cfg.User, u)
			}
			if pw := my.env(t, svcMySQL, "MYSQL_PASSWORD"); cfg.Passwd != pw {
				t.Errorf("service %s: DSN password %q differs from mysql's MYSQL_PASSWORD %q", name, cfg.Passwd, pw)
			}
			if !cfg.ParseTime {
				t.Errorf("service %s: DSN lacks parseTime=true", name)
			}
			if cfg.Loc != time.UTC {
				t.Errorf("service %s: DSN has loc=%v, want UTC", name, cfg.Loc)
			}
			if !strings.Contains(dsn, "charset=utf8mb4") {
				t.Errorf("service %s: DSN lacks charset=utf8mb4 (Chinese text needs it)", name)
			}
		}
	})
}

func TestComposeDependsOn(t *testing.T) {
	c := loadCompose(t, nil)
	want := []struct{ svc, dep, cond string }{
		{svcAdmin, svcMySQL, "service_healthy"},
		{svcTemporal, svcMySQL, "service_healthy"},
		{svcTemporal, svcAdmin, "service_completed_successfully"},
		{svcNamespace, svcTemporal, ""},
		{svcUI, svcTemporal, ""},
		{svcMigrate, svcMySQL, "service_healthy"},
		{svcAPI, svcMySQL, "service_healthy"},
		{svcAPI, svcMigrate, "service_completed_successfully"},
		{svcAPI, svcTemporal, ""},
		{svcAPI, svcNamespace, "service_completed_successfully"},
		{svcWorker, svcMySQL, "service_healthy"},
		{svcWorker, svcMigrate, "service_completed_successfully"},
		{svcWorker, svcTemporal, ""},
		{svcWorker, svcNamespace, "service_completed_successfully"},
	}
	for _, w := range want {
		got, ok := c.svc(t, w.svc).DependsOn[w.dep]
		switch {
		case !ok:
			t.Errorf("service %s must depend on %s", w.svc, w.dep)
		case w.cond != "" && got != w.cond:
			t.Errorf("service %s depends on %s with condition %s, want %s", w.svc, w.dep, got, w.cond)
		}
	}
	for name, s := range c.Services {
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("service %s depends on %q, which is not a service", name, dep)
			}
		}
		if s.DependsOn[svcMySQL] == "service_healthy" && c.svc(t, svcMySQL).Healthcheck == nil {
			t.Errorf("service %s waits for mysql to be healthy, but mysql has no healthcheck", name)
		}
	}
}

var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// imageTag returns the tag of a reference such as mysql:8.4.8 or
// registry:5000/a/b:1.2, and whether it has one.
func imageTag(ref string) (string, bool) {
	ref, _, _ = strings.Cut(ref, "@")
	slash := strings.LastIndexByte(ref, '/')
	colon := strings.LastIndexByte(ref, ':')
	if colon <= slash {
		return "", false
	}
	return ref[colon+1:], true
}

func TestComposeImagesPinned(t *testing.T) {
	c := loadCompose(t, nil)
	for name, s := range c.Services {
		if s.Image == "" {
			t.Errorf("service %s has no image: name it (with a tag) so every service runs a known version", name)
			continue
		}
		tag, ok := imageTag(s.Image)
		switch {
		case !ok:
			t.Errorf("service %s: image %q has no tag (it would mean :latest)", name, s.Image)
		case tag == "latest":
			t.Errorf("service %s: image %q uses latest; pin a version", name, s.Image)
		case !tagRE.MatchString(tag):
			t.Errorf("service %s: image %q has a malformed tag %q", name, s.Image, tag)
		}
	}
	if img := c.svc(t, svcTemporal).Image; !strings.HasPrefix(img, "temporalio/server:1.32.") {
		t.Errorf("temporal runs %q; the embedded server and go.mod are on Temporal 1.32 (temporalio/server:1.32.x)", img)
	}
	if img, srv := c.svc(t, svcAdmin).Image, c.svc(t, svcTemporal).Image; strings.TrimPrefix(img, "temporalio/admin-tools:") != strings.TrimPrefix(srv, "temporalio/server:") {
		t.Errorf("admin-tools %q and server %q differ in version: the schema tool must match the server it prepares", img, srv)
	}
	api := c.svc(t, svcAPI)
	if api.Build == nil || filepath.Clean(api.Build.Context) != "." {
		t.Errorf("gongkai-api must build the repository root (build: .), has %+v", api.Build)
	}
	for _, name := range gongkaiServices {
		if s := c.svc(t, name); s.Image != api.Image {
			t.Errorf("service %s runs image %q, gongkai-api %q: migrate, api and worker must run the same build", name, s.Image, api.Image)
		}
	}
}

func TestComposeHealthchecksMatchPorts(t *testing.T) {
	c := loadCompose(t, nil)
	devTCP := regexp.MustCompile(`/dev/tcp/127\.0\.0\.1/(\d+)`)
	check := func(name, addrVar string) {
		s := c.svc(t, name)
		if s.Healthcheck == nil {
			t.Errorf("service %s has no healthcheck", name)
			return
		}
		_, port := hostPort(t, name+" "+addrVar, s.env(t, name, addrVar))
		m := devTCP.FindStringSubmatch(strings.Join(s.Healthcheck.Test, " "))
		if m == nil {
			t.Errorf("service %s: healthcheck %q does not probe 127.0.0.1", name, []string(s.Healthcheck.Test))
			return
		}
		if m[1] != strconv.Itoa(port) {
			t.Errorf("service %s: healthcheck probes port %s but %s listens on %d", name, m[1], addrVar, port)
		}
	}
	check(svcAPI, config.EnvAddr)
	check(svcWorker, config.EnvMetricsAddr)

	api := c.svc(t, svcAPI)
	h, port := hostPort(t, "gongkai-api "+config.EnvAddr, api.env(t, svcAPI, config.EnvAddr))
	if h != "0.0.0.0" && h != "" {
		t.Errorf("gongkai-api listens on %s: inside a container it must listen on 0.0.0.0 to be reachable", h)
	}
	published := false
	for _, p := range api.Ports {
		p, _, _ = strings.Cut(p, "/")
		if i := strings.LastIndexByte(p, ':'); i >= 0 && p[i+1:] == strconv.Itoa(port) {
			published = true
		}
	}
	if !published {
		t.Errorf("gongkai-api ports %v do not publish container port %d (%s)", api.Ports, port, config.EnvAddr)
	}
}

func TestComposeTemporalPersistence(t *testing.T) {
	c := loadCompose(t, nil)
	tmp := c.svc(t, svcTemporal)
	cfg := renderTemporalConfig(t, c)
	p := cfg.Persistence
	stores := map[string]string{p.DefaultStore: tmp.Environment["DBNAME"], p.VisibilityStore: tmp.Environment["VISIBILITY_DBNAME"]}
	for store, db := range stores {
		ds, ok := p.DataStores[store]
		if !ok || ds.SQL == nil {
			t.Errorf("rendered Temporal config: store %q is not SQL (DB=%q); want DB=mysql8", store, tmp.Environment["DB"])
			continue
		}
		if ds.SQL.PluginName != "mysql8" {
			t.Errorf("Temporal store %q uses plugin %q, want mysql8", store, ds.SQL.PluginName)
		}
		if h, port := hostPort(t, "Temporal store "+store, ds.SQL.ConnectAddr); h != svcMySQL || port != 3306 {
			t.Errorf("Temporal store %q connects to %s, want %s:3306", store, ds.SQL.ConnectAddr, svcMySQL)
		}
		if ds.SQL.DatabaseName != db || db == "" {
			t.Errorf("Temporal store %q uses database %q, want %q", store, ds.SQL.DatabaseName, db)
		}
	}
	if got := p.DataStores[p.DefaultStore].SQL; got != nil && got.DatabaseName != "temporal" {
		t.Errorf("Temporal's main database is %q, want temporal", got.DatabaseName)
	}
	if got := p.DataStores[p.VisibilityStore].SQL; got != nil && got.DatabaseName != "temporal_visibility" {
		t.Errorf("Temporal's visibility database is %q, want temporal_visibility", got.DatabaseName)
	}
	if p.NumHistoryShards < 16 {
		t.Errorf("Temporal has %d history shards; the count is fixed at cluster creation, so start with more", p.NumHistoryShards)
	}

	// The dynamic config file must exist in the container, or the server
	// refuses to start; and it must load without errors or unknown keys.
	dc := cfg.DynamicConfigClient
	if dc == nil || dc.Filepath == "" {
		t.Fatal("rendered Temporal config has no dynamic config file")
	}
	host := hostPathFor(t, tmp, dc.Filepath)
	if host == "" {
		t.Fatalf("temporal reads dynamic config from %s, but no bind mount of the temporal service provides it (volumes %v)", dc.Filepath, tmp.Volumes)
	}
	b, err := os.ReadFile(host)
	if err != nil {
		t.Fatalf("temporal's dynamic config %s (mounted as %s): %v", host, dc.Filepath, err)
	}
	lr := dynamicconfig.LoadYamlFile(b)
	for _, e := range lr.Errors {
		t.Errorf("%s: %v", host, e)
	}
	for _, w := range lr.Warnings {
		t.Errorf("%s: %v", host, w)
	}
}

// hostPathFor maps a path inside a service's container to the repository
// file a bind mount puts there, or "".
func hostPathFor(t *testing.T, s *service, inContainer string) string {
	t.Helper()
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], "./") {
			continue
		}
		rel, err := filepath.Rel(parts[1], inContainer)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		return filepath.Join(repoRoot, parts[0], rel)
	}
	return ""
}

// sqlToolRun is one temporal-sql-tool line of the admin-tools script.
type sqlToolRun struct {
	db, cmd, schemaName string
}

func parseSQLToolScript(t *testing.T, script string) []sqlToolRun {
	t.Helper()
	var runs []sqlToolRun
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "temporal-sql-tool" {
			continue
		}
		var r sqlToolRun
		for i := 1; i < len(f); i++ {
			switch a := f[i]; {
			case (a == "--database" || a == "--db") && i+1 < len(f):
				r.db = f[i+1]
				i++
			case (a == "--schema-name" || a == "-s") && i+1 < len(f):
				r.schemaName = f[i+1]
				i++
			case (a == "--version" || a == "-v") && i+1 < len(f):
				i++
			case !strings.HasPrefix(a, "-") && r.cmd == "":
				r.cmd = a
			}
		}
		runs = append(runs, r)
	}
	return runs
}

func TestComposeTemporalSchemaSetup(t *testing.T) {
	c := loadCompose(t, nil)
	admin := c.svc(t, svcAdmin)
	tmp := c.svc(t, svcTemporal)
	if !strings.HasPrefix(admin.Image, "temporalio/admin-tools:") {
		t.Errorf("%s runs %q, want temporalio/admin-tools (it ships temporal-sql-tool)", svcAdmin, admin.Image)
	}
	for k, want := range map[string]string{
		"SQL_PLUGIN":   tmp.Environment["DB"],
		"SQL_HOST":     tmp.Environment["MYSQL_SEEDS"],
		"SQL_PORT":     tmp.Environment["DB_PORT"],
		"SQL_USER":     tmp.Environment["MYSQL_USER"],
		"SQL_PASSWORD": tmp.Environment["MYSQL_PWD"],
	} {
		if got := admin.Environment[k]; got != want || got == "" {
			t.Errorf("%s sets %s=%q but the temporal server connects with %q", svcAdmin, k, got, want)
		}
	}
	script := strings.Join(append(append([]string{}, admin.Entrypoint...), admin.Command...), "\n")
	runs := parseSQLToolScript(t, script)
	if len(runs) == 0 {
		t.Fatalf("%s runs no temporal-sql-tool command: %q", svcAdmin, script)
	}
	known := temporalschema.PathsByDB("mysql")
	for _, db := range []struct{ name, schema string }{
		{tmp.Environment["DBNAME"], "mysql/v8/temporal"},
		{tmp.Environment["VISIBILITY_DBNAME"], "mysql/v8/visibility"},
	} {
		var steps []string
		for _, r := range runs {
			if r.db != db.name {
				continue
			}
			steps = append(steps, r.cmd)
			if r.cmd == "update-schema" && r.schemaName != db.schema {
				t.Errorf("%s updates database %s with schema %q, want %q", svcAdmin, db.name, r.schemaName, db.schema)
			}
		}
		if want := []string{"create-database", "setup-schema", "update-schema"}; !slices.Equal(steps, want) {
			t.Errorf("%s runs %v on database %q, want %v in that order", svcAdmin, steps, db.name, want)
		}
		if !slices.Contains(known, db.schema) {
			t.Errorf("temporal-sql-tool %s has no embedded schema %q (has %v)", "1.32", db.schema, known)
		}
	}
}

func TestComposeMySQLInit(t *testing.T) {
	forEachVars(t, func(t *testing.T, c *composeFile, _ map[string]string) {
		my := c.svc(t, svcMySQL)
		tmp := c.svc(t, svcTemporal)
		if got, want := my.Environment["MYSQL_TEMPORAL_PASSWORD"], tmp.Environment["MYSQL_PWD"]; got != want {
			t.Errorf("mysql creates the temporal user with password %q but temporal connects with %q", got, want)
		}
		if tmp.Environment["MYSQL_USER"] != "temporal" {
			t.Errorf("temporal connects as %q; deploy/mysql/initdb creates only 'temporal'", tmp.Environment["MYSQL_USER"])
		}
		if my.Environment["MYSQL_ROOT_PASSWORD"] == "" {
			t.Error("mysql has no MYSQL_ROOT_PASSWORD")
		}
	})
	c := loadCompose(t, nil)
	dir := hostPathFor(t, c.svc(t, svcMySQL), "/docker-entrypoint-initdb.d")
	if dir == "" {
		t.Fatalf("mysql does not mount an init directory at /docker-entrypoint-initdb.d: the temporal user would not exist")
	}
	script := filepath.Join(dir, "10-temporal.sh")
	fi, err := os.Stat(script)
	if err != nil {
		t.Fatalf("mysql init script: %v", err)
	}
	if fi.Mode()&0o111 != 0 {
		t.Errorf("%s is executable: the mysql entrypoint would run it in a child shell without docker_process_sql; it must be sourced (chmod 644)", script)
	}
	b, _ := os.ReadFile(script)
	text := strings.ReplaceAll(string(b), "\\`", "`") // \` inside the heredoc
	for _, want := range []string{"MYSQL_TEMPORAL_PASSWORD", "docker_process_sql", "`temporal`.*", "`temporal_visibility`.*", "'temporal'@'%'"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not mention %s", script, want)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the init script with")
	}
	// Source it as the mysql entrypoint does, with its helpers stubbed:
	// docker_process_sql prints the SQL it would run.
	source := func(password string) (string, error) {
		cmd := exec.Command(bash, "-ec", `
mysql_note() { :; }
mysql_error() { echo "ERROR: $*" >&2; exit 1; }
docker_process_sql() { cat; }
. "$1"`, "init", script)
		cmd.Env = append(os.Environ(), "MYSQL_TEMPORAL_PASSWORD="+password)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := source(`pa'ss\word`)
	if err != nil {
		t.Fatalf("sourcing %s failed: %v\n%s", script, err, out)
	}
	if !strings.Contains(out, `IDENTIFIED BY 'pa\'ss\\word'`) {
		t.Errorf("%s does not escape the password into a SQL string literal; it generated:\n%s", script, out)
	}
	if _, err := source(""); err == nil {
		t.Errorf("%s accepts an empty MYSQL_TEMPORAL_PASSWORD", script)
	}
}

func TestComposeBindMountsExist(t *testing.T) {
	c := loadCompose(t, nil)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			switch {
			case strings.HasPrefix(src, "./"):
				if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
					t.Errorf("service %s mounts %s, which does not exist in the repository", name, src)
				}
			case strings.HasPrefix(src, "/"):
				t.Errorf("service %s mounts host path %s: keep the stack self-contained (named volumes or ./ paths)", name, src)
			default:
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("service %s uses volume %q, which is not declared under volumes:", name, src)
				}
			}
		}
	}
}

// Secrets must come from compose variables, so production can set them
// without editing the file.
func TestComposeSecretsAreVariables(t *testing.T) {
	raw := loadComposeRaw(t)
	secret := regexp.MustCompile(`PASSWORD|PWD|SECRET|TOKEN_KEY`)
	for name, s := range raw.Services {
		for k, v := range s.Environment {
			if (secret.MatchString(k) || k == config.EnvDBDSN) && !strings.Contains(v, "${") {
				t.Errorf("service %s: %s is a literal (%q); use a compose variable such as ${NAME:-placeholder}", name, k, v)
			}
		}
	}
	if !strings.Contains(strings.ToLower(string(readCompose(t))), "production must") {
		t.Errorf("%s should say that production must override the placeholder passwords", composePath)
	}
}

// When a compose implementation is installed, let it validate the file
// against the Compose specification too.
func TestComposeConfigValidates(t *testing.T) {
	var cmd *exec.Cmd
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		cmd = exec.Command(docker, "compose", "-f", composePath, "config", "--quiet")
	} else if dc, err := exec.LookPath("docker-compose"); err == nil {
		cmd = exec.Command(dc, "-f", composePath, "config", "--quiet")
	} else {
		t.Skip("neither `docker compose` nor docker-compose is installed")
	}
	cmd.Env = append(os.Environ(), "COMPOSE_PROJECT_NAME=gongkai-check")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%v: %v\n%s", cmd.Args, err, out)
	}
}

func TestInterpolate(t *testing.T) {
	vars := map[string]string{"SET": "v", "EMPTY": ""}
	for in, want := range map[string]string{
		"a${SET}b":         "avb",
		"${UNSET:-d}":      "d",
		"${EMPTY:-d}":      "d",
		"${EMPTY-d}":       "",
		"${SET:-d}":        "v",
		"$$x $${SET}":      "$x ${SET}",
		"$SET/x":           "v/x",
		"p@tcp(h:1)/d?x=1": "p@tcp(h:1)/d?x=1",
		"${SET:+alt}":      "alt",
	} {
		got, missing, err := interpolate(in, vars)
		if err != nil || got != want || len(missing) > 0 {
			t.Errorf("interpolate(%q) = %q, %v, %v; want %q", in, got, missing, err, want)
		}
	}
	if _, missing, _ := interpolate("${NOPE}", vars); !slices.Equal(missing, []string{"NOPE"}) {
		t.Errorf("unset variable not reported: %v", missing)
	}
	if _, _, err := interpolate("${NEED:?set it}", vars); err == nil {
		t.Error("${NEED:?} on an unset variable did not fail")
	}
}
