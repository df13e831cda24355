package report

import (
	"bytes"
	"encoding/json"
	stdhtml "html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// --- HTML ---

// inOrder reports the first of want that does not follow its predecessor
// in s.
func inOrder(s string, want []string) (missing string, ok bool) {
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], w)
		if i < 0 {
			return w, false
		}
		at += i + len(w)
	}
	return "", true
}

func TestHTMLTable2LabelsAndHierarchy(t *testing.T) {
	r := Build(fixtureEveryOutcome())
	out := mustHTML(t, r)
	text := stdhtml.UnescapeString(out)

	// Every row label, in the form's order, with the section and group
	// labels where the hierarchy opens them.
	var want []string
	group := ""
	for _, row := range Rows {
		if row.Key == "disclosed" {
			want = append(want, ">"+ConcludedSection+"<")
		}
		if row.Group != "" && row.Group != group {
			want = append(want, ">"+row.Group+"<")
		}
		group = row.Group
		want = append(want, ">"+row.Label+"<")
	}
	if len(want) != 25+1+4 {
		t.Fatalf("%d labels", len(want))
	}
	if m, ok := inOrder(text, want); !ok {
		t.Errorf("table 2 label %q missing or out of order", m)
	}
	// The hierarchy: 一/二/四 span the three label columns; 三 spans its 22
	// rows; (一)(二)(七) span two columns; each (三)…(六) spans its items.
	for _, s := range []string{
		`<th colspan="3" class="l1">一、本年新收政府信息公开申请数量</th>`,
		`<th colspan="3" class="l1">二、上年结转政府信息公开申请数量</th>`,
		`<th rowspan="22" class="l1">三、本年度办理结果</th><th colspan="2" class="l2">（一）予以公开</th>`,
		`<th colspan="2" class="l2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</th>`,
		`<th rowspan="8" class="l2">（三）不予公开</th><th class="l3">1.属于国家秘密</th>`,
		`<th class="l3">2.其他法律行政法规禁止公开</th>`,
		`<th class="l3">3.危及“三安全一稳定”</th>`,
		`<th rowspan="3" class="l2">（四）无法提供</th><th class="l3">1.本机关不掌握相关政府信息</th>`,
		`<th rowspan="5" class="l2">（五）不予处理</th><th class="l3">1.信访举报投诉类申请</th>`,
		`<th rowspan="3" class="l2">（六）其他处理</th><th class="l3">1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请</th>`,
		`<th class="l3">3.其他</th>`,
		`<th colspan="2" class="l2">（七）总计</th>`,
		`<th colspan="3" class="l1">四、结转下年度继续办理</th>`,
		// The header, as the form.
		`<th rowspan="3" colspan="3" class="note">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th><th colspan="7">申请人情况</th>`,
		`<th rowspan="2">自然人</th><th colspan="5">法人或其他组织</th><th rowspan="2">总计</th>`,
		`<th>商业企业</th><th>科研机构</th><th>社会公益组织</th><th>法律服务机构</th><th>其他</th>`,
	} {
		if !strings.Contains(text, s) {
			t.Errorf("HTML lacks %s", s)
		}
	}
	if strings.Contains(text, "其他法律法规禁止公开") {
		t.Error("HTML has the example report's typo 其他法律法规禁止公开")
	}
	levels := map[string]int{}
	for _, m := range regexp.MustCompile(`data-level="(\d)"`).FindAllStringSubmatch(out, -1) {
		levels[m[1]]++
	}
	if levels["1"] != 3 || levels["2"] != 3 || levels["3"] != 19 {
		t.Errorf("rows per level %v", levels)
	}
	// Each row has its 7 numbers, equal to the JSON.
	for _, row := range Rows {
		m := regexp.MustCompile(`<tr data-row="` + row.Key + `" data-level="\d">(.*?)</tr>`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no row %s", row.Key)
			continue
		}
		var nums []string
		for _, c := range regexp.MustCompile(`<td class="num">(-?\d+)</td>`).FindAllStringSubmatch(m[1], -1) {
			nums = append(nums, c[1])
		}
		v := r.Applications.Row(row.Key)
		var want []string
		for _, n := range v {
			want = append(want, strconv.Itoa(n))
		}
		if strings.Join(nums, ",") != strings.Join(want, ",") {
			t.Errorf("row %s: %v, want %v", row.Key, nums, want)
		}
	}
}

