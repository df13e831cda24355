package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"gongkai/models"
)

// openAPIDocument is the hand-written OpenAPI 3 description of every
// /api/v1 route. openapi_test.go keeps it honest: every registered route
// must be in it and nothing else, with its roles, security and answers.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIJSON serves the document as it is.
func (s *Server) openAPIJSON(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDocument)
}

var (
	docsOnce sync.Once
	docsPage []byte
	docsErr  error
)

// apiDocs serves the document as a readable page: the operations grouped
// by tag with their parameters, bodies, answers and error codes, and the
// schemas. It is rendered here, once, and needs nothing from outside (the
// offices run on isolated networks): no scripts, no fonts, no CDN.
func (s *Server) apiDocs(c *gin.Context) {
	docsOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				docsErr = fmt.Errorf("render api docs: %v", r)
			}
		}()
		docsPage, docsErr = renderAPIDocs(openAPIDocument)
	})
	if docsErr != nil {
		s.abortInternal(c, docsErr)
		return
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
}

// --- an order-keeping JSON tree ----------------------------------------------
// The page follows the document's own order (paths, properties), which a Go
// map would lose.

type jnode struct {
	keys []string // object keys in document order
	vals []*jnode // object values, parallel to keys
	arr  []*jnode // array elements
	val  any      // string, json.Number, bool or nil for scalars
	kind byte     // 'o' object, 'a' array, 'v' scalar
}

func parseOrdered(b []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("openapi.json: trailing data after the document")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return &jnode{kind: 'v', val: tok}, nil
	}
	n := &jnode{kind: 'o'}
	if d == '[' {
		n.kind = 'a'
	}
	for dec.More() {
		if n.kind == 'o' {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, kt.(string))
		}
		v, err := decodeNode(dec)
		if err != nil {
			return nil, err
		}
		if n.kind == 'o' {
			n.vals = append(n.vals, v)
		} else {
			n.arr = append(n.arr, v)
		}
	}
	_, err = dec.Token() // the closing delimiter
	return n, err
}

// get is the value of key, or nil.
func (n *jnode) get(key string) *jnode {
	if n == nil {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) str() string {
	if n == nil || n.val == nil {
		return ""
	}
	if s, ok := n.val.(string); ok {
		return s
	}
	return fmt.Sprint(n.val)
}

// items are an array's elements; nil for anything else or a missing value.
func (n *jnode) items() []*jnode {
	if n == nil {
		return nil
	}
	return n.arr
}

// fields are an object's keys; nil for anything else or a missing value.
func (n *jnode) fields() []string {
	if n == nil {
		return nil
	}
	return n.keys
}

func (n *jnode) isTrue() bool { return n != nil && n.val == true }

func (n *jnode) strings() []string {
	if n == nil {
		return nil
	}
	out := make([]string, len(n.arr))
	for i, e := range n.arr {
		out[i] = e.str()
	}
	return out
}

// --- the page ----------------------------------------------------------------

type docsView struct {
	Title, Version string
	Server         string
	Intro          []string
	Auth           string
	Codes          []codeView
	Tags           []tagView
	Schemas        []namedSchema
}

type codeView struct{ Code, Status, Description string }

type tagView struct {
	Anchor, Name, Description string
	Ops                       []opView
}

type opView struct {
	Anchor, Method, Path, Summary, Description, Access, OperationID string
	Params                                                          []paramView
	Body                                                            *bodyView
	Responses                                                       []responseView
}

type paramView struct {
	Name, In, Description string
	Required              bool
	Schema                schemaView
}

type bodyView struct {
	Required    bool
	Description string
	Media       []mediaView
}

type mediaView struct {
	Type   string
	Schema *schemaView
}

type responseView struct {
	Status, Description string
	Codes               []string
	Headers             []string
	Media               []mediaView
}

type namedSchema struct {
	Anchor, Name string
	Schema       schemaView
}

// schemaView is a schema as the page shows it: its type (with links to the
// named schemas), description, allowed values and, for an inline object
// (or an array of them), its fields.
type schemaView struct {
	Type         template.HTML
	Description  string
	Constraints  string
	Enum         []string
	Props        []propView
	Alternatives []schemaView
}

type propView struct {
	Name     string
	Required bool
	Schema   schemaView
}

type docsRenderer struct{ root *jnode }

// resolve follows a $ref ("#/components/...") to what it names.
func (r docsRenderer) resolve(n *jnode) *jnode {
	for range 10 {
		ref := n.get("$ref").str()
		if ref == "" {
			return n
		}
		target := r.root
		for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			target = target.get(strings.NewReplacer("~1", "/", "~0", "~").Replace(seg))
		}
		if target == nil {
			return &jnode{kind: 'o'}
		}
		n = target
	}
	return n
}

