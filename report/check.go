package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Check rules, in the order Check returns them.
const (
	RuleA  = "R-A" // per column: 一 + 二 = 三(七) + 四 (30号's note)
	RuleB  = "R-B" // per row: 总计 = sum of the six applicant columns
	RuleC  = "R-C" // per column: 三(七) = sum of the outcome rows 三(一)…三(六)
	RuleD  = "R-D" // per column: 二 of year Y = 四 of year Y−1
	RuleE  = "R-E" // every number a non-negative integer; every outcome in exactly one row
	RuleT3 = "T3"  // table 3: each 总计 = 维持 + 纠正 + 其他 + 尚未审结
)

// Rules lists the rules in the order of Check's results.
var Rules = []string{RuleA, RuleB, RuleC, RuleD, RuleE, RuleT3}

// CheckResult is the outcome of one rule. Detail is in Chinese and, for a
// failed rule, names every failing cell with its numbers.
type CheckResult struct {
	Rule   string `json:"rule"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Cells are the cells a failed rule concerns (for highlighting); not
	// part of the JSON.
	Cells []Cell `json:"-"`
}

// Cell names one cell of the tables. Table 1: Row is regulations,
// normative_documents, licensing, penalty, enforcement or fees_wan_yuan and
// Col is issued, repealed, in_force or "". Table 2: Row is a Rows key, Col a
// Columns key. Table 3: Row is an AppealKinds key, Col is upheld,
// corrected, other, pending or total.
type Cell struct {
	Table int
	Row   string
	Col   string
}

// Check runs every rule on a report, which may have been edited by hand
// and be inconsistent. previousCarriedForward is row 四 of year−1's
// finalised report; without it R-D is skipped (ok, with a detail saying so).
func Check(r Report, previousCarriedForward *[7]int) []CheckResult {
	return check(r, previousCarriedForward, nil)
}

// problem is one R-E finding Build makes on the input that the report
// itself cannot show (an outcome code with no row, a negative fee count).
type problem struct {
	text string
	cell *Cell
}

func check(r Report, prev *[7]int, extra []problem) []CheckResult {
	return []CheckResult{
		checkA(r), checkB(r), checkC(r), checkD(r, prev), checkE(r, extra), checkT3(r),
	}
}

func result(rule, okDetail string, items []string, cells []Cell) CheckResult {
	if len(items) == 0 {
		return CheckResult{Rule: rule, OK: true, Detail: okDetail}
	}
	return CheckResult{Rule: rule, Detail: rule + " " + strings.Join(items, "；"), Cells: cells}
}

func checkA(r Report) CheckResult {
	a := r.Applications
	var items []string
	var cells []Cell
	in, carried, done, fwd := a.Row(RowReceived), a.Row(RowCarriedIn), a.Row(RowConcludedTotal), a.Row(RowCarriedForward)
	for c := range Columns {
		if in[c]+carried[c] == done[c]+fwd[c] {
			continue
		}
		items = append(items, fmt.Sprintf("%s列：一(%d)+二(%d)=%d，三(七)(%d)+四(%d)=%d",
			ColumnNames[c], in[c], carried[c], in[c]+carried[c], done[c], fwd[c], done[c]+fwd[c]))
		for _, row := range []string{RowReceived, RowCarriedIn, RowConcludedTotal, RowCarriedForward} {
			cells = append(cells, Cell{2, row, Columns[c]})
		}
	}
	return result(RuleA, "各列均满足：一+二=三(七)+四", items, cells)
}

func checkB(r Report) CheckResult {
	var items []string
	var cells []Cell
	for _, row := range Rows {
		v := r.Applications.Row(row.Key)
		sum := 0
		parts := make([]string, 6)
		for c := 0; c < 6; c++ {
			sum += v[c]
			parts[c] = strconv.Itoa(v[c])
		}
		if sum == v[6] {
			continue
		}
		items = append(items, fmt.Sprintf("%s行：自然人至其他六列之和%s=%d，总计(%d)",
			row.Ref, strings.Join(parts, "+"), sum, v[6]))
		for _, col := range Columns {
			cells = append(cells, Cell{2, row.Key, col})
		}
	}
	return result(RuleB, "各行总计等于自然人至其他六列之和", items, cells)
}

func checkC(r Report) CheckResult {
	var items []string
	var cells []Cell
	total := r.Applications.Row(RowConcludedTotal)
	for c := range Columns {
		sum := 0
		var terms []string
		var termCells []Cell
		for _, code := range Outcomes {
			v := r.Applications.Row(code)[c]
			sum += v
			if v != 0 {
				row, _ := RowByKey(code)
				terms = append(terms, fmt.Sprintf("%s(%d)", row.Ref, v))
				termCells = append(termCells, Cell{2, code, Columns[c]})
			}
		}
		if sum == total[c] {
			continue
		}
		expr := "0"
		if len(terms) > 0 {
			expr = strings.Join(terms, "+")
		}
		items = append(items, fmt.Sprintf("%s列：三(一)至三(六)各行之和%s=%d，三(七)(%d)", ColumnNames[c], expr, sum, total[c]))
		cells = append(cells, Cell{2, RowConcludedTotal, Columns[c]})
		cells = append(cells, termCells...)
	}
	return result(RuleC, "各列三(七)总计等于三(一)至三(六)各行之和", items, cells)
}

func checkD(r Report, prev *[7]int) CheckResult {
	if prev == nil {
		return CheckResult{Rule: RuleD, OK: true, Detail: "skipped：没有上一年度定稿报告的“四、结转下年度继续办理”，未核对"}
	}
	var items []string
	var cells []Cell
	carried := r.Applications.Row(RowCarriedIn)
	for c := range Columns {
		if carried[c] == prev[c] {
			continue
		}
		items = append(items, fmt.Sprintf("%s列：本年二(%d)，%d年四(%d)", ColumnNames[c], carried[c], r.Year-1, prev[c]))
		cells = append(cells, Cell{2, RowCarriedIn, Columns[c]})
	}
	return result(RuleD, fmt.Sprintf("各列本年二等于%d年报告的四", r.Year-1), items, cells)
}

var docCols = []struct{ key, name string }{{"issued", "本年制发件数"}, {"repealed", "本年废止件数"}, {"in_force", "现行有效件数"}}

func (d DocCounts) values() []int { return []int{d.Issued, d.Repealed, d.InForce} }

var appealCols = []struct{ key, name string }{
	{"upheld", "结果维持"}, {"corrected", "结果纠正"}, {"other", "其他结果"}, {"pending", "尚未审结"}, {"total", "总计"},
}

func (a AppealRow) values() []int { return []int{a.Upheld, a.Corrected, a.Other, a.Pending, a.Total} }

// AppealNames are table 3's block names, in AppealKinds' order.
var AppealNames = []string{"行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"}

func checkE(r Report, extra []problem) CheckResult {
	var items []string
	var cells []Cell
	neg := func(v int, where string, cell Cell) {
		if v < 0 {
			items = append(items, fmt.Sprintf("%s为负数(%d)", where, v))
			cells = append(cells, cell)
		}
	}
	// Table 1.
	p := r.Proactive
	for _, d := range []struct {
		key, name string
		c         DocCounts
	}{{"regulations", "规章", p.Regulations}, {"normative_documents", "行政规范性文件", p.NormativeDocuments}} {
		for i, v := range d.c.values() {
			neg(v, "表一"+d.name+docCols[i].name, Cell{1, d.key, docCols[i].key})
		}
	}
	neg(p.Licensing, "表一行政许可", Cell{1, "licensing", ""})
	neg(p.Penalty, "表一行政处罚", Cell{1, "penalty", ""})
	neg(p.Enforcement, "表一行政强制", Cell{1, "enforcement", ""})
	if _, _, ok := splitFee(p.FeesWanYuan); !ok {
		items = append(items, fmt.Sprintf("表一行政事业性收费“%s”不是非负的金额（万元，至多两位小数）", p.FeesWanYuan))
		cells = append(cells, Cell{1, "fees_wan_yuan", ""})
	}
	// Table 2.
	a := r.Applications
	if strings.Join(a.Columns, ",") != strings.Join(Columns, ",") {
		items = append(items, fmt.Sprintf("表二的列应为%s，实为%s", strings.Join(Columns, ","), strings.Join(a.Columns, ",")))
	}
	for _, row := range Rows {
		v, ok := a.Rows[row.Key]
		if !ok {
			items = append(items, fmt.Sprintf("表二缺少%s行（%s）", row.Ref, row.Key))
			continue
		}
		for c := range Columns {
			neg(v[c], fmt.Sprintf("表二%s行%s列", row.Ref, ColumnNames[c]), Cell{2, row.Key, Columns[c]})
		}
	}
	var unknown []string
	for k := range a.Rows {
		if _, ok := RowByKey(k); !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		items = append(items, fmt.Sprintf("表二有未知的行%s%v，未计入任何办理结果", k, a.Rows[k]))
	}
	// Table 3.
	for i, k := range AppealKinds {
		for j, v := range r.Appeals.Get(k).values() {
			neg(v, "表三"+AppealNames[i]+appealCols[j].name, Cell{3, k, appealCols[j].key})
		}
	}
	for _, e := range extra {
		items = append(items, e.text)
		if e.cell != nil {
			cells = append(cells, *e.cell)
		}
	}
	return result(RuleE, "各项数值均为非负整数，每件办结的申请只计入表二的一行", items, cells)
}

func checkT3(r Report) CheckResult {
	var items []string
	var cells []Cell
	for i, k := range AppealKinds {
		a := r.Appeals.Get(k)
		sum := a.Upheld + a.Corrected + a.Other + a.Pending
		if sum == a.Total {
			continue
		}
		items = append(items, fmt.Sprintf("%s：结果维持(%d)+结果纠正(%d)+其他结果(%d)+尚未审结(%d)=%d，总计(%d)",
			AppealNames[i], a.Upheld, a.Corrected, a.Other, a.Pending, sum, a.Total))
		for _, c := range appealCols {
			cells = append(cells, Cell{3, k, c.key})
		}
	}
	return result(RuleT3, "表三各项总计等于结果维持、结果纠正、其他结果、尚未审结之和", items, cells)
}

// inputProblems finds what Build cannot place in the report: outcome codes
// and appeal kinds without a row, negative counts outside the tables.
func inputProblems(in Input) []problem {
	var out []problem
	var codes []string
	for code := range in.Concluded {
		if _, ok := RowByKey(code); !ok || !isOutcome(code) {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		v := in.Concluded[code]
		if v != [6]int{} {
			out = append(out, problem{text: fmt.Sprintf("办理结果代码%s%v不是表二的行，这些申请未计入三(七)", code, v)})
		}
	}
	var kinds []string
	for k := range in.Appeals {
		if k != AppealReview && k != AppealLitigationDirect && k != AppealLitigationAfterReview {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if in.Appeals[k] != (AppealCounts{}) {
			out = append(out, problem{text: fmt.Sprintf("复议诉讼类别%s不是表三的项，未计入", k)})
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"收费通知件数", in.FeeNotices}, {"收费通知金额", in.FeeNoticeAmount}, {"实际收取信息处理费", in.FeesCollected}} {
		if f.v < 0 {
			out = append(out, problem{text: fmt.Sprintf("六(二)%s为负数(%d)", f.name, f.v)})
		}
	}
	for _, c := range in.PublishedByColumn {
		if c.Count < 0 {
			out = append(out, problem{text: fmt.Sprintf("一(一)%s栏目发布条数为负数(%d)", c.Column, c.Count)})
		}
	}
	return out
}
