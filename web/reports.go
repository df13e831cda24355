package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/models"
	"gongkai/report"
)

// --- 年度报告 ----------------------------------------------------------------------
//
// The page shows GET /api/v1/reports/annual/{year} (JSON) laid out as the
// 30号 form, inside this site's style: the three tables, the checks, the
// narrative parts with their editor, the admin's figures, export links
// (the server's own HTML and XLSX) and the finalise button.

type rcell struct {
	Text    string
	Head    bool
	Rowspan int
	Colspan int
	Class   string
	Title   string
}

type rrow struct {
	Key   string
	Head  bool
	Cells []rcell
}

type rtable struct {
	ID    string
	Class string
	Cols  []string // classes of the columns (their widths, in app.css)
	Rows  []rrow
}

type narrativePart struct {
	Key, Title, Text string
	Todo             bool
}

type reportData struct {
	Year         int
	Years        []int
	Agency       string // the ?agency= asked for ("" = own)
	AgencyName   string
	ManyAgencies bool
	Query        string // "?agency=…" or ""
	Status       string
	Draft        bool
	R            report.Report
	T1, T2, T3   rtable
	Checks       []report.CheckResult
	Failed       int
	Parts        []narrativePart
	CanNarrative bool
	CanFigures   bool
	CanFinalise  bool
	CanAppeals   bool
	Form         *appForm
	Appeals      int
	Placeholder  string
}

// reportYear reads :year; a bad one is the 404 page.
func (ui *UI) reportYear(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 2008 || y > 9999 {
		ui.errorPage(c, http.StatusNotFound, "年度报告不存在", "年份无效。", "/reports")
		return 0, false
	}
	return y, true
}

// agencyQuery is the ?agency= of a report address, kept as it was asked.
func agencyQuery(agency string) string {
	if agency == "" {
		return ""
	}
	return "?" + url.Values{"agency": {agency}}.Encode()
}

func reportPath(year int, agency string) string {
	return fmt.Sprintf("/reports/%d%s", year, agencyQuery(agency))
}

// reportsIndex goes to the report of ?year= (default last year, the one
// due this year).
func (ui *UI) reportsIndex(c *gin.Context) {
	year := calendar.Today(time.Now()).Year - 1
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2008 && y <= 9999 {
		year = y
	}
	c.Redirect(http.StatusSeeOther, reportPath(year, strings.TrimSpace(c.Query("agency"))))
}

func (ui *UI) reportPage(c *gin.Context) {
	year, ok := ui.reportYear(c)
	if !ok {
		return
	}
	ui.showReport(c, http.StatusOK, year, strings.TrimSpace(c.Query("agency")), nil)
}

