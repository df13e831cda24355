package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
)

func init() { gin.SetMode(gin.TestMode) }

const demoPassword = "demo-pass-123"

// testServer is a Server on a demo-seeded database with a log buffer.
type testServer struct {
	*Server
	t   *testing.T
	log *bytes.Buffer
}

func newTestServer(t *testing.T, db *gorm.DB) *testServer {
	t.Helper()
	return newTestServerWith(t, db, Deps{})
}

// newTestServerWith fills in d's database, auth and logger.
func newTestServerWith(t *testing.T, db *gorm.DB, d Deps) *testServer {
	t.Helper()
	if err := demo.Seed(context.Background(), db, demoPassword); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	d.DB, d.Auth, d.Logger = db, &auth.Service{DB: db, TTL: time.Hour}, slog.New(slog.NewJSONHandler(&buf, nil))
	s := New(d)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return &testServer{Server: s, t: t, log: &buf}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (ts *testServer) do(method, path, token string, body any, out any) *httptest.ResponseRecorder {
	ts.t.Helper()
	return ts.doWithHeader(method, path, token, "", "", body, out)
}

// doWithHeader is do with one extra request header.
func (ts *testServer) doWithHeader(method, path, token, header, value string, body any, out any) *httptest.ResponseRecorder {
	ts.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = "192.0.2.1:1234"
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header != "" {
		req.Header.Set(header, value)
	}
	w := httptest.NewRecorder()
	ts.Handler().ServeHTTP(w, req)
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			ts.t.Fatalf("%s %s: decode %q: %v", method, path, w.Body.String(), err)
		}
	}
	return w
}

func (ts *testServer) login(username string) string {
	ts.t.Helper()
	var resp struct{ Token string }
	w := ts.do("POST", "/api/v1/login", "", map[string]string{"username": username, "password": demoPassword}, &resp)
	if w.Code != http.StatusOK || resp.Token == "" {
		ts.t.Fatalf("login %s: %d %s", username, w.Code, w.Body)
	}
	return resp.Token
}

func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) ErrorDetail {
	t.Helper()
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("status %d body %q is not the error envelope: %v", w.Code, w.Body, err)
	}
	if w.Code != status || body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("got %d %+v, want %d %s with a message", w.Code, body.Error, status, code)
	}
	return body.Error
}

func TestLoginMeLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		token := ts.login("reviewer")
		var me struct {
			User   userView
			Agency agencyView
			Roles  []string
		}
		if w := ts.do("GET", "/api/v1/me", token, nil, &me); w.Code != 200 {
			t.Fatalf("me: %d %s", w.Code, w.Body)
		}
		if me.User.Username != "reviewer" || me.Agency.Code != "chengguan" || len(me.Roles) != 1 || me.Roles[0] != "reviewer" {
			t.Fatalf("me = %+v", me)
		}
		if w := ts.do("POST", "/api/v1/logout", token, nil, nil); w.Code != http.StatusNoContent {
			t.Fatalf("logout: %d", w.Code)
		}
		wantError(t, ts.do("GET", "/api/v1/me", token, nil, nil), 401, CodeUnauthorized)
	})
}

func TestErrorEnvelope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		// 401: no header, a malformed header, a wrong password.
		wantError(t, ts.do("GET", "/api/v1/me", "", nil, nil), 401, CodeUnauthorized)
		wantError(t, ts.do("GET", "/api/v1/me", "not-a-token", nil, nil), 401, CodeUnauthorized)
		e := wantError(t, ts.do("POST", "/api/v1/login", "", map[string]string{"username": "editor", "password": "nope-nope"}, nil), 401, CodeInvalidCredentials)
		if strings.Contains(e.Message, "密码错误") && !strings.Contains(e.Message, "用户名或密码") {
			t.Errorf("message hints which part was wrong: %s", e.Message)
		}
		// 400: malformed JSON, a missing field named, a field of the wrong type named.
		wantError(t, ts.do("POST", "/api/v1/login", "", "{not json", nil), 400, CodeInvalidJSON)
		if e := wantError(t, ts.do("POST", "/api/v1/login", "", map[string]string{"username": "editor"}, nil), 400, CodeValidation); e.Field != "password" {
			t.Errorf("missing field named %q, want password", e.Field)
		}
		if e := wantError(t, ts.do("POST", "/api/v1/login", "", `{"username": 5, "password": "x"}`, nil), 400, CodeValidation); e.Field != "username" {
			t.Errorf("wrong-type field named %q, want username", e.Field)
		}
		// 404 for unknown routes, as JSON.
		wantError(t, ts.do("GET", "/api/v1/no-such-thing", "", nil, nil), 404, CodeNotFound)
		// 413 for bodies over 1 MiB, declared or not.
		big := `{"username":"` + strings.Repeat("x", MaxBodyBytes) + `","password":"x"}`
		wantError(t, ts.do("POST", "/api/v1/login", "", big, nil), 413, CodePayloadTooLarge)
		req := httptest.NewRequest("POST", "/api/v1/login", io.NopCloser(strings.NewReader(big)))
		req.ContentLength = -1
		w := httptest.NewRecorder()
		ts.Handler().ServeHTTP(w, req)
		wantError(t, w, 413, CodePayloadTooLarge)
	})
}