func schemaAnchor(name string) string { return "schema-" + name }

// typeOf writes a schema's type as HTML: named schemas become links.
func (r docsRenderer) typeOf(n *jnode) template.HTML {
	if n == nil {
		return "any"
	}
	if ref := n.get("$ref").str(); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		return template.HTML(`<a href="#` + template.HTMLEscapeString(schemaAnchor(name)) + `">` + template.HTMLEscapeString(name) + `</a>`)
	}
	join := func(list *jnode, sep string) template.HTML {
		var parts []string
		for _, e := range list.items() {
			parts = append(parts, string(r.typeOf(e)))
		}
		return template.HTML(strings.Join(parts, sep))
	}
	var t template.HTML
	switch {
	case n.get("allOf") != nil:
		t = join(n.get("allOf"), " + ")
	case n.get("oneOf") != nil:
		t = join(n.get("oneOf"), " | ")
	case n.get("type").str() == "array":
		t = "array&lt;" + r.typeOf(n.get("items")) + "&gt;"
	case n.get("type").str() == "object" && n.get("additionalProperties") != nil && n.get("additionalProperties").kind == 'o':
		t = "object&lt;string, " + r.typeOf(n.get("additionalProperties")) + "&gt;"
	case n.get("type").str() != "":
		t = template.HTML(template.HTMLEscapeString(n.get("type").str()))
		if f := n.get("format").str(); f != "" {
			t += template.HTML(" (" + template.HTMLEscapeString(f) + ")")
		}
	default:
		t = "any"
	}
	if n.get("nullable").isTrue() {
		t += " | null"
	}
	return t
}

func (r docsRenderer) schema(n *jnode) schemaView {
	v := schemaView{Type: r.typeOf(n), Description: n.get("description").str()}
	if n == nil || n.get("$ref") != nil {
		return v
	}
	for _, e := range n.get("enum").items() {
		if e.str() == "" {
			v.Enum = append(v.Enum, `""`)
		} else {
			v.Enum = append(v.Enum, e.str())
		}
	}
	var cons []string
	for _, c := range []struct{ key, label string }{
		{"minimum", "最小 "}, {"maximum", "最大 "}, {"maxLength", "最长 "}, {"minItems", "至少 "}, {"maxItems", "至多 "},
		{"pattern", "格式 "}, {"default", "默认 "}, {"example", "例 "},
	} {
		if x := n.get(c.key); x != nil {
			cons = append(cons, c.label+x.str())
		}
	}
	if n.get("additionalProperties") != nil && n.get("additionalProperties").kind == 'v' && n.get("additionalProperties").val == false {
		cons = append(cons, "不允许其他字段")
	}
	v.Constraints = strings.Join(cons, "；")
	// The fields of an inline object, of the inline parts of an allOf, or
	// of an array's inline element.
	objects := []*jnode{n}
	if all := n.get("allOf"); all != nil {
		objects = all.items()
	} else if it := n.get("items"); n.get("type").str() == "array" && it != nil && it.get("$ref") == nil {
		objects = []*jnode{it}
	}
	for _, o := range objects {
		if o.get("$ref") != nil {
			continue
		}
		req := o.get("required").strings()
		props := o.get("properties")
		if props == nil {
			continue
		}
		for i, name := range props.fields() {
			v.Props = append(v.Props, propView{Name: name, Required: slices.Contains(req, name), Schema: r.schema(props.vals[i])})
		}
	}
	if one := n.get("oneOf"); one != nil {
		for _, alt := range one.items() {
			v.Alternatives = append(v.Alternatives, r.schema(alt))
		}
	}
	return v
}

func (r docsRenderer) media(content *jnode) []mediaView {
	var out []mediaView
	if content == nil {
		return nil
	}
	for i, mt := range content.fields() {
		m := mediaView{Type: mt}
		if sch := content.vals[i].get("schema"); sch != nil {
			sv := r.schema(sch)
			m.Schema = &sv
		}
		out = append(out, m)
	}
	return out
}