func TestHTMLDocument(t *testing.T) {
	r := Build(fixtureEveryOutcome())
	r.Narrative[PartProblems] = "问题<script>alert(1)</script>\n（一）小标题。"
	out := mustHTML(t, r)
	text := stdhtml.UnescapeString(out)
	if m, ok := inOrder(text, []string{
		"<h1>隆德县山河镇人民政府2025年政府信息公开工作年度报告</h1>",
		"（国办公开办函〔2021〕30号）要求，现发布《隆德县山河镇人民政府2025年政府信息公开工作年度报告》，本报告统计数据从2025年1月1日至12月31日。",
		"<h2>一、总体情况</h2>", "（一）主动公开政府信息的情况。", "2025年，我镇在政府信息公开专栏主动公开信息共计23条。",
		"<h2>二、主动公开政府信息情况</h2>", `<table id="table-1"`,
		"<h2>三、收到和处理政府信息公开申请情况</h2>", `<table id="table-2"`,
		"<h2>四、政府信息公开行政复议、行政诉讼情况</h2>", `<table id="table-3"`,
		"<h2>五、存在的主要问题及改进情况</h2>",
		"<h2>六、其他需要报告的事项</h2>", "（二）收取信息处理费情况。", "国办函〔2020〕109号",
	}); !ok {
		t.Errorf("document part %q missing or out of order", m)
	}
	// Table 1 as the form.
	if m, ok := inOrder(text, []string{
		`<th colspan="4" class="sec">第二十条第（一）项</th>`,
		"<th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th>",
		`<th>规章</th><td class="num">0</td><td class="num">0</td><td class="num">0</td>`,
		`<th>行政规范性文件</th><td class="num">2</td><td class="num">1</td><td class="num">7</td>`,
		`<th colspan="4" class="sec">第二十条第（五）项</th>`, `<th colspan="3">本年处理决定数量</th>`,
		`<th>行政许可</th><td colspan="3" class="num">13</td>`,
		`<th colspan="4" class="sec">第二十条第（六）项</th>`,
		`<th>行政处罚</th><td colspan="3" class="num">4</td>`, `<th>行政强制</th><td colspan="3" class="num">1</td>`,
		`<th colspan="4" class="sec">第二十条第（八）项</th>`, `<th colspan="3">本年收费金额（单位：万元）</th>`,
		`<th>行政事业性收费</th><td colspan="3" class="num">12.30</td>`,
	}); !ok {
		t.Errorf("table 1 %q missing or out of order", m)
	}
	// Table 3 as the form.
	if m, ok := inOrder(text, []string{
		`<th colspan="5">行政复议</th><th colspan="10">行政诉讼</th>`,
		`<th rowspan="2">结果维持</th><th rowspan="2">结果纠正</th><th rowspan="2">其他结果</th><th rowspan="2">尚未审结</th><th rowspan="2">总计</th><th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th>`,
		"<th>结果维持</th><th>结果纠正</th><th>其他结果</th><th>尚未审结</th><th>总计</th><th>结果维持</th>",
	}); !ok {
		t.Errorf("table 3 %q missing or out of order", m)
	}
	// Print-ready, self-contained, escaped.
	for _, s := range []string{"@page { size: A4;", `<p class="sub">（一）小标题。</p>`, `<p class="todo">`, "勾稽关系检查全部通过"} {
		if !strings.Contains(out, s) {
			t.Errorf("HTML lacks %s", s)
		}
	}
	for _, s := range []string{"http://", "https://", "<link", "<img", "src=", "url(", "<script>", `class="checks"`} {
		if strings.Contains(out, s) {
			t.Errorf("HTML has %s", s)
		}
	}
	if !strings.Contains(out, "问题&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("narrative not escaped")
	}
}

// --- XLSX ---

