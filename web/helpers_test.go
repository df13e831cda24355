package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/api"
	"gongkai/auth"
	"gongkai/content"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/temporaltest"
	"gongkai/worker"
)

func init() { gin.SetMode(gin.TestMode) }

const password = "demo-pass-123"

// env is a gongkai server on a demo-seeded database, served over HTTP.
type env struct {
	t   *testing.T
	db  *gorm.DB
	srv *api.Server
	ts  *httptest.Server
	log *lockedWriter
}

// newEnv starts a server without Temporal: enough for every page that
// only reads, and for edits (which do not involve the workflow).
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, dbtest.SQLite(t), api.Deps{})
}

// newChainEnv starts a server wired to an embedded Temporal server and a
// running worker, as `gongkai serve` wires them (see api/chain_test.go).
func newChainEnv(t *testing.T) *env {
	t.Helper()
	return newChainEnvOn(t, dbtest.SQLite(t))
}

// newChainEnvOn is newChainEnv on the given database.
func newChainEnvOn(t *testing.T, db *gorm.DB) *env {
	t.Helper()
	tc := temporaltest.Client(t)
	queue := "web-test-" + t.Name()
	w := worker.New(tc, queue, &activities.Activities{DB: db, Logger: slog.New(slog.DiscardHandler)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return newEnvWith(t, db, api.Deps{Temporal: tc, TaskQueue: queue})
}

func newEnvWith(t *testing.T, db *gorm.DB, d api.Deps) *env {
	t.Helper()
	if err := demo.Seed(context.Background(), db, password); err != nil {
		t.Fatal(err)
	}
	lw := &lockedWriter{}
	d.DB, d.Auth = db, &auth.Service{DB: db, TTL: time.Hour}
	d.Logger = slog.New(slog.NewJSONHandler(lw, nil))
	d.Files = content.Store{Root: t.TempDir()}
	s := api.New(d)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	e := &env{t: t, db: db, srv: s, ts: hs, log: lw}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", lw.String())
		}
	})
	return e
}

// user is one browser-like HTTP client with its own cookies. It does not
// follow redirects, so tests see each answer.
type user struct {
	e    *env
	c    *http.Client
	name string
}

func (e *env) anonymous() *user {
	jar, _ := cookiejar.New(nil)
	return &user{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login logs in through the login form.
func (e *env) login(name string) *user {
	e.t.Helper()
	u := e.anonymous()
	u.name = name
	page := u.get("/login")
	token := formToken(e.t, page.body)
	r := u.post("/login", url.Values{"_csrf": {token}, "username": {name}, "password": {password}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		e.t.Fatalf("login %s: %d %s %s", name, r.status, r.header.Get("Location"), r.body)
	}
	return u
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (u *user) do(req *http.Request) answer {
	u.e.t.Helper()
	resp, err := u.c.Do(req)
	if err != nil {
		u.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (u *user) get(path string) answer {
	u.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.e.ts.URL+path, nil)
	return u.do(req)
}

func (u *user) post(path string, form url.Values) answer {
	u.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return u.do(req)
}

// csrf reads the session's CSRF token from a page.
func (u *user) csrf() string {
	u.e.t.Helper()
	return formToken(u.e.t, u.get("/logout").body)
}

// postForm posts with the session's CSRF token added.
func (u *user) postForm(path string, form url.Values) answer {
	u.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", u.csrf())
	return u.post(path, form)
}

func (u *user) cookie(name string) *http.Cookie {
	base, _ := url.Parse(u.e.ts.URL)
	for _, c := range u.c.Jar.Cookies(base) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no _csrf field in page:\n%s", page)
	}
	return m[1]
}

func wantStatus(t *testing.T, r answer, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, status, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("page (status %d) lacks %q:\n%s", r.status, s, r.body)
		}
	}
}

// seedItem stores an item with its first revision directly, for tests that
// run without Temporal (pages that read, and edits).
func (e *env) seedItem(username, title, status string) *models.Item {
	e.t.Helper()
	ctx := context.Background()
	u, err := models.UserByUsername(ctx, e.db, username)
	if err != nil {
		e.t.Fatal(err)
	}
	var a models.Agency
	if err := e.db.First(&a, u.AgencyID).Error; err != nil {
		e.t.Fatal(err)
	}
	it := &models.Item{AgencyID: a.ID, Title: title, Summary: "概述：" + title, Body: "# " + title + "\n\n正文第一段。",
		Column: "新闻中心", FormedOn: "2026-01-05", Status: status, Version: 1, Revision: 1, AuthorID: u.ID}
	err = e.db.Transaction(func(tx *gorm.DB) error {
		var err error
		if it.IndexNo, err = models.NextIndexNo(tx, &a, 2026); err != nil {
			return err
		}
		if status == models.ItemPublished {
			now := time.Now().UTC()
			it.PublishedAt = &now
		}
		if err := tx.Create(it).Error; err != nil {
			return err
		}
		return tx.Create(&models.ItemRevision{ItemID: it.ID, Revision: 1, Title: it.Title, Summary: it.Summary, Body: it.Body,
			Column: it.Column, FormedOn: it.FormedOn, EditorID: u.ID,
			ContentHash: models.ContentHash(it.Title, it.Summary, it.Body, it.Column, it.FormedOn, nil)}).Error
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

// lockedWriter lets the server log from several goroutines.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