func apiReportPath(year int, agency, format string) string {
	q := url.Values{}
	if agency != "" {
		q.Set("agency", agency)
	}
	if format != "" {
		q.Set("format", format)
	}
	p := fmt.Sprintf("/api/v1/reports/annual/%d", year)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

func (ui *UI) showReport(c *gin.Context, status, year int, agency string, f *appForm) {
	s := sess(c)
	a := ui.api(c, s.Token)
	var res struct {
		Status string        `json:"status"`
		Report report.Report `json:"report"`
	}
	if err := a.get(apiReportPath(year, agency, "json"), &res); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "validation_failed" && ae.Field == "year" {
			ui.errorPage(c, http.StatusNotFound, "年度报告不存在", fmt.Sprintf("没有 %d 年的年度报告：年份须在 2008 年至今年之间。", year), "/reports")
			return
		}
		ui.fail(c, err, "/reports")
		return
	}
	r := res.Report
	u := s.P.User
	d := reportData{Year: year, Agency: agency, AgencyName: r.Agency.Name, ManyAgencies: len(s.P.AgencyIDs) > 1,
		Query: agencyQuery(agency), Status: res.Status, Draft: res.Status == models.ReportDraft, R: r, Checks: r.Checks,
		Form: f, Placeholder: report.Placeholder,
		CanNarrative: u.HasRole(models.RoleEditor) || u.HasRole(models.RoleAdmin),
		CanFigures:   u.HasRole(models.RoleAdmin), CanFinalise: u.HasRole(models.RoleEditor),
		CanAppeals: u.HasRole(models.RoleClerk)}
	for y := calendar.Today(time.Now()).Year; y >= 2008; y-- {
		d.Years = append(d.Years, y)
	}
	if !slices.Contains(d.Years, year) {
		d.Years = append([]int{year}, d.Years...)
	}
	failed := map[string]bool{}
	for _, ch := range r.Checks {
		if !ch.OK {
			d.Failed++
			failed[ch.Rule] = true
		}
	}
	m := failedCells(r, failed)
	d.T1, d.T2, d.T3 = table1(r, m), table2(r, m), table3(r, m)
	titles := map[string]string{report.PartOverview: "一、总体情况", report.PartProblems: "五、存在的主要问题及改进情况", report.PartOther: "六、其他需要报告的事项"}
	for _, k := range report.NarrativeParts {
		text := r.Narrative[k]
		if f != nil && f.Action == "narrative" {
			text = f.Values.Get("part_" + k)
		}
		d.Parts = append(d.Parts, narrativePart{Key: k, Title: titles[k], Text: text, Todo: strings.Contains(r.Narrative[k], report.Placeholder)})
	}
	// The cases of table 3 this year, for the link to them.
	if agency == "" || agency == s.P.Agency.Code {
		var ap struct {
			Appeals []models.Appeal `json:"appeals"`
		}
		if err := a.get("/api/v1/appeals?year="+strconv.Itoa(year), &ap); err == nil {
			d.Appeals = len(ap.Appeals)
		}
	}
	ui.render(c, status, "report", &view{Title: r.Title(), Nav: "reports", Data: d})
}

// failedCells marks the cells of the failed checks: the checks are re-run
// on the report as the API sent it, only to find the cells (the JSON
// carries the rule and its detail, not the cells). R-D, which needs last
// year's report, marks the whole row 二.
func failedCells(r report.Report, failed map[string]bool) map[report.Cell][]string {
	m := map[report.Cell][]string{}
	if len(failed) == 0 {
		return m
	}
	add := func(cell report.Cell, rule string) {
		if !slices.Contains(m[cell], rule) {
			m[cell] = append(m[cell], rule)
		}
	}
	for _, ch := range report.Check(r, nil) {
		if failed[ch.Rule] {
			for _, cell := range ch.Cells {
				add(cell, ch.Rule)
			}
		}
	}
	if failed[report.RuleD] {
		for _, col := range report.Columns {
			add(report.Cell{Table: 2, Row: report.RowCarriedIn, Col: col}, report.RuleD)
		}
	}
	return m
}

func numCell(m map[report.Cell][]string, cell report.Cell, text string, colspan int) rcell {
	c := rcell{Text: text, Class: "num", Colspan: colspan}
	if rules := m[cell]; len(rules) > 0 {
		slices.Sort(rules)
		c.Class, c.Title = "num bad", "未通过："+strings.Join(rules, "、")
	}
	return c
}

func hcell(text string, rowspan, colspan int, class string) rcell {
	return rcell{Text: text, Head: true, Rowspan: rowspan, Colspan: colspan, Class: class}
}

