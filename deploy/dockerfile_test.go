package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gongkai/config"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	op   string // upper case: FROM, RUN, ...
	args string
}

// stage is one FROM ... block.
type stage struct {
	from, name string
	ins        []instruction
}

func readDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	var ins []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		ins = append(ins, instruction{start, strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	var stages []stage
	for _, in := range ins {
		if in.op == "FROM" {
			f := strings.Fields(in.args)
			s := stage{}
			for _, w := range f {
				if !strings.HasPrefix(w, "--") {
					s.from = w
					break
				}
			}
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				s.name = f[len(f)-1]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.op != "ARG" {
				t.Fatalf("Dockerfile line %d: %s before the first FROM", in.line, in.op)
			}
			continue
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s); want a multi-stage build (golang build stage, small runtime stage)", len(stages))
	}
	return stages
}

// execForm parses a JSON-array instruction argument.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var l []string
	if err := json.Unmarshal([]byte(in.args), &l); err != nil {
		t.Errorf("Dockerfile line %d: %s %s is not in exec (JSON array) form, so signals would go to a shell, not gongkai", in.line, in.op, in.args)
	}
	return l
}

func last(s stage, op string) (instruction, bool) {
	for i := len(s.ins) - 1; i >= 0; i-- {
		if s.ins[i].op == op {
			return s.ins[i], true
		}
	}
	return instruction{}, false
}

func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	build, final := stages[0], stages[len(stages)-1]

	for _, s := range stages {
		tag, ok := imageTag(s.from)
		if !ok || tag == "latest" {
			t.Errorf("Dockerfile: FROM %s must name a version tag, not latest or none", s.from)
		}
	}
	if !strings.HasPrefix(build.from, "golang:1.26") {
		t.Errorf("Dockerfile build stage is FROM %s, want golang:1.26 (go.mod says go 1.26)", build.from)
	}

	// CGO_ENABLED=0 for the go build: a static binary that runs on slim
	// or distroless without libc matching.
	var goBuild *instruction
	cgoOff := false
	for _, in := range build.ins {
		if in.op == "ENV" && strings.Contains(in.args, "CGO_ENABLED=0") {
			cgoOff = true
		}
		if in.op == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = &in
		}
	}
	if goBuild == nil {
		t.Fatal("Dockerfile build stage has no RUN ... go build")
	}
	if !cgoOff && !strings.Contains(goBuild.args, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile line %d: go build runs without CGO_ENABLED=0", goBuild.line)
	}
	if !slices.Contains(strings.Fields(goBuild.args), "./cmd/gongkai") {
		t.Errorf("Dockerfile line %d: go build does not build ./cmd/gongkai: %s", goBuild.line, goBuild.args)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "cmd", "gongkai")); err != nil {
		t.Errorf("the Dockerfile builds ./cmd/gongkai, which does not exist: %v", err)
	}
	out := ""
	if f := strings.Fields(goBuild.args); slices.Index(f, "-o") >= 0 && slices.Index(f, "-o")+1 < len(f) {
		out = f[slices.Index(f, "-o")+1]
	}
	if out == "" {
		t.Errorf("Dockerfile line %d: go build has no -o; the runtime stage cannot know where the binary is", goBuild.line)
	}

	if strings.HasPrefix(final.from, "golang") {
		t.Errorf("Dockerfile runtime stage is FROM %s: ship a small base (debian slim or distroless), not the toolchain", final.from)
	}
	copied := false
	for _, in := range final.ins {
		if in.op == "COPY" && strings.Contains(in.args, "--from="+build.name) && strings.Contains(in.args, out) {
			copied = true
		}
	}
	if !copied {
		t.Errorf("Dockerfile runtime stage does not COPY --from=%s %s", build.name, out)
	}
	if ep, ok := last(final, "ENTRYPOINT"); !ok {
		t.Error("Dockerfile has no ENTRYPOINT")
	} else if got := execForm(t, ep); !slices.Equal(got, []string{"/gongkai"}) {
		t.Errorf("Dockerfile ENTRYPOINT is %q, want [\"/gongkai\"]", got)
	}
	if cmd, ok := last(final, "CMD"); !ok {
		t.Error("Dockerfile has no CMD")
	} else if got := execForm(t, cmd); !slices.Equal(got, []string{"api"}) {
		t.Errorf("Dockerfile CMD is %q, want [\"api\"]", got)
	}
	if u, ok := last(final, "USER"); !ok {
		t.Error("Dockerfile runtime stage has no USER: gongkai would run as root")
	} else if name, _, _ := strings.Cut(u.args, ":"); name == "root" || name == "0" {
		t.Errorf("Dockerfile line %d: USER %s runs gongkai as root", u.line, u.args)
	}
	exposed := false
	for _, in := range final.ins {
		if in.op == "EXPOSE" && slices.Contains(strings.Fields(in.args), "8080") {
			exposed = true
		}
	}
	if !exposed {
		t.Error("Dockerfile does not EXPOSE 8080 (the api port in docker-compose.yml)")
	}
	runtimeText := ""
	for _, in := range final.ins {
		runtimeText += in.args + "\n"
	}
	if !strings.Contains(final.from, "distroless") {
		for _, pkg := range []string{"ca-certificates", "tzdata"} {
			if !strings.Contains(runtimeText, pkg) {
				t.Errorf("Dockerfile runtime stage does not install %s", pkg)
			}
		}
	}
	// The image's default data dir must be writable by that user: the
	// named volume takes the directory's owner on first use.
	if !slices.ContainsFunc(final.ins, func(in instruction) bool {
		return in.op == "ENV" && strings.Contains(in.args, config.EnvData+"=")
	}) {
		t.Errorf("Dockerfile runtime stage does not set %s (default %q is relative to / and not writable)", config.EnvData, config.DefaultData)
	}
}

func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatalf("read .dockerignore: %v", err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	for _, p := range []string{".git", "/data"} {
		if !slices.Contains(patterns, p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	// The build needs every Go source file and go.mod/go.sum.
	needed := []string{"go.mod", "go.sum", "cmd/gongkai/main.go", "config/config.go"}
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		for _, f := range needed {
			if ok, _ := filepath.Match(strings.TrimPrefix(p, "/"), f); ok || strings.TrimPrefix(p, "/") == strings.Split(f, "/")[0] {
				t.Errorf(".dockerignore pattern %q excludes %s, which the image build needs", p, f)
			}
		}
		if p == "*.go" || p == "**/*.go" || p == "**" || p == "*" {
			t.Errorf(".dockerignore pattern %q excludes Go sources", p)
		}
	}
}
