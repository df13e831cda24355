package content

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkSafe parses out as a browser would and fails on any element or
// attribute that could run script or load from elsewhere. Text content is
// not checked: "javascript:alert(1)" shown as text is harmless.
func checkSafe(t *testing.T, out string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "form", "input", "style", "svg", "math", "link", "meta", "base":
				t.Errorf("element <%s> survived:\n%s", n.Data, out)
			}
			for _, a := range n.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "id", key == "srcdoc", key == "formaction":
					t.Errorf("attribute %s=%q survived on <%s>:\n%s", a.Key, a.Val, n.Data, out)
				case key == "href" || key == "src":
					if i := strings.IndexByte(val, ':'); i >= 0 && !strings.ContainsAny(val[:i], "/?#") {
						if scheme := val[:i]; scheme != "http" && scheme != "https" && scheme != "mailto" {
							t.Errorf("%s with scheme %q survived:\n%s", a.Key, scheme, out)
						}
					}
					if key == "src" && (strings.Contains(val, ":") || strings.HasPrefix(val, "//") || strings.Contains(val, `\`)) {
						t.Errorf("off-site src %q survived:\n%s", a.Val, out)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// mustNotContain fails if html contains any of the fragments (compared
// case-insensitively, as browsers read tags and attributes).
func mustNotContain(t *testing.T, html string, fragments ...string) {
	t.Helper()
	lower := strings.ToLower(html)
	for _, f := range fragments {
		if strings.Contains(lower, strings.ToLower(f)) {
			t.Errorf("output contains %q:\n%s", f, html)
		}
	}
}

func mustContain(t *testing.T, html string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(html, f) {
			t.Errorf("output lacks %q:\n%s", f, html)
		}
	}
}

func TestRenderMarkdownScriptTag(t *testing.T) {
	for _, src := range []string{
		"<script>alert(1)</script>\n\n正文",
		"正文 <script>alert(1)</script> 正文",
		"<SCRIPT SRC=/x.js></SCRIPT>",
	} {
		got := string(RenderMarkdown(src))
		checkSafe(t, got)
		mustNotContain(t, got, "<script", "</script")
	}
}

func TestRenderMarkdownEventHandler(t *testing.T) {
	for _, src := range []string{
		`<img src="x.png" onerror="alert(1)">`,
		`文字 <img src=x onerror=alert(1)> 文字`,
		`<p onclick="alert(1)">x</p>`,
		// In Markdown syntax an attribute cannot be written at all; the
		// quote stays inside the alt text or the URL.
		`![x" onerror="alert(1)](a.png)`,
	} {
		checkSafe(t, string(RenderMarkdown(src)))
	}
}

func TestRenderMarkdownJavascriptLink(t *testing.T) {
	for _, src := range []string{
		"[点击](javascript:alert(1))",
		"[点击](JaVaScRiPt:alert(1))",
		"[点击](vbscript:msgbox(1))",
		"[点击](data:text/html;base64,PHNjcmlwdD4=)",
		"<javascript:alert(1)>",
		"[点击][r]\n\n[r]: javascript:alert(1)",
	} {
		got := string(RenderMarkdown(src))
		checkSafe(t, got)
		mustNotContain(t, got, "href=\"javascript", "href=\"vbscript", "href=\"data")
	}
}

func TestRenderMarkdownRawHTMLDropped(t *testing.T) {
	src := "前言\n\n<div style=\"color:red\">红字</div>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n行内 <b style=\"x\">粗</b> 与 <span class=\"c\">span</span>\n"
	got := string(RenderMarkdown(src))
	checkSafe(t, got)
	mustNotContain(t, got, "<div", "<iframe", "<b", "<span", "style=", "class=", "evil.example", "<!--")
	mustContain(t, got, "<p>前言</p>")
}

func TestRenderMarkdownLinks(t *testing.T) {
	got := string(RenderMarkdown("[政府网](https://www.gov.cn/) [本站](/notices/1?tab=2#att) [信箱](mailto:gk@example.gov.cn) <http://example.gov.cn>"))
	mustContain(t, got,
		`<a href="https://www.gov.cn/" rel="nofollow noopener">政府网</a>`,
		`<a href="/notices/1?tab=2#att" rel="nofollow noopener">本站</a>`,
		`<a href="mailto:gk@example.gov.cn" rel="nofollow noopener">信箱</a>`,
		`<a href="http://example.gov.cn" rel="nofollow noopener">http://example.gov.cn</a>`,
	)
	got = string(RenderMarkdown("[ftp](ftp://example.gov.cn/a)"))
	mustNotContain(t, got, "ftp://")
}

