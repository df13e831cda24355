package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gongkai/dbtest"
	"gongkai/models"
)

// The OpenAPI document is written by hand; these tests hold it to the
// server: the same routes, the roles the middleware enforces, the security
// each route needs, and answers that the document lists.

type oaDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title      string `json:"title"`
		Version    string `json:"version"`
		ErrorCodes []struct {
			Code        string `json:"code"`
			Status      []int  `json:"status"`
			Description string `json:"description"`
		} `json:"x-error-codes"`
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Parameters map[string]oaParam    `json:"parameters"`
		Responses  map[string]oaResponse `json:"responses"`
		Schemas    map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

type oaOp struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Tags        []string               `json:"tags"`
	Security    *[]map[string][]string `json:"security"`
	Roles       []string               `json:"x-roles"`
	Parameters  []oaParam              `json:"parameters"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]oaResponse `json:"responses"`
}

type oaParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type oaResponse struct {
	Ref         string                     `json:"$ref"`
	Description string                     `json:"description"`
	Codes       []string                   `json:"x-error-codes"`
	Content     map[string]json.RawMessage `json:"content"`
}

// docOp is one operation of the document.
type docOp struct {
	Method, Path string // GET, /items/{id}
	oaOp
}

func (o docOp) String() string { return o.Method + " " + o.Path }

func (o docOp) public() bool { return o.Security != nil && len(*o.Security) == 0 }

const refPrefix = "#/components/"

func loadOpenAPI(t *testing.T) (*oaDoc, []docOp) {
	t.Helper()
	var doc oaDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var ops []docOp
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				t.Errorf("path %s: unexpected key %q (only operations are allowed on a path)", path, method)
				continue
			}
			var op oaOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops = append(ops, docOp{Method: strings.ToUpper(method), Path: path, oaOp: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return &doc, ops
}

func (d *oaDoc) param(p oaParam) oaParam {
	if name, ok := strings.CutPrefix(p.Ref, refPrefix+"parameters/"); ok {
		return d.Components.Parameters[name]
	}
	return p
}

func (d *oaDoc) response(r oaResponse) oaResponse {
	if name, ok := strings.CutPrefix(r.Ref, refPrefix+"responses/"); ok {
		return d.Components.Responses[name]
	}
	return r
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// apiRoutes are the server's /api/v1 routes as "METHOD /path/{param}",
// relative to /api/v1 like the document's paths.
func apiRoutes(ts *testServer) map[string]bool {
	out := map[string]bool{}
	for _, r := range ts.engine.Routes() {
		rel, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
			continue
		}
		if rel == "" {
			rel = "/"
		}
		out[r.Method+" "+ginParam.ReplaceAllString(rel, "{$1}")] = true
	}
	return out
}

func TestOpenAPIRoutesMatchServer(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	_, ops := loadOpenAPI(t)
	registered := apiRoutes(ts)
	documented := map[string]bool{}
	for _, o := range ops {
		documented[o.String()] = true
	}
	var missing, extra []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !registered[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is registered but not in api/openapi.json (paths are relative to /api/v1)", r)
	}
	for _, d := range extra {
		t.Errorf("api/openapi.json lists %s, but the server has no such route", d)
	}
	if len(registered) < 50 {
		t.Errorf("only %d /api/v1 routes registered; the walk is broken", len(registered))
	}
}

// errorCodeConstants reads the package's Code* string constants from its
// source, so a new error code cannot go undocumented.
func errorCodeConstants(t *testing.T) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	codes := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						codes[v] = true
					}
				}
			}
		}
	}
	if !codes[CodeValidation] || !codes[CodeIdempotencyConflict] || !codes[CodeChecksFailed] {
		t.Fatalf("reading the Code constants failed: %v", codes)
	}
	return codes
}

func TestOpenAPIDocumentIsComplete(t *testing.T) {
	doc, ops := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Error("info.title and info.version are required")
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Errorf("servers = %+v, want the one /api/v1", doc.Servers)
	}
	if b := doc.Components.SecuritySchemes["bearerAuth"]; b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %+v, want http bearer", b)
	}

	// Error codes: the top-level list is exactly the server's constants,
	// and so is the enum of ErrorDetail.code.
	consts := errorCodeConstants(t)
	statuses := map[string][]int{}
	for _, c := range doc.Info.ErrorCodes {
		if _, dup := statuses[c.Code]; dup {
			t.Errorf("x-error-codes: %s listed twice", c.Code)
		}
		statuses[c.Code] = c.Status
		if !consts[c.Code] {
			t.Errorf("x-error-codes: %s is not an error code of package api", c.Code)
		}
		if len(c.Status) == 0 || c.Description == "" {
			t.Errorf("x-error-codes: %s needs its HTTP status and a description", c.Code)
		}
	}
	enum := doc.Components.Schemas["ErrorDetail"].Properties["code"].Enum
	for c := range consts {
		if statuses[c] == nil {
			t.Errorf("error code %s (a Code constant) is missing from info.x-error-codes", c)
		}
		if !slices.Contains(enum, c) {
			t.Errorf("error code %s is missing from the ErrorDetail.code enum", c)
		}
	}
	if len(enum) != len(consts) {
		t.Errorf("ErrorDetail.code enum has %d codes, the server %d", len(enum), len(consts))
	}

	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		if tags[tag.Name] {
			t.Errorf("tag %q declared twice", tag.Name)
		}
		tags[tag.Name] = true
	}
	ids := map[string]string{}
	for _, o := range ops {
		checkOperation(t, doc, o, tags, statuses)
		if prev, dup := ids[o.OperationID]; dup && o.OperationID != "" {
			t.Errorf("%s: operationId %q is also used by %s", o, o.OperationID, prev)
		}
		ids[o.OperationID] = o.String()
	}
	checkRefs(t)
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func checkOperation(t *testing.T, doc *oaDoc, o docOp, tags map[string]bool, statuses map[string][]int) {
	t.Helper()
	if o.OperationID == "" {
		t.Errorf("%s: no operationId", o)
	}
	if strings.TrimSpace(o.Summary) == "" {
		t.Errorf("%s: no summary", o)
	}
	if len(o.Tags) == 0 || !tags[o.Tags[0]] {
		t.Errorf("%s: tags %v, want a declared tag", o, o.Tags)
	}
	// Security: explicit on every operation, [] for the public ones.
	switch {
	case o.Security == nil:
		t.Errorf("%s: declare security: [] (public) or [{\"bearerAuth\": []}]", o)
	case !o.public():
		ok := false
		for _, req := range *o.Security {
			_, has := req["bearerAuth"]
			ok = ok || has
		}
		if !ok {
			t.Errorf("%s: security %v does not require bearerAuth", o, *o.Security)
		}
	}
	for _, r := range o.Roles {
		if !models.ValidRole(r) {
			t.Errorf("%s: x-roles has unknown role %q", o, r)
		}
	}
	if o.public() && len(o.Roles) > 0 {
		t.Errorf("%s: a public operation cannot require roles", o)
	}

	// Parameters: the path's {names} exactly, required; no duplicates.
	inPath := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
		inPath[m[1]] = true
	}
	seen := map[string]bool{}
	hasIdemKey := false
	for _, p := range o.Parameters {
		p = doc.param(p)
		if p.Name == "" || p.In == "" {
			t.Errorf("%s: parameter %+v has no name or place (or a broken $ref)", o, p)
			continue
		}
		if seen[p.In+":"+p.Name] {
			t.Errorf("%s: parameter %s in %s listed twice", o, p.Name, p.In)
		}
		seen[p.In+":"+p.Name] = true
		hasIdemKey = hasIdemKey || (p.In == "header" && p.Name == "Idempotency-Key")
		if p.In == "path" {
			if !inPath[p.Name] {
				t.Errorf("%s: path parameter %s is not in the path", o, p.Name)
			}
			if !p.Required {
				t.Errorf("%s: path parameter %s must be required", o, p.Name)
			}
			delete(inPath, p.Name)
		}
	}
	for name := range inPath {
		t.Errorf("%s: path parameter {%s} is not declared", o, name)
	}

	// Answers: a success, 500, and an error code list that fits each status.
	resp := map[string]oaResponse{}
	success := false
	for status, r := range o.Responses {
		r = doc.response(r)
		resp[status] = r
		code, err := strconv.Atoi(status)
		if err != nil {
			t.Errorf("%s: response %q is not an HTTP status", o, status)
			continue
		}
		if r.Description == "" {
			t.Errorf("%s: response %s has no description (or a broken $ref)", o, status)
		}
		success = success || (code >= 200 && code < 300)
		if code < 400 {
			if len(r.Codes) > 0 {
				t.Errorf("%s: success response %s lists error codes", o, status)
			}
			continue
		}
		if len(r.Codes) == 0 {
			t.Errorf("%s: error response %s lists no x-error-codes", o, status)
		}
		if _, ok := r.Content["application/json"]; !ok {
			t.Errorf("%s: error response %s has no application/json body", o, status)
		}
		for _, c := range r.Codes {
			if !slices.Contains(statuses[c], code) {
				t.Errorf("%s: response %s lists %s, which is answered with %v", o, status, c, statuses[c])
			}
		}
	}
	if !success {
		t.Errorf("%s: no 2xx response", o)
	}
	want := func(status, code, why string) {
		if !slices.Contains(resp[status].Codes, code) {
			t.Errorf("%s: must document %s %s (%s)", o, status, code, why)
		}
	}
	want("500", CodeInternal, "every route")
	if !o.public() {
		want("401", CodeUnauthorized, "it needs a token")
	}
	if len(o.Roles) > 0 {
		want("403", CodeForbidden, "it requires "+strings.Join(o.Roles, "/"))
	}
	if !o.public() && o.Method != http.MethodGet {
		if !hasIdemKey {
			t.Errorf("%s: a changing request takes the Idempotency-Key header; declare it", o)
		}
		want("400", CodeValidation, "Idempotency-Key over 128 characters")
		want("409", CodeIdempotencyConflict, "the first request with the key is still running")
		want("422", CodeIdempotencyConflict, "the key was used for another request")
	}
	if o.RequestBody != nil {
		if len(o.RequestBody.Content) == 0 {
			t.Errorf("%s: requestBody without content", o)
		}
		want("413", CodePayloadTooLarge, "it takes a body")
		if _, ok := o.RequestBody.Content["application/json"]; ok {
			want("400", CodeInvalidJSON, "it takes a JSON body")
		}
	}
}

// checkRefs requires every $ref to resolve and every component to be used.
func checkRefs(t *testing.T) {
	t.Helper()
	var root any
	if err := json.Unmarshal(openAPIDocument, &root); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if k == "$ref" {
					ref, _ := e.(string)
					if !strings.HasPrefix(ref, refPrefix) || resolvePointer(root, ref) == nil {
						t.Errorf("%s: $ref %q does not resolve", at, ref)
					}
					used[ref] = true
					continue
				}
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range v {
				walk(e, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(root, "#")
	comps, _ := root.(map[string]any)["components"].(map[string]any)
	for kind, group := range comps {
		if kind == "securitySchemes" {
			continue
		}
		for name := range group.(map[string]any) {
			if ref := refPrefix + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never used", ref)
			}
		}
	}
}

func resolvePointer(root any, ref string) any {
	v := root
	for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)]; !ok {
			return nil
		}
	}
	return v
}

// TestOpenAPIAccessMatchesServer calls every documented operation without a
// token and as each demo role, on objects that do not exist and without a
// body, so nothing changes: the public ones must not ask for a token, the
// others must; x-roles must be exactly the roles the route lets through;
// and every answer must be one the document lists for the operation.
func TestOpenAPIAccessMatchesServer(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	doc, ops := loadOpenAPI(t)
	users := map[string]string{} // role → demo user holding only that role
	for _, r := range []string{models.RoleEditor, models.RoleReviewer, models.RoleLeader, models.RoleClerk, models.RoleAdmin} {
		users[r] = r
	}
	tokens := map[string]string{}
	for r, u := range users {
		tokens[r] = ts.login(u)
	}
	for _, o := range ops {
		url := "/api/v1" + pathParam.ReplaceAllString(o.Path, "999999")
		call := func(token string) (int, string) {
			req := httptest.NewRequest(o.Method, url, nil)
			req.RemoteAddr = "192.0.2.7:1234"
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			ts.Handler().ServeHTTP(w, req)
			var body ErrorBody
			if w.Code >= 400 {
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Errorf("%s: %d answer is not the error envelope: %q", o, w.Code, w.Body)
				}
			}
			return w.Code, body.Error.Code
		}
		documented := func(who string, status int, code string) {
			r, ok := o.Responses[strconv.Itoa(status)]
			if !ok {
				t.Errorf("%s %s: answered %d %s, which the document does not list", who, o, status, code)
				return
			}
			if r = doc.response(r); status >= 400 && !slices.Contains(r.Codes, code) {
				t.Errorf("%s %s: answered %d %s, but the document lists %v for %d", who, o, status, code, r.Codes, status)
			}
		}

		status, code := call("")
		documented("without a token,", status, code)
		switch {
		case o.public() && status == http.StatusUnauthorized:
			t.Errorf("%s is documented as public but asks for a token", o)
		case !o.public() && (status != http.StatusUnauthorized || code != CodeUnauthorized):
			t.Errorf("%s is documented as needing a token but answered %d %s without one", o, status, code)
		}
		if o.public() {
			continue
		}
		for role, token := range tokens {
			if o.Method == http.MethodPost && o.Path == "/logout" {
				token = ts.login(users[role]) // keep the shared one
			}
			status, code := call(token)
			documented("as "+role+",", status, code)
			allowed := len(o.Roles) == 0 || slices.Contains(o.Roles, role)
			switch {
			case !allowed && (status != http.StatusForbidden || code != CodeForbidden):
				t.Errorf("%s requires %v, but %s got %d %s", o, o.Roles, role, status, code)
			case allowed && status == http.StatusForbidden:
				t.Errorf("%s: %s is allowed by the document (x-roles %v) but got %d %s", o, role, o.Roles, status, code)
			case status >= 500:
				t.Errorf("%s as %s: %d %s", o, role, status, code)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	ts := newTestServer(t, dbtest.SQLite(t))
	_, ops := loadOpenAPI(t)

	w := ts.do("GET", "/api/v1/openapi.json", "", nil, nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var served struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &served); err != nil || !strings.HasPrefix(served.OpenAPI, "3.") || len(served.Paths) == 0 {
		t.Fatalf("served document: openapi %q, %d paths, err %v", served.OpenAPI, len(served.Paths), err)
	}

	w = ts.do("GET", "/api/v1/docs", "", nil, nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /api/v1/docs: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	page := w.Body.String()
	for _, o := range ops {
		if !strings.Contains(page, "/api/v1"+o.Path) {
			t.Errorf("docs page lacks the path /api/v1%s", o.Path)
		}
		if !strings.Contains(page, `id="op-`+o.OperationID+`"`) {
			t.Errorf("docs page lacks the operation %s (%s)", o.OperationID, o)
		}
	}
	for _, h := range []string{"认证", "错误代码", "目录", "数据结构", "参数", "请求体", "答复", CodeSeparationOfDuties, CodeChecksFailed} {
		if !strings.Contains(page, h) {
			t.Errorf("docs page lacks %q", h)
		}
	}
	// Self-contained: nothing loaded from anywhere, and every link lands.
	for _, bad := range []string{"<script", "http://", "https://", "<link", "@import", "src="} {
		if strings.Contains(page, bad) {
			t.Errorf("docs page contains %q; it must need nothing from outside", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+m[1]+`"`) {
			t.Errorf("docs page links to #%s, which is not on the page", m[1])
		}
	}
}