var paramPlaces = map[string]string{"path": "路径", "query": "查询", "header": "请求头", "cookie": "Cookie"}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (r docsRenderer) operation(path, method string, op *jnode, server string) opView {
	v := opView{
		Anchor: "op-" + op.get("operationId").str(), OperationID: op.get("operationId").str(),
		Method: strings.ToUpper(method), Path: server + path,
		Summary: op.get("summary").str(), Description: op.get("description").str(),
	}
	switch sec := op.get("security"); {
	case sec != nil && len(sec.arr) == 0:
		v.Access = "公开，无需登录"
	case op.get("x-roles") != nil:
		var names []string
		for _, role := range op.get("x-roles").strings() {
			names = append(names, models.RoleNames[role]+"（"+role+"）")
		}
		v.Access = "需登录；角色：" + strings.Join(names, "、")
		if len(names) > 1 {
			v.Access += "（持有其一即可）"
		}
	default:
		v.Access = "需登录，任何角色"
	}
	for _, p := range op.get("parameters").items() {
		p = r.resolve(p)
		v.Params = append(v.Params, paramView{
			Name: p.get("name").str(), In: paramPlaces[p.get("in").str()], Description: p.get("description").str(),
			Required: p.get("required").isTrue(), Schema: r.schema(p.get("schema")),
		})
	}
	if b := op.get("requestBody"); b != nil {
		b = r.resolve(b)
		v.Body = &bodyView{Required: b.get("required").isTrue(), Description: b.get("description").str(), Media: r.media(b.get("content"))}
	}
	resps := op.get("responses")
	for i, status := range resps.fields() {
		resp := r.resolve(resps.vals[i])
		rv := responseView{Status: status, Description: resp.get("description").str(), Codes: resp.get("x-error-codes").strings(), Media: r.media(resp.get("content"))}
		if h := resp.get("headers"); h != nil {
			rv.Headers = h.fields()
		}
		v.Responses = append(v.Responses, rv)
	}
	return v
}

