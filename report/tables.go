package report

import (
	"sort"
	"strconv"
	"strings"
)

// The three tables are laid out once, as rows of cells with row and column
// spans like the 30号 form, and rendered from that layout both to HTML and
// to XLSX.

type tcell struct {
	Text    string
	Head    bool // a label (<th>), not a datum
	Rowspan int
	Colspan int
	Class   string
	Title   string
	// Num: the cell is a number, Value with Decimals decimals (XLSX stores
	// it as a number).
	Num      bool
	Value    float64
	Decimals int
}

type trow struct {
	Key   string // data-row
	Level int    // data-level (table 2)
	Head  bool   // part of <thead>
	Cells []tcell
}

type ttable struct {
	ID    string
	Class string
	Cols  int
	// Widths are the columns' relative widths (HTML percentages, XLSX
	// column widths in characters).
	Widths []float64
	Rows   []trow
}

// marks maps each cell to the failed rules that concern it.
type marks map[Cell][]string

// failedMarks collects the cells of the report's failed checks. A failed
// check without cells (e.g. after a JSON round trip, which drops them) is
// re-run on the report; R-D, which needs the previous year, then marks
// the whole row 二.
func (r Report) failedMarks() marks {
	m := marks{}
	var fresh []CheckResult
	for _, c := range r.Checks {
		if c.OK {
			continue
		}
		cells := c.Cells
		if len(cells) == 0 {
			if c.Rule == RuleD {
				for _, col := range Columns {
					cells = append(cells, Cell{2, RowCarriedIn, col})
				}
			} else {
				if fresh == nil {
					fresh = Check(r, nil)
				}
				for _, f := range fresh {
					if f.Rule == c.Rule {
						cells = f.Cells
					}
				}
			}
		}
		for _, cell := range cells {
			if !contains(m[cell], c.Rule) {
				m[cell] = append(m[cell], c.Rule)
			}
		}
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m marks) num(cell Cell, v int, colspan int) tcell {
	c := tcell{Text: strconv.Itoa(v), Num: true, Value: float64(v), Class: "num", Colspan: colspan}
	if rules := m[cell]; len(rules) > 0 {
		sort.Strings(rules)
		c.Class = "num bad"
		c.Title = "未通过：" + strings.Join(rules, "、")
	}
	return c
}

func head(text string, rowspan, colspan int) tcell {
	return tcell{Text: text, Head: true, Rowspan: rowspan, Colspan: colspan}
}

func (r Report) table1(m marks) ttable {
	p := r.Proactive
	sec := func(text string) trow {
		return trow{Cells: []tcell{{Text: text, Head: true, Colspan: 4, Class: "sec"}}}
	}
	docRow := func(key, label string, d DocCounts) trow {
		row := trow{Key: key, Cells: []tcell{head(label, 1, 1)}}
		for i, v := range d.values() {
			row.Cells = append(row.Cells, m.num(Cell{1, key, docCols[i].key}, v, 1))
		}
		return row
	}
	single := func(key, label string, v int) trow {
		return trow{Key: key, Cells: []tcell{head(label, 1, 1), m.num(Cell{1, key, ""}, v, 3)}}
	}
	decisions := trow{Cells: []tcell{head("信息内容", 1, 1), head("本年处理决定数量", 1, 3)}}
	fee := tcell{Text: p.FeesWanYuan, Class: "num", Colspan: 3}
	if i, f, ok := splitFee(p.FeesWanYuan); ok {
		v, _ := strconv.ParseFloat(i+"."+f+"0", 64)
		fee.Num, fee.Value, fee.Decimals = true, v, 2
	}
	if rules := m[Cell{1, "fees_wan_yuan", ""}]; len(rules) > 0 {
		fee.Class, fee.Title = "num bad", "未通过："+strings.Join(rules, "、")
	}
	return ttable{ID: "table-1", Class: "t1", Cols: 4, Widths: []float64{22, 16, 16, 16}, Rows: []trow{
		sec("第二十条第（一）项"),
		{Cells: []tcell{head("信息内容", 1, 1), head("本年制发件数", 1, 1), head("本年废止件数", 1, 1), head("现行有效件数", 1, 1)}},
		docRow("regulations", "规章", p.Regulations),
		docRow("normative_documents", "行政规范性文件", p.NormativeDocuments),
		sec("第二十条第（五）项"),
		decisions,
		single("licensing", "行政许可", p.Licensing),
		sec("第二十条第（六）项"),
		decisions,
		single("penalty", "行政处罚", p.Penalty),
		single("enforcement", "行政强制", p.Enforcement),
		sec("第二十条第（八）项"),
		{Cells: []tcell{head("信息内容", 1, 1), head("本年收费金额（单位：万元）", 1, 3)}},
		{Key: "fees_wan_yuan", Cells: []tcell{head("行政事业性收费", 1, 1), fee}},
	}}
}

func (r Report) table2(m marks) ttable {
	t := ttable{ID: "table-2", Class: "t2", Cols: 10, Widths: []float64{9, 11, 31, 7, 7, 7, 7, 7, 7, 7}, Rows: []trow{
		{Head: true, Cells: []tcell{{Text: TableNote, Head: true, Rowspan: 3, Colspan: 3, Class: "note"}, head("申请人情况", 1, 7)}},
		{Head: true, Cells: []tcell{head(ColumnNames[0], 2, 1), head("法人或其他组织", 1, 5), head(ColumnNames[6], 2, 1)}},
		{Head: true, Cells: []tcell{head(ColumnNames[1], 1, 1), head(ColumnNames[2], 1, 1), head(ColumnNames[3], 1, 1), head(ColumnNames[4], 1, 1), head(ColumnNames[5], 1, 1)}},
	}}
	sectionRows, groupRows := 0, map[string]int{}
	for _, row := range Rows {
		if row.Level >= 2 {
			sectionRows++
		}
		if row.Group != "" {
			groupRows[row.Group]++
		}
	}
	inSection, lastGroup := false, ""
	for _, row := range Rows {
		tr := trow{Key: row.Key, Level: row.Level}
		switch row.Level {
		case 1:
			tr.Cells = append(tr.Cells, tcell{Text: row.Label, Head: true, Colspan: 3, Class: "l1"})
		case 2:
			if !inSection {
				tr.Cells = append(tr.Cells, tcell{Text: ConcludedSection, Head: true, Rowspan: sectionRows, Class: "l1"})
				inSection = true
			}
			tr.Cells = append(tr.Cells, tcell{Text: row.Label, Head: true, Colspan: 2, Class: "l2"})
		case 3:
			if row.Group != lastGroup {
				tr.Cells = append(tr.Cells, tcell{Text: row.Group, Head: true, Rowspan: groupRows[row.Group], Class: "l2"})
			}
			tr.Cells = append(tr.Cells, tcell{Text: row.Label, Head: true, Class: "l3"})
		}
		lastGroup = row.Group
		v := r.Applications.Row(row.Key)
		for c, col := range Columns {
			tr.Cells = append(tr.Cells, m.num(Cell{2, row.Key, col}, v[c], 1))
		}
		t.Rows = append(t.Rows, tr)
	}
	return t
}

func (r Report) table3(m marks) ttable {
	sub := func() []tcell {
		var out []tcell
		for _, c := range appealCols {
			out = append(out, head(c.name, 1, 1))
		}
		return out
	}
	t := ttable{ID: "table-3", Class: "t3", Cols: 15, Widths: repeat(9, 15), Rows: []trow{
		{Head: true, Cells: []tcell{head("行政复议", 1, 5), head("行政诉讼", 1, 10)}},
		{Head: true, Cells: []tcell{head("结果维持", 2, 1), head("结果纠正", 2, 1), head("其他结果", 2, 1), head("尚未审结", 2, 1), head("总计", 2, 1),
			head("未经复议直接起诉", 1, 5), head("复议后起诉", 1, 5)}},
		{Head: true, Cells: append(sub(), sub()...)},
	}}
	data := trow{Key: "appeals"}
	for _, k := range AppealKinds {
		for j, v := range r.Appeals.Get(k).values() {
			data.Cells = append(data.Cells, m.num(Cell{3, k, appealCols[j].key}, v, 1))
		}
	}
	t.Rows = append(t.Rows, data)
	return t
}

// Percent gives the columns' widths as CSS percentages.
func (t ttable) Percent() []string {
	total := 0.0
	for _, w := range t.Widths {
		total += w
	}
	out := make([]string, len(t.Widths))
	for i, w := range t.Widths {
		out[i] = strconv.FormatFloat(100*w/total, 'f', 2, 64) + "%"
	}
	return out
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// placed is a cell at its grid position (0-based), after spans.
type placed struct {
	Row, Col int
	Cell     tcell
}

// grid places a table's cells the way a browser lays out rowspan and
// colspan.
func (t ttable) grid() []placed {
	var out []placed
	taken := map[[2]int]bool{}
	for ri, row := range t.Rows {
		col := 0
		for _, c := range row.Cells {
			for taken[[2]int{ri, col}] {
				col++
			}
			rs, cs := max(c.Rowspan, 1), max(c.Colspan, 1)
			for dr := 0; dr < rs; dr++ {
				for dc := 0; dc < cs; dc++ {
					taken[[2]int{ri + dr, col + dc}] = true
				}
			}
			out = append(out, placed{ri, col, c})
			col += cs
		}
	}
	return out
}
