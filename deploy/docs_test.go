package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gongkai/config"
)

const docsPath = repoRoot + "/docs/deployment.md"

// TestDeploymentDocs checks docs/deployment.md documents every variable
// gongkai reads, names no GONGKAI_ variable that does not exist, and covers
// the commands an operator needs.
func TestDeploymentDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Clean(docsPath))
	if err != nil {
		t.Fatalf("read %s: %v", docsPath, err)
	}
	doc := string(b)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)`").FindAllStringSubmatch(doc, -1) {
		rows[m[1]] = true
	}
	for _, name := range config.EnvNames {
		if !rows[name] {
			t.Errorf("%s has no table row for %s (config.EnvNames)", docsPath, name)
		}
	}
	// Compose-only variables are documented too, but may not look like
	// gongkai's own: a GONGKAI_ name the binary does not read misleads.
	composeOnly := map[string]bool{"GONGKAI_VERSION": true, "GONGKAI_API_PORTS": true}
	for _, m := range regexp.MustCompile("`(GONGKAI_[A-Z0-9_]+)`").FindAllStringSubmatch(doc, -1) {
		name := m[1]
		if composeOnly[name] {
			if !strings.Contains(string(readCompose(t)), "${"+name) {
				t.Errorf("%s documents compose variable %s, which docker-compose.yml does not use", docsPath, name)
			}
			continue
		}
		known := false
		for _, n := range config.EnvNames {
			known = known || n == name
		}
		if !known {
			t.Errorf("%s mentions %s, which gongkai does not read (not in config.EnvNames)", docsPath, name)
		}
	}
	for _, want := range []string{"docker compose up", "gongkai migrate", "--scale gongkai-worker", "--scale gongkai-api"} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s does not mention %q", docsPath, want)
		}
	}
}