func renderAPIDocs(doc []byte) ([]byte, error) {
	root, err := parseOrdered(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	r := docsRenderer{root: root}
	info := root.get("info")
	server := root.get("servers").items()
	view := docsView{Title: info.get("title").str(), Version: info.get("version").str()}
	if len(server) > 0 {
		view.Server = server[0].get("url").str()
	}
	for _, p := range strings.Split(info.get("description").str(), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			view.Intro = append(view.Intro, p)
		}
	}
	view.Auth = root.get("components").get("securitySchemes").get("bearerAuth").get("description").str()
	for _, c := range info.get("x-error-codes").items() {
		view.Codes = append(view.Codes, codeView{Code: c.get("code").str(), Status: strings.Join(c.get("status").strings(), "、"), Description: c.get("description").str()})
	}
	byTag := map[string]int{}
	for i, t := range root.get("tags").items() {
		byTag[t.get("name").str()] = i
		view.Tags = append(view.Tags, tagView{Anchor: fmt.Sprintf("tag-%d", i+1), Name: t.get("name").str(), Description: t.get("description").str()})
	}
	paths := root.get("paths")
	for i, path := range paths.fields() {
		item := paths.vals[i]
		for _, m := range httpMethods {
			op := item.get(m)
			if op == nil {
				continue
			}
			tag := op.get("tags").strings()
			if len(tag) == 0 {
				return nil, fmt.Errorf("openapi.json: %s %s has no tag", m, path)
			}
			ti, ok := byTag[tag[0]]
			if !ok {
				return nil, fmt.Errorf("openapi.json: %s %s has undeclared tag %q", m, path, tag[0])
			}
			view.Tags[ti].Ops = append(view.Tags[ti].Ops, r.operation(path, m, op, view.Server))
		}
	}
	schemas := root.get("components").get("schemas")
	for i, name := range schemas.fields() {
		view.Schemas = append(view.Schemas, namedSchema{Anchor: schemaAnchor(name), Name: name, Schema: r.schema(schemas.vals[i])})
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, view); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0 auto;max-width:1100px;padding:0 1.5em 4em;line-height:1.6;color:#222}
h1{border-bottom:3px solid #b22;padding-bottom:.3em}
h2{margin-top:2.5em;border-bottom:1px solid #ccc;padding-bottom:.2em}
h3{margin:0 0 .3em;font-size:1.05em}
section.op{border:1px solid #ddd;border-radius:4px;padding:.8em 1em;margin:1.2em 0}
h4{margin:.9em 0 .3em;font-size:.95em;color:#444}
code,.path{font-family:Consolas,"Courier New",monospace}
.method{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;padding:0 .4em;margin-right:.5em;font-size:.9em}
.GET{background:#2a6ebb}.POST{background:#2e8b57}.PUT{background:#c77c00}.DELETE{background:#b22}.PATCH{background:#6a5acd}
.access{color:#555;font-size:.92em}
table{border-collapse:collapse;width:100%;margin:.3em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;white-space:nowrap}
.nw{white-space:nowrap}
td table{margin:.4em 0 0}
.req{color:#b22}
.codes code{background:#fbeaea;padding:0 .3em;margin-right:.3em}
.enum code{background:#eef;padding:0 .3em;margin-right:.2em}
.muted{color:#777}
nav>ul>li{margin-top:.4em}
nav ul ul{font-size:.92em;padding-left:1.2em}
</style>
</head>
<body>
<h1>{{.Title}} <span class="muted">{{.Version}}</span></h1>
{{range .Intro}}<p>{{.}}</p>
{{end}}
<h2 id="auth">认证</h2>
<p>{{.Auth}}</p>
<h2 id="errors">错误代码</h2>
<table>
<tr><th>代码</th><th>HTTP 状态</th><th>说明</th></tr>
{{range .Codes}}<tr><td><code>{{.Code}}</code></td><td>{{.Status}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
<h2 id="contents">目录</h2>
<nav><ul>
{{range .Tags}}<li><a href="#{{.Anchor}}">{{.Name}}</a>
<ul>{{range .Ops}}<li><a href="#{{.Anchor}}"><span class="path">{{.Method}} {{.Path}}</span></a> {{.Summary}}</li>{{end}}</ul></li>
{{end}}<li><a href="#schemas">数据结构</a></li>
</ul></nav>
{{range .Tags}}
<h2 id="{{.Anchor}}">{{.Name}}</h2>
<p>{{.Description}}</p>
{{range .Ops}}<section class="op" id="{{.Anchor}}">
<h3><span class="method {{.Method}}">{{.Method}}</span><span class="path">{{.Path}}</span> {{.Summary}}</h3>
<p class="access">权限：{{.Access}} · operationId：<code>{{.OperationID}}</code></p>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<h4>参数</h4>
<table>
<tr><th>名称</th><th>位置</th><th>类型</th><th>必填</th><th>说明</th></tr>
{{range .Params}}<tr><td class="nw"><code>{{.Name}}</code></td><td class="nw">{{.In}}</td><td class="nw">{{.Schema.Type}}</td><td>{{if .Required}}<span class="req">是</span>{{else}}否{{end}}</td><td>{{.Description}}{{template "details" .Schema}}</td></tr>
{{end}}</table>{{end}}
{{with .Body}}<h4>请求体{{if .Required}}（必填）{{else}}（可省略）{{end}}</h4>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{range .Media}}{{template "media" .}}{{end}}{{end}}
<h4>答复</h4>
<table>
<tr><th>状态</th><th>说明</th><th>内容</th></tr>
{{range .Responses}}<tr><td class="nw">{{.Status}}</td><td>{{.Description}}{{if .Codes}}<div class="codes">错误代码：{{range .Codes}}<code>{{.}}</code>{{end}}</div>{{end}}{{if .Headers}}<div class="muted">答复头：{{range $i, $h := .Headers}}{{if $i}}、{{end}}{{$h}}{{end}}</div>{{end}}</td><td>{{range .Media}}{{template "media" .}}{{end}}</td></tr>
{{end}}</table>
</section>
{{end}}{{end}}
<h2 id="schemas">数据结构</h2>
{{range .Schemas}}<section class="op" id="{{.Anchor}}">
<h3>{{.Name}} <span class="muted">{{.Schema.Type}}</span></h3>
{{if .Schema.Description}}<p>{{.Schema.Description}}</p>{{end}}
{{template "details" .Schema}}
</section>
{{end}}
</body>
</html>
{{define "media"}}<div><code>{{.Type}}</code>{{with .Schema}}：{{.Type}}{{if .Description}} <span class="muted">{{.Description}}</span>{{end}}{{template "details" .}}{{end}}</div>{{end}}
{{define "details"}}{{if .Constraints}}<div class="muted">{{.Constraints}}</div>{{end}}{{if .Enum}}<div class="enum">可选值：{{range .Enum}}<code>{{.}}</code>{{end}}</div>{{end}}{{if .Alternatives}}<div>以下之一：<ul>{{range .Alternatives}}<li>{{.Type}}{{if .Description}} <span class="muted">{{.Description}}</span>{{end}}{{template "details" .}}</li>{{end}}</ul></div>{{end}}{{if .Props}}<table>
<tr><th>字段</th><th>类型</th><th>必填</th><th>说明</th></tr>
{{range .Props}}<tr><td><code>{{.Name}}</code></td><td>{{.Schema.Type}}</td><td>{{if .Required}}<span class="req">是</span>{{else}}否{{end}}</td><td>{{.Schema.Description}}{{template "details" .Schema}}</td></tr>
{{end}}</table>{{end}}{{end}}
`))
