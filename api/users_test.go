package api

import (
	"fmt"
	"testing"

	"gongkai/dbtest"
)

func TestAdminManagesUsers(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	admin, editor := ts.login("admin"), ts.login("editor")
	body := map[string]any{"username": "wang", "display_name": "王五", "password": "wang-pass-1", "roles": []string{"reviewer", "leader"}}
	ts.expect("POST", "/api/v1/users", editor, body, 403)
	if e := wantError(t, ts.do("POST", "/api/v1/users", admin, map[string]any{"username": "x", "password": "short", "roles": []string{"editor"}}, nil), 400, CodeValidation); e.Field != "password" {
		t.Fatalf("short password field %q", e.Field)
	}
	if e := wantError(t, ts.do("POST", "/api/v1/users", admin, map[string]any{"username": "x", "password": "long-enough", "roles": []string{"boss"}}, nil), 400, CodeValidation); e.Field != "roles" {
		t.Fatalf("bad role field %q", e.Field)
	}
	wantError(t, ts.do("POST", "/api/v1/users", admin, map[string]any{"username": "x", "password": "long-enough", "roles": []string{"editor"}, "agency": "shanhe"}, nil), 400, CodeValidation)
	var u userView
	if w := ts.do("POST", "/api/v1/users", admin, body, &u); w.Code != 201 || len(u.Roles) != 2 {
		t.Fatalf("add: %d %+v", w.Code, u)
	}
	wantError(t, ts.do("POST", "/api/v1/users", admin, body, nil), 409, CodeConflict)
	var lr struct{ Token string }
	ts.do("POST", "/api/v1/login", "", map[string]string{"username": "wang", "password": "wang-pass-1"}, &lr)
	wang := lr.Token

	// Roles change; disabling ends the sessions; re-enabling and a new password let them in again.
	path := fmt.Sprintf("/api/v1/users/%d", u.ID)
	ts.do("PUT", path, admin, map[string]any{"roles": []string{"reviewer"}}, &u)
	if len(u.Roles) != 1 || u.Roles[0] != "reviewer" {
		t.Fatalf("roles after change: %v", u.Roles)
	}
	ts.expect("PUT", path, admin, map[string]any{"disabled": true}, 200)
	wantError(t, ts.do("GET", "/api/v1/me", wang, nil, nil), 401, CodeUnauthorized)
	wantError(t, ts.do("POST", "/api/v1/login", "", map[string]string{"username": "wang", "password": "wang-pass-1"}, nil), 401, CodeInvalidCredentials)
	ts.expect("PUT", path, admin, map[string]any{"disabled": false}, 200)
	ts.expect("POST", path+"/password", admin, map[string]string{"password": "new-pass-22"}, 204)
	wantError(t, ts.do("POST", "/api/v1/login", "", map[string]string{"username": "wang", "password": "wang-pass-1"}, nil), 401, CodeInvalidCredentials)
	ts.expect("POST", "/api/v1/login", "", map[string]string{"username": "wang", "password": "new-pass-22"}, 200)

	// No locking oneself out; no reaching into another agency.
	var me struct{ User userView }
	ts.do("GET", "/api/v1/me", admin, nil, &me)
	if e := wantError(t, ts.do("PUT", fmt.Sprintf("/api/v1/users/%d", me.User.ID), admin, map[string]any{"disabled": true}, nil), 400, CodeValidation); e.Field != "disabled" {
		t.Fatalf("self-disable field %q", e.Field)
	}
	if e := wantError(t, ts.do("PUT", fmt.Sprintf("/api/v1/users/%d", me.User.ID), admin, map[string]any{"roles": []string{"editor"}}, nil), 400, CodeValidation); e.Field != "roles" {
		t.Fatalf("self-demotion field %q", e.Field)
	}
	var list struct{ Users []userView }
	ts.do("GET", "/api/v1/users", admin, nil, &list)
	for _, x := range list.Users {
		if x.Username == "editor2" {
			t.Fatal("another agency's user listed")
		}
	}
	editor2 := ts.login("editor2")
	var me2 struct{ User userView }
	ts.do("GET", "/api/v1/me", editor2, nil, &me2)
	wantError(t, ts.do("PUT", fmt.Sprintf("/api/v1/users/%d", me2.User.ID), admin, map[string]any{"disabled": true}, nil), 404, CodeNotFound)
	wantError(t, ts.do("POST", fmt.Sprintf("/api/v1/users/%d/password", me2.User.ID), admin, map[string]string{"password": "hijack-123"}, nil), 404, CodeNotFound)
}