func openXLSX(t *testing.T, r Report) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func cellAt(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func assertText(t *testing.T, f *excelize.File, sheet, cell, want string) {
	t.Helper()
	got, err := f.GetCellValue(sheet, cell)
	if err != nil || got != want {
		t.Errorf("%s!%s = %q (%v), want %q", sheet, cell, got, err, want)
	}
}

// assertNumber checks that a cell holds a number (not text) equal to want.
func assertNumber(t *testing.T, f *excelize.File, sheet, cell string, want float64) {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
		t.Errorf("%s!%s has type %v (%v), want a number", sheet, cell, typ, err)
	}
	raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	got, perr := strconv.ParseFloat(raw, 64)
	if err != nil || perr != nil || got != want {
		t.Errorf("%s!%s = %q, want %v", sheet, cell, raw, want)
	}
}

func assertMerged(t *testing.T, f *excelize.File, sheet, from, to string) {
	t.Helper()
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range merged {
		if m.GetStartAxis() == from && m.GetEndAxis() == to {
			return
		}
	}
	t.Errorf("%s: %s:%s not merged", sheet, from, to)
}

func TestXLSXReadBack(t *testing.T) {
	r := Build(fixtureEveryOutcome())
	f := openXLSX(t, r)
	if got := strings.Join(f.GetSheetList(), "|"); got != "表一 主动公开|表二 申请办理|表三 复议诉讼|说明与检查" {
		t.Fatalf("sheets %s", got)
	}
	// The numbers are compared with the JSON, as the API serves it.
	var js struct {
		Proactive struct {
			Regulations        map[string]float64 `json:"regulations"`
			NormativeDocuments map[string]float64 `json:"normative_documents"`
			Licensing          float64            `json:"licensing"`
			Penalty            float64            `json:"penalty"`
			Enforcement        float64            `json:"enforcement"`
			FeesWanYuan        string             `json:"fees_wan_yuan"`
		}
		Applications struct {
			Rows map[string][]float64
		}
		Appeals map[string]map[string]float64
	}
	if err := json.Unmarshal(mustJSON(t, r), &js); err != nil {
		t.Fatal(err)
	}

	// Table 1.
	s := SheetTable1
	assertText(t, f, s, "A1", "二、主动公开政府信息情况")
	for cell, want := range map[string]string{
		"A2": "第二十条第（一）项", "A3": "信息内容", "B3": "本年制发件数", "C3": "本年废止件数", "D3": "现行有效件数",
		"A4": "规章", "A5": "行政规范性文件", "A6": "第二十条第（五）项", "A7": "信息内容", "B7": "本年处理决定数量",
		"A8": "行政许可", "A9": "第二十条第（六）项", "B10": "本年处理决定数量", "A11": "行政处罚", "A12": "行政强制",
		"A13": "第二十条第（八）项", "B14": "本年收费金额（单位：万元）", "A15": "行政事业性收费",
	} {
		assertText(t, f, s, cell, want)
	}
	for i, k := range []string{"issued", "repealed", "in_force"} {
		assertNumber(t, f, s, cellAt(2+i, 4), js.Proactive.Regulations[k])
		assertNumber(t, f, s, cellAt(2+i, 5), js.Proactive.NormativeDocuments[k])
	}
	assertNumber(t, f, s, "B8", js.Proactive.Licensing)
	assertNumber(t, f, s, "B11", js.Proactive.Penalty)
	assertNumber(t, f, s, "B12", js.Proactive.Enforcement)
	fee, _ := strconv.ParseFloat(js.Proactive.FeesWanYuan, 64)
	assertNumber(t, f, s, "B15", fee)
	assertText(t, f, s, "B15", js.Proactive.FeesWanYuan) // shown with two decimals: 12.30
	assertMerged(t, f, s, "A2", "D2")
	assertMerged(t, f, s, "B15", "D15")

	// Table 2: header, then the 25 rows with their labels in the
	// hierarchy's column and 7 numbers in D…J.
	s = SheetTable2
	assertText(t, f, s, "A2", TableNote)
	assertMerged(t, f, s, "A2", "C4")
	assertText(t, f, s, "D2", "申请人情况")
	assertMerged(t, f, s, "D2", "J2")
	assertText(t, f, s, "D3", "自然人")
	assertMerged(t, f, s, "D3", "D4")
	assertText(t, f, s, "E3", "法人或其他组织")
	assertMerged(t, f, s, "E3", "I3")
	assertText(t, f, s, "J3", "总计")
	for i, name := range ColumnNames[1:6] {
		assertText(t, f, s, cellAt(5+i, 4), name)
	}
	first := 5
	group, groupStart := "", 0
	for i, row := range Rows {
		line := first + i
		switch row.Level {
		case 1:
			assertText(t, f, s, cellAt(1, line), row.Label)
			assertMerged(t, f, s, cellAt(1, line), cellAt(3, line))
		case 2:
			assertText(t, f, s, cellAt(2, line), row.Label)
			assertMerged(t, f, s, cellAt(2, line), cellAt(3, line))
		case 3:
			assertText(t, f, s, cellAt(3, line), row.Label)
		}
		if row.Key == "disclosed" {
			assertText(t, f, s, cellAt(1, line), ConcludedSection)
			assertMerged(t, f, s, cellAt(1, line), cellAt(1, line+21))
		}
		if row.Group != group {
			if group != "" {
				assertMerged(t, f, s, cellAt(2, groupStart), cellAt(2, line-1))
			}
			if row.Group != "" {
				assertText(t, f, s, cellAt(2, line), row.Group)
			}
			group, groupStart = row.Group, line
		}
		want := js.Applications.Rows[row.Key]
		if len(want) != 7 {
			t.Fatalf("JSON row %s: %v", row.Key, want)
		}
		for c := 0; c < 7; c++ {
			assertNumber(t, f, s, cellAt(4+c, line), want[c])
		}
	}
	assertText(t, f, s, "C10", "2.其他法律行政法规禁止公开")

	// Table 3.
	s = SheetTable3
	for cell, want := range map[string]string{
		"A2": "行政复议", "F2": "行政诉讼", "A3": "结果维持", "E3": "总计", "F3": "未经复议直接起诉", "K3": "复议后起诉",
		"F4": "结果维持", "J4": "总计", "K4": "结果维持", "O4": "总计",
	} {
		assertText(t, f, s, cell, want)
	}
	assertMerged(t, f, s, "A2", "E2")
	assertMerged(t, f, s, "F2", "O2")
	assertMerged(t, f, s, "A3", "A4")
	for i, k := range AppealKinds {
		for j, field := range []string{"upheld", "corrected", "other", "pending", "total"} {
			assertNumber(t, f, s, cellAt(1+5*i+j, 5), js.Appeals[k][field])
		}
	}

	// 说明与检查.
	s = SheetNotes
	assertText(t, f, s, "A1", r.Title())
	assertText(t, f, s, "B5", "2025")
	rows, err := f.GetRows(s)
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	for _, row := range rows {
		if len(row) == 3 && row[1] == "通过" {
			checks++
		}
	}
	if checks != len(Rules) {
		t.Errorf("%d passed checks on %s: %v", checks, s, rows)
	}
}