// table1 is 二、主动公开政府信息情况.
func table1(r report.Report, m map[report.Cell][]string) rtable {
	p := r.Proactive
	sec := func(text string) rrow { return rrow{Cells: []rcell{hcell(text, 1, 4, "sec")}} }
	itoa := strconv.Itoa
	doc := func(key, name string, d report.DocCounts) rrow {
		return rrow{Key: key, Cells: []rcell{hcell(name, 1, 1, ""),
			numCell(m, report.Cell{Table: 1, Row: key, Col: "issued"}, itoa(d.Issued), 1),
			numCell(m, report.Cell{Table: 1, Row: key, Col: "repealed"}, itoa(d.Repealed), 1),
			numCell(m, report.Cell{Table: 1, Row: key, Col: "in_force"}, itoa(d.InForce), 1)}}
	}
	single := func(key, name, v string) rrow {
		return rrow{Key: key, Cells: []rcell{hcell(name, 1, 1, ""), numCell(m, report.Cell{Table: 1, Row: key}, v, 3)}}
	}
	decisions := rrow{Cells: []rcell{hcell("信息内容", 1, 1, ""), hcell("本年处理决定数量", 1, 3, "")}}
	return rtable{ID: "table-1", Class: "t1", Cols: []string{"c-label", "c-doc", "c-doc", "c-doc"}, Rows: []rrow{
		sec("第二十条第（一）项"),
		{Cells: []rcell{hcell("信息内容", 1, 1, ""), hcell("本年制发件数", 1, 1, ""), hcell("本年废止件数", 1, 1, ""), hcell("现行有效件数", 1, 1, "")}},
		doc("regulations", "规章", p.Regulations),
		doc("normative_documents", "行政规范性文件", p.NormativeDocuments),
		sec("第二十条第（五）项"),
		decisions,
		single("licensing", "行政许可", itoa(p.Licensing)),
		sec("第二十条第（六）项"),
		decisions,
		single("penalty", "行政处罚", itoa(p.Penalty)),
		single("enforcement", "行政强制", itoa(p.Enforcement)),
		sec("第二十条第（八）项"),
		{Cells: []rcell{hcell("信息内容", 1, 1, ""), hcell("本年收费金额（单位：万元）", 1, 3, "")}},
		single("fees_wan_yuan", "行政事业性收费", p.FeesWanYuan),
	}}
}

// table2 is 三、收到和处理政府信息公开申请情况, rows and spans as the form has them.
func table2(r report.Report, m map[report.Cell][]string) rtable {
	names := report.ColumnNames
	cols := []string{"c-l1", "c-l2", "c-l3"}
	for range report.Columns {
		cols = append(cols, "c-num")
	}
	t := rtable{ID: "table-2", Class: "t2", Cols: cols, Rows: []rrow{
		{Head: true, Cells: []rcell{hcell(report.TableNote, 3, 3, "note"), hcell("申请人情况", 1, 7, "")}},
		{Head: true, Cells: []rcell{hcell(names[0], 2, 1, ""), hcell("法人或其他组织", 1, 5, ""), hcell(names[6], 2, 1, "")}},
		{Head: true, Cells: []rcell{hcell(names[1], 1, 1, ""), hcell(names[2], 1, 1, ""), hcell(names[3], 1, 1, ""), hcell(names[4], 1, 1, ""), hcell(names[5], 1, 1, "")}},
	}}
	sectionRows, groupRows := 0, map[string]int{}
	for _, row := range report.Rows {
		if row.Level >= 2 {
			sectionRows++
		}
		if row.Group != "" {
			groupRows[row.Group]++
		}
	}
	inSection, lastGroup := false, ""
	for _, row := range report.Rows {
		tr := rrow{Key: row.Key}
		switch row.Level {
		case 1:
			tr.Cells = append(tr.Cells, hcell(row.Label, 1, 3, "l1"))
		case 2:
			if !inSection {
				tr.Cells = append(tr.Cells, hcell(report.ConcludedSection, sectionRows, 1, "l1"))
				inSection = true
			}
			tr.Cells = append(tr.Cells, hcell(row.Label, 1, 2, "l2"))
		case 3:
			if row.Group != lastGroup {
				tr.Cells = append(tr.Cells, hcell(row.Group, groupRows[row.Group], 1, "l2"))
			}
			tr.Cells = append(tr.Cells, hcell(row.Label, 1, 1, "l3"))
		}
		lastGroup = row.Group
		v := r.Applications.Row(row.Key)
		for i, col := range report.Columns {
			tr.Cells = append(tr.Cells, numCell(m, report.Cell{Table: 2, Row: row.Key, Col: col}, strconv.Itoa(v[i]), 1))
		}
		t.Rows = append(t.Rows, tr)
	}
	return t
}

