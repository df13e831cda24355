package report

import (
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Title is the report's title, e.g. 隆德县城关镇人民政府2023年政府信息公开工作年度报告.
func (r Report) Title() string {
	return fmt.Sprintf("%s%d年政府信息公开工作年度报告", r.Agency.Name, r.Year)
}

// Preamble is the paragraph before part 一 (statutory basis and period).
func (r Report) Preamble() string {
	return fmt.Sprintf("根据《中华人民共和国政府信息公开条例》规定和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求，现发布《%s》，本报告统计数据从%d年1月1日至12月31日。",
		r.Title(), r.Year)
}

type para struct {
	Text string
	Sub  bool // a sub-heading such as （一）主动公开政府信息的情况。
	Todo bool // still holds Placeholder
}

var subHeading = regexp.MustCompile(`^（[一二三四五六七八九十]+）`)

func paragraphs(text string) []para {
	var out []para
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		out = append(out, para{
			Text: line,
			Sub:  subHeading.MatchString(line) && utf8.RuneCountInString(line) <= 40,
			Todo: strings.Contains(line, Placeholder),
		})
	}
	return out
}

type htmlView struct {
	Title, Preamble         string
	Overview, Problems, Oth []para
	T1, T2, T3              ttable
	Failed                  []CheckResult
	Checks                  []CheckResult
}

// WriteHTML writes the report as one print-ready A4 HTML page (no external
// assets): the six parts, the tables laid out as the 30号 form, and the
// failed checks with their cells marked.
func (r Report) WriteHTML(w io.Writer) error {
	m := r.failedMarks()
	v := htmlView{
		Title:    r.Title(),
		Preamble: r.Preamble(),
		Overview: paragraphs(r.Narrative[PartOverview]),
		Problems: paragraphs(r.Narrative[PartProblems]),
		Oth:      paragraphs(r.Narrative[PartOther]),
		T1:       r.table1(m),
		T2:       r.table2(m),
		T3:       r.table3(m),
		Checks:   r.Checks,
	}
	for _, c := range r.Checks {
		if !c.OK {
			v.Failed = append(v.Failed, c)
		}
	}
	return htmlTemplate.Execute(w, v)
}

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
@page { size: A4; margin: 25mm 20mm 22mm 20mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "FangSong", "FangSong_GB2312", "仿宋", "STFangsong", "SimSun", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.6; color: #000; margin: 0 auto; max-width: 170mm; }
h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 22pt; font-weight: normal; text-align: center; line-height: 1.4; margin: 0 0 1em; }
h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 16pt; font-weight: normal; text-indent: 2em; margin: 0.6em 0 0.3em; page-break-after: avoid; break-after: avoid; }
p { text-indent: 2em; margin: 0; text-align: justify; }
p.sub { font-family: "KaiTi", "楷体", "STKaiti", serif; page-break-after: avoid; break-after: avoid; }
p.todo { background: #fff3bf; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; margin: 0.4em 0 0.8em; font-size: 10.5pt; line-height: 1.3; page-break-inside: auto; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
th, td { border: 1px solid #000; padding: 2px 4px; text-align: center; vertical-align: middle; font-weight: normal; }
td.num { font-family: "Times New Roman", serif; white-space: nowrap; }
th.sec { font-weight: bold; text-align: left; }
table.t2 { font-size: 9pt; }
table.t2 th.note { font-size: 8.5pt; text-align: left; }
table.t2 th.l1, table.t2 th.l2, table.t2 th.l3 { text-align: left; }
section#part-3, section#part-4 { break-inside: avoid; page-break-inside: avoid; }
table.t3 { font-size: 9pt; }
.bad { background: #ffd6d6; outline: 2px solid #c00; outline-offset: -2px; }
section.checks { border: 2px solid #c00; padding: 0.3em 0.6em; margin-top: 1em; font-size: 11pt; }
section.checks h2 { text-indent: 0; color: #c00; }
section.checks li { margin: 0.2em 0; }
.screen-only { font-size: 11pt; color: #555; }
@media print { .screen-only { display: none; } }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Preamble}}</p>
{{- if .Failed}}
<section class="checks" id="checks">
<h2>勾稽关系检查未通过（共{{len .Failed}}项，标红的单元格）</h2>
<ul>
{{- range .Failed}}
<li data-rule="{{.Rule}}">{{.Detail}}</li>
{{- end}}
</ul>
</section>
{{- else if .Checks}}
<p class="screen-only" id="checks">勾稽关系检查全部通过（{{range $i, $c := .Checks}}{{if $i}}、{{end}}{{$c.Rule}}{{end}}）。</p>
{{- end}}
<section id="part-1">
<h2>一、总体情况</h2>
{{template "paras" .Overview}}
</section>
<section id="part-2">
<h2>二、主动公开政府信息情况</h2>
{{template "table" .T1}}
</section>
<section id="part-3">
<h2>三、收到和处理政府信息公开申请情况</h2>
{{template "table" .T2}}
</section>
<section id="part-4">
<h2>四、政府信息公开行政复议、行政诉讼情况</h2>
{{template "table" .T3}}
</section>
<section id="part-5">
<h2>五、存在的主要问题及改进情况</h2>
{{template "paras" .Problems}}
</section>
<section id="part-6">
<h2>六、其他需要报告的事项</h2>
{{template "paras" .Oth}}
</section>
</body>
</html>
{{define "paras"}}{{range .}}<p{{if or .Sub .Todo}} class="{{if .Sub}}sub{{end}}{{if and .Sub .Todo}} {{end}}{{if .Todo}}todo{{end}}"{{end}}>{{.Text}}</p>
{{end}}{{end}}
{{- define "attrs"}}{{if gt .Rowspan 1}} rowspan="{{.Rowspan}}"{{end}}{{if gt .Colspan 1}} colspan="{{.Colspan}}"{{end}}{{if .Class}} class="{{.Class}}"{{end}}{{if .Title}} title="{{.Title}}"{{end}}{{end}}
{{- define "row"}}<tr{{if .Key}} data-row="{{.Key}}"{{end}}{{if .Level}} data-level="{{.Level}}"{{end}}>{{range .Cells}}{{if .Head}}<th{{template "attrs" .}}>{{.Text}}</th>{{else}}<td{{template "attrs" .}}>{{.Text}}</td>{{end}}{{end}}</tr>
{{end}}
{{- define "table"}}<table id="{{.ID}}" class="{{.Class}}">
<colgroup>{{range .Percent}}<col style="width: {{.}}">{{end}}</colgroup>
{{- $head := false}}{{range .Rows}}{{if .Head}}{{$head = true}}{{end}}{{end}}
{{- if $head}}
<thead>
{{range .Rows}}{{if .Head}}{{template "row" .}}{{end}}{{end -}}
</thead>
{{- end}}
<tbody>
{{range .Rows}}{{if not .Head}}{{template "row" .}}{{end}}{{end -}}
</tbody>
</table>{{end}}
`))