func TestXLSXMarksFailedCells(t *testing.T) {
	r := Build(fixtureEveryOutcome())
	v := r.Applications.Rows[RowReceived]
	v[0]++
	v[6]++
	r.Applications.Rows[RowReceived] = v
	r.Checks = Check(r, nil)
	f := openXLSX(t, r)
	styleFill := func(cell string) []string {
		id, err := f.GetCellStyle(SheetTable2, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Fill.Color
	}
	if c := styleFill("D5"); len(c) == 0 || c[0] != "FFD6D6" { // 一, 自然人
		t.Errorf("failing cell D5 fill %v", c)
	}
	if c := styleFill("E5"); len(c) != 0 { // 一, 商业企业: fine
		t.Errorf("passing cell E5 fill %v", c)
	}
	rows, _ := f.GetRows(SheetNotes)
	found := false
	for _, row := range rows {
		if len(row) == 3 && row[0] == RuleA && row[1] == "未通过" && strings.HasPrefix(row[2], "R-A 自然人列：一(") {
			found = true
		}
	}
	if !found {
		t.Errorf("R-A failure not on %s: %v", SheetNotes, rows)
	}
}

func TestXLSXUnreadableFeeIsText(t *testing.T) {
	r := Build(Demo2023())
	r.Proactive.FeesWanYuan = "约3万"
	r.Checks = Check(r, nil)
	f := openXLSX(t, r)
	assertText(t, f, SheetTable1, "B15", "约3万")
}