// table3 is 四、政府信息公开行政复议、行政诉讼情况.
func table3(r report.Report, m map[report.Cell][]string) rtable {
	cols := []struct{ key, name string }{{"upheld", "结果维持"}, {"corrected", "结果纠正"}, {"other", "其他结果"}, {"pending", "尚未审结"}, {"total", "总计"}}
	var sub []rcell
	for range 2 {
		for _, c := range cols {
			sub = append(sub, hcell(c.name, 1, 1, ""))
		}
	}
	t := rtable{ID: "table-3", Class: "t3", Rows: []rrow{
		{Head: true, Cells: []rcell{hcell("行政复议", 1, 5, ""), hcell("行政诉讼", 1, 10, "")}},
		{Head: true, Cells: []rcell{hcell("结果维持", 2, 1, ""), hcell("结果纠正", 2, 1, ""), hcell("其他结果", 2, 1, ""), hcell("尚未审结", 2, 1, ""), hcell("总计", 2, 1, ""),
			hcell("未经复议直接起诉", 1, 5, ""), hcell("复议后起诉", 1, 5, "")}},
		{Head: true, Cells: sub},
	}}
	data := rrow{Key: "appeals"}
	for _, k := range report.AppealKinds {
		row := r.Appeals.Get(k)
		for i, v := range []int{row.Upheld, row.Corrected, row.Other, row.Pending, row.Total} {
			data.Cells = append(data.Cells, numCell(m, report.Cell{Table: 3, Row: k, Col: cols[i].key}, strconv.Itoa(v), 1))
		}
	}
	t.Rows = append(t.Rows, data)
	return t
}

// --- changes -----------------------------------------------------------------------

// reportChange sends one change of the report and comes back to the page;
// a refusal is shown next to the form that caused it.
func (ui *UI) reportChange(c *gin.Context, year int, agency string, f *appForm, method, path string, body any, ok string) {
	err := ui.api(c, sess(c).Token).call(method, path, body, nil)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusConflict) {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			if ae.Code == "invalid_state" {
				f.Error = "年度报告已定稿，不能再修改。"
			}
			ui.showReport(c, ae.Status, year, agency, f)
			return
		}
		ui.fail(c, err, reportPath(year, agency))
		return
	}
	setFlash(c, "ok", ok)
	c.Redirect(http.StatusSeeOther, reportPath(year, agency)+"#"+f.Action)
}

func (ui *UI) saveNarrative(c *gin.Context) {
	year, ok := ui.reportYear(c)
	if !ok {
		return
	}
	agency := strings.TrimSpace(c.PostForm("agency"))
	u := sess(c).P.User
	if !u.HasRole(models.RoleEditor) && !u.HasRole(models.RoleAdmin) {
		ui.errorPage(c, http.StatusForbidden, "没有权限", "只有编辑人员和管理员可以修改年度报告正文。", reportPath(year, agency))
		return
	}
	f := &appForm{Action: "narrative", Values: url.Values{}}
	parts := map[string]string{}
	for _, k := range report.NarrativeParts {
		v := normalizeNewlines(c.PostForm("part_" + k))
		f.Values.Set("part_"+k, v)
		parts[k] = v
	}
	ui.reportChange(c, year, agency, f, http.MethodPut, fmt.Sprintf("/api/v1/reports/annual/%d/narrative%s", year, agencyQuery(agency)), map[string]any{"parts": parts},
		"已保存报告正文。清空某一部分并保存，可恢复为系统根据记录生成的草稿。")
}

func (ui *UI) saveFigures(c *gin.Context) {
	year, ok := ui.reportYear(c)
	if !ok {
		return
	}
	agency := strings.TrimSpace(c.PostForm("agency"))
	if !ui.requireAdmin(c) {
		return
	}
	f := &appForm{Action: "figures", Values: url.Values{}}
	body := map[string]any{}
	for _, k := range []string{"licensing", "penalty", "enforcement"} {
		v := strings.TrimSpace(c.PostForm(k))
		f.Values.Set(k, v)
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Error, f.Field = "“"+label(fieldLabels, k)+"”应填写非负整数。", k
			ui.showReport(c, http.StatusBadRequest, year, agency, f)
			return
		}
		body[k] = n
	}
	fees := strings.TrimSpace(c.PostForm("fees_wan_yuan"))
	f.Values.Set("fees_wan_yuan", fees)
	body["fees_wan_yuan"] = fees
	path := fmt.Sprintf("/api/v1/reports/annual/%d/figures%s", year, agencyQuery(agency))
	ui.reportChange(c, year, agency, f, http.MethodPut, path, body, "已保存表一的统计数字。")
}

