package content

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is put on every link. nofollow: published notices must not lend
// the government site's standing to whatever an editor links to; noopener:
// the target page gets no handle on the catalogue's window.
const linkRel = "nofollow noopener"

// Both values are safe for concurrent use once built, so they are built once.
var (
	markdown = goldmark.New(
		goldmark.WithExtensions(
			// Alignment as an attribute, because the sanitiser drops every
			// style attribute.
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			// Chinese paragraphs are hard-wrapped by editors; without this a
			// line break between two Chinese characters shows as a space.
			extension.NewCJK(extension.WithEastAsianLineBreaks()),
		),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(linkRelTransformer{}, 999)),
		),
		// html.WithUnsafe is deliberately not set: goldmark then replaces raw
		// HTML with a comment (which the sanitiser removes) and blanks
		// javascript:/vbscript:/file:/data: link targets.
	)
	policy = newPolicy()
)

// RenderMarkdown renders an item body (CommonMark plus GFM tables) and
// sanitises the result, so the returned HTML may be put into a page as is.
// Raw HTML in the source is dropped, never passed through.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// Convert only fails when writing fails, which a bytes.Buffer does
		// not; should it ever happen, show the text rather than nothing.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// linkRelTransformer adds linkRel to every link in the document. bluemonday
// can add rel="nofollow" itself but adds "noopener" only to links it also
// opens in a new window, which notices should not do.
type linkRelTransformer struct{}

func (linkRelTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch n.(type) {
			case *ast.Link, *ast.AutoLink:
				n.SetAttributeString("rel", []byte(linkRel))
			}
		}
		return ast.WalkContinue, nil
	})
}

var (
	// sameSiteURL matches a URL reference with neither a scheme nor a host:
	// "/files/a.png", "img/a.png", "./a.png". "//host/a.png" and anything
	// with a backslash (which browsers read as a slash) are refused, and a
	// colon in the first path segment would be a scheme, so it is refused too.
	sameSiteURL = regexp.MustCompile(`^(?:/(?:[^/\\][^\\]*)?|[^/\\:?#]+(?:[/?#][^\\]*)?)$`)
	alignment   = regexp.MustCompile(`^(?:left|center|right)$`)
	codeLang    = regexp.MustCompile(`^language-[A-Za-z0-9_+-]+$`)
	olStart     = regexp.MustCompile(`^[0-9]{1,9}$`)
	relValue    = regexp.MustCompile(`^` + linkRel + `$`)
)

// newPolicy is the allow-list for item bodies. Everything not named here is
// removed: scripts, iframes, forms, event handlers, style and class (but
// for code languages) and id attributes (ids could clobber page scripts'
// globals).
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	p.AllowElements(
		"p", "br", "hr",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li",
		"table", "thead", "tbody", "tr", "th", "td",
		"em", "strong", "code", "pre", "blockquote",
	)
	p.AllowAttrs("start").Matching(olStart).OnElements("ol")
	p.AllowAttrs("align").Matching(alignment).OnElements("th", "td")
	p.AllowAttrs("class").Matching(codeLang).OnElements("code")

	// Links: http, https, mailto and relative only. bluemonday checks the
	// scheme of every URL attribute against this one list.
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a", "img")
	p.AllowAttrs("rel").Matching(relValue).OnElements("a")
	// Backstop should a link ever reach the sanitiser without linkRel.
	p.RequireNoFollowOnLinks(true)

	// Images: same-site only. Offices run on isolated networks, so an
	// external image would be broken at best and a tracking beacon at worst;
	// data: URIs are refused by the scheme list above. An <img> whose src is
	// refused keeps only its alt text, which shows nothing harmful.
	p.AllowAttrs("src").Matching(sameSiteURL).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")

	return p
}