func TestRenderMarkdownImages(t *testing.T) {
	got := string(RenderMarkdown("![本地](/files/ab/cd/x.png) ![相对](img/a.png \"说明\")"))
	mustContain(t, got,
		`<img src="/files/ab/cd/x.png" alt="本地">`,
		`<img src="img/a.png" alt="相对" title="说明">`,
	)

	for _, src := range []string{
		"![外链](https://evil.example/beacon.png)",
		"![外链](http://evil.example/beacon.png)",
		"![协议相对](//evil.example/beacon.png)",
		"![数据](data:image/png;base64,iVBORw0KGgo=)",
		`<img src="https://evil.example/beacon.png">`,
	} {
		got := string(RenderMarkdown(src))
		checkSafe(t, got)
		mustNotContain(t, got, "evil.example", "data:", "src=")
	}
}

// The sanitiser must hold even for HTML that goldmark would never produce,
// in case the renderer's settings change.
func TestPolicyOnHostileHTML(t *testing.T) {
	cases := map[string][]string{
		`<a href="javascript:alert(1)">x</a>`:                   {"javascript:"},
		`<a href="https://x.example" onclick="a()">x</a>`:       {"onclick"},
		`<a href="https://x.example" target="_blank">x</a>`:     {"target="},
		`<img src="https://evil.example/a.png">`:                {"evil.example"},
		`<img src="//evil.example/a.png">`:                      {"evil.example"},
		`<img src="/\evil.example/a.png">`:                      {"evil.example"},
		`<img src="data:image/png;base64,AAAA">`:                {"data:"},
		`<img src="&#x2f;&#x2f;evil.example/a.png">`:            {"evil.example"},
		`<p style="background:url(https://evil.example)">x`:     {"style", "evil.example"},
		`<iframe src="/x"></iframe><object data="/x"></object>`: {"<iframe", "<object"},
		`<form action="/x"><input name="p"></form>`:             {"<form", "<input"},
		`<h1 id="getElementById">x</h1>`:                        {"id="},
		`<svg><script>alert(1)</script></svg>`:                  {"<svg", "<script"},
	}
	for in, bad := range cases {
		got := policy.Sanitize(in)
		checkSafe(t, got)
		mustNotContain(t, got, bad...)
	}
	// A link whose rel was tampered with still gets nofollow.
	mustContain(t, policy.Sanitize(`<a href="/x" rel="opener">x</a>`), `rel="nofollow"`)
}

func TestRenderMarkdownTable(t *testing.T) {
	src := "| 事项 | 数量 | 备注 |\n|:---|---:|:---:|\n| 主动公开 | 12 | 无 |\n| 依申请公开 | 3 | *含* 补正 |\n"
	got := string(RenderMarkdown(src))
	mustContain(t, got,
		"<table>", "<thead>", "<tbody>",
		`<th align="left">事项</th>`,
		`<th align="right">数量</th>`,
		`<th align="center">备注</th>`,
		`<td align="left">依申请公开</td>`,
		`<em>含</em>`,
	)
	mustNotContain(t, got, "style=")
}

func TestRenderMarkdownChinese(t *testing.T) {
	src := "# 关于公开2024年度预算的通知\n\n各有关单位：\n\n根据《中华人民共和国政府信息公开条例》第二十条，现将有关事项通知如下。\n\n1. 公开范围：全区\n2. 公开时间：即日起\n\n> 特此通知。\n"
	got := string(RenderMarkdown(src))
	mustContain(t, got,
		"<h1>关于公开2024年度预算的通知</h1>",
		"<p>各有关单位：</p>",
		"《中华人民共和国政府信息公开条例》第二十条，现将有关事项通知如下。",
		"<li>公开范围：全区</li>",
		"<blockquote>\n<p>特此通知。</p>\n</blockquote>",
	)

	// A hard-wrapped Chinese paragraph must not show spaces at the wraps.
	got = string(RenderMarkdown("第一行文字\n第二行文字"))
	mustContain(t, got, "<p>第一行文字第二行文字</p>")
}

func TestRenderMarkdownBasics(t *testing.T) {
	got := string(RenderMarkdown("## 标题\n\n*强调* **加粗** `代码`\n\n```go\nif a < b {}\n```\n\n3. 三\n4. 四\n\n- 甲\n- 乙\n\n---\n"))
	mustContain(t, got,
		"<h2>标题</h2>",
		"<em>强调</em>", "<strong>加粗</strong>", "<code>代码</code>",
		`<pre><code class="language-go">if a &lt; b {}`,
		`<ol start="3">`, "<ul>", "<li>甲</li>", "<hr>",
	)
}

func TestRenderMarkdownEmpty(t *testing.T) {
	if got := RenderMarkdown(""); got != "" {
		t.Errorf("RenderMarkdown(\"\") = %q", got)
	}
}