func (ui *UI) finaliseReport(c *gin.Context) {
	year, ok := ui.reportYear(c)
	if !ok {
		return
	}
	agency := strings.TrimSpace(c.PostForm("agency"))
	if !sess(c).P.User.HasRole(models.RoleEditor) {
		ui.errorPage(c, http.StatusForbidden, "没有权限", "只有编辑人员可以定稿年度报告并提交审核。", reportPath(year, agency))
		return
	}
	var res struct {
		ItemID uint `json:"item_id"`
	}
	path := fmt.Sprintf("/api/v1/reports/annual/%d/finalise%s", year, agencyQuery(agency))
	err := ui.api(c, sess(c).Token).call(http.MethodPost, path, nil, &res, idem(c))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusConflict || ae.Status == http.StatusBadRequest) {
			f := &appForm{Action: "finalise", Error: friendlyMessage(ae)}
			if title := errorTitles[ae.Code]; title != "" && ae.Code != "invalid_state" {
				f.Error = title + "：" + f.Error
			}
			ui.showReport(c, ae.Status, year, agency, f)
			return
		}
		ui.fail(c, err, reportPath(year, agency))
		return
	}
	setFlash(c, "ok", "年度报告已定稿，作为“"+"政府信息公开年度报告"+"”栏目的信息提交审核；审批通过后发布。")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/items/%d", res.ItemID))
}

// exportReport streams the server's own rendering: the print-ready A4 HTML
// (whose inline styles this one response allows) or the XLSX.
func (ui *UI) exportReport(format string) gin.HandlerFunc {
	return func(c *gin.Context) {
		year, ok := ui.reportYear(c)
		if !ok {
			return
		}
		agency := strings.TrimSpace(c.Query("agency"))
		if format == "html" {
			c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		}
		if err := ui.api(c, sess(c).Token).stream(c.Writer, apiReportPath(year, agency, format)); err != nil {
			setSecurityHeaders(c.Writer.Header())
			ui.fail(c, err, reportPath(year, agency))
		}
	}
}

// --- 行政复议、行政诉讼 -----------------------------------------------------------

type appealRow struct {
	models.Appeal
	AppID  uint   // the linked application, 0 when none
	Number string // and its number
}

type appealsData struct {
	Year      int
	Years     []int
	Rows      []appealRow
	Clerk     bool
	Form      *appForm
	EditID    uint
	Editing   *appealRow // the case whose form is open
	Kinds     []string
	Results   []string
	Today     string
	AppsLinks bool
}

func (ui *UI) appealsPage(c *gin.Context) {
	edit, _ := strconv.ParseUint(c.Query("edit"), 10, 32)
	ui.showAppeals(c, http.StatusOK, appealsYear(c.Query("year")), nil, uint(edit))
}

func appealsYear(v string) int {
	if y, err := strconv.Atoi(v); err == nil && y >= 2008 && y <= 9999 {
		return y
	}
	return calendar.Today(time.Now()).Year - 1
}

func (ui *UI) showAppeals(c *gin.Context, status, year int, f *appForm, editID uint) {
	s := sess(c)
	a := ui.api(c, s.Token)
	var l struct {
		Appeals []models.Appeal `json:"appeals"`
	}
	if err := a.get("/api/v1/appeals?year="+strconv.Itoa(year), &l); err != nil {
		ui.fail(c, err, "/reports")
		return
	}
	d := appealsData{Year: year, Clerk: s.P.User.HasRole(models.RoleClerk), Form: f, EditID: editID,
		Kinds: models.AppealKinds, Results: models.AppealResults, Today: calendar.Today(time.Now()).String(),
		AppsLinks: canSeeApplications(s)}
	for y := calendar.Today(time.Now()).Year; y >= 2008; y-- {
		d.Years = append(d.Years, y)
	}
	numbers := map[uint]string{}
	for _, ap := range l.Appeals {
		row := appealRow{Appeal: ap}
		if ap.ApplicationID != nil {
			row.AppID = *ap.ApplicationID
			if n, ok := numbers[*ap.ApplicationID]; ok {
				row.Number = n
			} else {
				var app applicationResp
				if err := a.get(fmt.Sprintf("/api/v1/applications/%d", *ap.ApplicationID), &app); err == nil {
					row.Number, numbers[*ap.ApplicationID] = app.Number, app.Number
				}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for i := range d.Rows {
		if d.Rows[i].ID == editID && editID != 0 {
			d.Editing = &d.Rows[i]
		}
	}
	ui.render(c, status, "appeals", &view{Title: fmt.Sprintf("%d年行政复议、行政诉讼", year), Nav: "reports", Data: d})
}

// saveAppeal adds (id 0) or changes a case. The application is named by
// its number, which is looked up to the id the API takes.
func (ui *UI) saveAppeal(c *gin.Context) {
	var id uint
	if v := c.Param("id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			ui.errorPage(c, http.StatusNotFound, "案件不存在", "该案件不存在。", "/appeals")
			return
		}
		id = uint(n)
	}
	year := appealsYear(c.PostForm("view_year"))
	if c.PostForm("view_year") == "" && len(c.PostForm("filed_on")) >= 4 {
		year = appealsYear(c.PostForm("filed_on")[:4])
	}
	if !sess(c).P.User.HasRole(models.RoleClerk) {
		ui.errorPage(c, http.StatusForbidden, "没有权限", "只有依申请公开经办人可以登记和修改行政复议、行政诉讼案件。", "/appeals")
		return
	}
	action := "appeal-new"
	if id != 0 {
		action = "appeal-" + strconv.FormatUint(uint64(id), 10)
	}
	f := &appForm{Action: action, Values: url.Values{}}
	for _, k := range []string{"kind", "filed_on", "result", "decided_on", "number", "note"} {
		f.Values.Set(k, strings.TrimSpace(normalizeNewlines(c.PostForm(k))))
	}
	body := map[string]any{"kind": f.Values.Get("kind"), "filed_on": f.Values.Get("filed_on"), "result": f.Values.Get("result"),
		"decided_on": f.Values.Get("decided_on"), "note": f.Values.Get("note"), "application_id": nil}
	a := ui.api(c, sess(c).Token)
	if n := f.Values.Get("number"); n != "" {
		var l appList
		if err := a.get("/api/v1/applications?limit=5&q="+url.QueryEscape(n), &l); err != nil {
			ui.fail(c, err, "/appeals")
			return
		}
		for _, app := range l.Applications {
			if app.Number == n {
				body["application_id"] = app.ID
			}
		}
		if body["application_id"] == nil {
			f.Error, f.Field = "关联的申请编号“"+n+"”不存在。", "number"
			ui.showAppeals(c, http.StatusBadRequest, year, f, id)
			return
		}
	}
	method, path, msg := http.MethodPost, "/api/v1/appeals", "已登记案件。"
	if id != 0 {
		method, path, msg = http.MethodPut, fmt.Sprintf("/api/v1/appeals/%d", id), "已保存案件。"
	}
	var saved models.Appeal
	if err := a.call(method, path, body, &saved, idem(c)); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			if ae.Field == "application_id" {
				f.Field = "number"
			}
			ui.showAppeals(c, http.StatusBadRequest, year, f, id)
			return
		}
		ui.fail(c, err, "/appeals")
		return
	}
	if len(saved.FiledOn) >= 4 {
		if y, err := strconv.Atoi(saved.FiledOn[:4]); err == nil {
			year = y
		}
	}
	setFlash(c, "ok", msg)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/appeals?year=%d", year))
}