func TestPanicBecomes500WithRequestID(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	ts.engine.GET("/boom", func(*gin.Context) { panic("secret internal detail") })
	w := ts.do("GET", "/boom", "", nil, nil)
	e := wantError(t, w, 500, CodeInternal)
	if e.RequestID == "" || w.Header().Get("X-Request-ID") != e.RequestID {
		t.Fatalf("request id %q, header %q", e.RequestID, w.Header().Get("X-Request-ID"))
	}
	if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "goroutine") {
		t.Fatalf("response leaks the panic: %s", w.Body)
	}
	if !strings.Contains(ts.log.String(), e.RequestID) || !strings.Contains(ts.log.String(), "secret internal detail") {
		t.Fatalf("log lacks the request id or panic: %s", ts.log)
	}
}

func TestCrossAgencyIs404(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ctx := context.Background()
		editor2, err := models.UserByUsername(ctx, db, "editor2")
		if err != nil {
			t.Fatal(err)
		}
		admin := ts.login("admin") // 城关镇 admin
		// Another agency's user and agency look exactly like missing ones.
		missing := wantError(t, ts.do("GET", "/api/v1/users/999999", admin, nil, nil), 404, CodeNotFound)
		other := wantError(t, ts.do("GET", "/api/v1/users/"+itoa(editor2.ID), admin, nil, nil), 404, CodeNotFound)
		if missing.Message != other.Message {
			t.Errorf("messages differ: %q vs %q", missing.Message, other.Message)
		}
		wantError(t, ts.do("GET", "/api/v1/agencies/shanhe", admin, nil, nil), 404, CodeNotFound)
		wantError(t, ts.do("GET", "/api/v1/agencies/longde", admin, nil, nil), 404, CodeNotFound)
		if w := ts.do("GET", "/api/v1/agencies/chengguan", admin, nil, nil); w.Code != 200 {
			t.Fatalf("own agency: %d", w.Code)
		}
		var list struct{ Users []userView }
		ts.do("GET", "/api/v1/users", admin, nil, &list)
		for _, u := range list.Users {
			if u.Username == "editor2" {
				t.Fatal("user list shows another agency's user")
			}
		}
		if len(list.Users) != 5 {
			t.Fatalf("城关镇 admin sees %d users, want 5", len(list.Users))
		}
		// A non-admin may read only itself; the list is for admins.
		editor := ts.login("editor")
		wantError(t, ts.do("GET", "/api/v1/users", editor, nil, nil), 403, CodeForbidden)
		reviewer, _ := models.UserByUsername(ctx, db, "reviewer")
		wantError(t, ts.do("GET", "/api/v1/users/"+itoa(reviewer.ID), editor, nil, nil), 404, CodeNotFound)
	})
}

func TestCountyAdminSeesTownships(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ctx := context.Background()
		county, _ := models.AgencyByCode(ctx, db, "longde")
		h, _ := auth.HashPassword(demoPassword)
		if err := models.CreateUser(ctx, db, &models.User{AgencyID: county.ID, Username: "countyadmin", PasswordHash: h}, []string{models.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		token := ts.login("countyadmin")
		for _, code := range []string{"longde", "chengguan", "shanhe"} {
			if w := ts.do("GET", "/api/v1/agencies/"+code, token, nil, nil); w.Code != 200 {
				t.Errorf("county admin GET agency %s: %d", code, w.Code)
			}
		}
	})
}

func TestReadyzReportsTemporalMissing(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	var body struct {
		Status string
		Checks map[string]string
	}
	if w := ts.do("GET", "/readyz", "", nil, &body); w.Code != 503 || body.Checks["database"] != "ok" || body.Checks["temporal"] == "ok" {
		t.Fatalf("readyz = %d %+v", w.Code, body)
	}
	if w := ts.do("GET", "/healthz", "", nil, nil); w.Code != 200 {
		t.Fatalf("healthz = %d", w.Code)
	}
	w := ts.do("GET", "/metrics", "", nil, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "gongkai_http_requests_total") {
		t.Fatalf("metrics = %d %.300s", w.Code, w.Body)
	}
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }
