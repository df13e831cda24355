package report

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX workbook.
const (
	SheetTable1 = "表一 主动公开"
	SheetTable2 = "表二 申请办理"
	SheetTable3 = "表三 复议诉讼"
	SheetNotes  = "说明与检查"
)

// xlsxTableTop is the 1-based sheet row of a table's first row (row 1
// holds the part's heading).
const xlsxTableTop = 2

type xlsxStyles struct {
	title, head, label, num, fee, bad, badFee, wrap int
}

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}
	red := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFD6D6"}}
	var s xlsxStyles
	var err error
	for _, d := range []struct {
		dst   *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.head, excelize.Style{Border: border, Alignment: center}},
		{&s.label, excelize.Style{Border: border, Alignment: left}},
		{&s.num, excelize.Style{Border: border, Alignment: center, NumFmt: 1}},
		{&s.fee, excelize.Style{Border: border, Alignment: center, NumFmt: 2}},
		{&s.bad, excelize.Style{Border: border, Alignment: center, NumFmt: 1, Fill: red, Font: &excelize.Font{Color: "C00000", Bold: true}}},
		{&s.badFee, excelize.Style{Border: border, Alignment: center, NumFmt: 2, Fill: red, Font: &excelize.Font{Color: "C00000", Bold: true}}},
		{&s.wrap, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}}},
	} {
		if *d.dst, err = f.NewStyle(&d.style); err != nil {
			return s, err
		}
	}
	return s, nil
}

// WriteXLSX writes the workbook: one sheet per table, laid out as the 30号
// form (numbers stored as numbers, the fee with two decimals), and a sheet
// with the report's particulars and the checks.
func (r Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetTable1); err != nil {
		return err
	}
	for _, name := range []string{SheetTable2, SheetTable3, SheetNotes} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	m := r.failedMarks()
	tables := []struct {
		sheet, heading string
		t              ttable
		landscape      bool
	}{
		{SheetTable1, "二、主动公开政府信息情况", r.table1(m), false},
		{SheetTable2, "三、收到和处理政府信息公开申请情况", r.table2(m), false},
		{SheetTable3, "四、政府信息公开行政复议、行政诉讼情况", r.table3(m), true},
	}
	for _, tb := range tables {
		if err := writeTable(f, st, tb.sheet, tb.heading, tb.t, tb.landscape); err != nil {
			return fmt.Errorf("%s: %w", tb.sheet, err)
		}
	}
	if err := r.writeNotes(f, st); err != nil {
		return fmt.Errorf("%s: %w", SheetNotes, err)
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func writeTable(f *excelize.File, st xlsxStyles, sheet, heading string, t ttable, landscape bool) error {
	widths := t.Widths
	if err := f.SetCellStr(sheet, "A1", heading); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", st.title); err != nil {
		return err
	}
	for i, wd := range widths {
		c, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, c, c, wd); err != nil {
			return err
		}
	}
	rowLines := map[int]int{}
	for _, p := range t.grid() {
		row, col := xlsxTableTop+p.Row, 1+p.Col
		top := cellName(col, row)
		bottom := cellName(col+max(p.Cell.Colspan, 1)-1, row+max(p.Cell.Rowspan, 1)-1)
		c := p.Cell
		style := st.head
		switch {
		case c.Num && c.Decimals > 0:
			if err := f.SetCellFloat(sheet, top, c.Value, c.Decimals, 64); err != nil {
				return err
			}
			style = st.fee
			if c.Title != "" {
				style = st.badFee
			}
		case c.Num:
			if err := f.SetCellInt(sheet, top, int64(c.Value)); err != nil {
				return err
			}
			style = st.num
			if c.Title != "" {
				style = st.bad
			}
		default:
			if err := f.SetCellStr(sheet, top, c.Text); err != nil {
				return err
			}
			switch c.Class {
			case "l1", "l2", "l3", "note", "sec":
				style = st.label
			}
			if c.Title != "" {
				style = st.bad
			}
		}
		if top != bottom {
			if err := f.MergeCell(sheet, top, bottom); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle(sheet, top, bottom, style); err != nil {
			return err
		}
		if c.Head && max(c.Rowspan, 1) == 1 {
			// Estimate wrapped lines from the label's length and the
			// width of the columns it spans (about 1.1 units a character).
			width := 0.0
			for k := p.Col; k < p.Col+max(c.Colspan, 1) && k < len(widths); k++ {
				width += widths[k]
			}
			if lines := int(float64(utf8.RuneCountInString(c.Text))*2.2/width) + 1; lines > rowLines[row] {
				rowLines[row] = lines
			}
		}
	}
	for row, lines := range rowLines {
		if lines > 1 {
			if err := f.SetRowHeight(sheet, row, 15*float64(lines)); err != nil {
				return err
			}
		}
	}
	size, one := 9, 1 // 9: A4
	orientation := "portrait"
	if landscape {
		orientation = "landscape"
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	zero := 0
	return f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero})
}

func (r Report) writeNotes(f *excelize.File, st xlsxStyles) error {
	sh := SheetNotes
	rows := [][]any{
		{r.Title()},
		{},
		{"单位", r.Agency.Name},
		{"单位代码", r.Agency.Code},
		{"年度", r.Year},
		{"统计期间", fmt.Sprintf("%d年1月1日至%d年12月31日", r.Year, r.Year)},
		{"格式", "国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》"},
		{"表二勾稽关系", TableNote},
		{"金额单位", "表一行政事业性收费：万元（两位小数）"},
		{},
		{"勾稽关系检查"},
		{"规则", "结果", "说明"},
	}
	const particulars, checksHead = 3, 12 // first particulars row, checks header row
	for _, c := range r.Checks {
		res := "通过"
		if !c.OK {
			res = "未通过"
		}
		rows = append(rows, []any{c.Rule, res, c.Detail})
	}
	widths := []float64{14, 10, 70}
	for i, wd := range widths {
		c, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sh, c, c, wd); err != nil {
			return err
		}
	}
	for i, row := range rows {
		line := i + 1
		for j, v := range row {
			if err := f.SetCellValue(sh, cellName(j+1, line), v); err != nil {
				return err
			}
		}
		if line >= particulars && len(row) > 0 {
			if err := f.SetCellStyle(sh, cellName(1, line), cellName(3, line), st.wrap); err != nil {
				return err
			}
		}
		// The particulars' value spans B:C; a long text gets more lines.
		width, text := widths[2], ""
		if line >= particulars && line < particulars+7 {
			if err := f.MergeCell(sh, cellName(2, line), cellName(3, line)); err != nil {
				return err
			}
			width, text = widths[1]+widths[2], fmt.Sprint(row[1])
		} else if line > checksHead {
			text = fmt.Sprint(row[2])
		}
		if lines := int(float64(utf8.RuneCountInString(text))*2.2/width) + 1; lines > 1 {
			if err := f.SetRowHeight(sh, line, 15*float64(lines)); err != nil {
				return err
			}
		}
	}
	for _, c := range []string{"A1", cellName(1, checksHead-1)} {
		if err := f.SetCellStyle(sh, c, c, st.title); err != nil {
			return err
		}
	}
	size, one, zero, fit := 9, 1, 0, true
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: &size, FitToWidth: &one, FitToHeight: &zero})
}
