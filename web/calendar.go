package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/models"
)

// --- 节假日日历 -------------------------------------------------------------------
//
// The year view shows what GET /api/v1/calendar/days answers for a region,
// with the admin's overlay (GET /api/v1/calendar/overrides) marked on it;
// changes go through the overlay endpoints, all or nothing. The deadline
// calculator is GET /api/v1/calendar/deadline, for everyone.

type dayInfo struct {
	Date    string `json:"date"`
	Working bool   `json:"working"`
	Reason  string `json:"reason"`
	Source  string `json:"source"`
	Known   bool   `json:"known"`
}

type calCell struct {
	Day     int    // 0: padding before the 1st or after the last day
	Date    string // YYYY-MM-DD
	Class   string // work, weekend, off, makeup
	Overlay bool
	Today   bool
	Title   string
}

type calMonth struct {
	Month int
	Weeks [][]calCell
	Off   int // days off that are not weekends (holidays)
}

type calData struct {
	Year, PrevYear, NextYear int
	Region                   string
	Regions                  []string
	Months                   []calMonth
	Provisional              bool
	Overrides                []models.CalendarOverride // those of the year shown
	OtherOverrides           int
	Form                     *appForm
	Import                   *importForm
	Today                    string
}

type importForm struct {
	Format  string
	Content string
	Error   string
	Where   string
}

func (ui *UI) requireAdmin(c *gin.Context) bool {
	if sess(c).P.User.HasRole(models.RoleAdmin) {
		return true
	}
	ui.errorPage(c, http.StatusForbidden, "没有权限", "只有管理员可以使用该页面。", "/")
	return false
}

// calendarParams reads the year (default this year) and the region shown
// (default the agency's; "" is national) from the query or, for a form,
// from its view_year and view_region fields.
func calendarParams(c *gin.Context) (int, string) {
	yearKey, regionKey, get := "year", "region", c.GetQuery
	if c.Request.Method == http.MethodPost {
		yearKey, regionKey, get = "view_year", "view_region", c.GetPostForm
	}
	year := calendar.Today(time.Now()).Year
	if v, _ := get(yearKey); v != "" {
		if y, err := strconv.Atoi(v); err == nil && y >= 2000 && y <= 2100 {
			year = y
		}
	}
	region := sess(c).P.Agency.Region
	if r, ok := get(regionKey); ok && calendar.ValidRegion(r) {
		region = r
	}
	return year, region
}

func (ui *UI) calendarPage(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	year, region := calendarParams(c)
	ui.showCalendar(c, http.StatusOK, year, region, nil, nil)
}

func (ui *UI) showCalendar(c *gin.Context, status, year int, region string, f *appForm, imp *importForm) {
	a := ui.api(c, sess(c).Token)
	q := url.Values{"from": {fmt.Sprintf("%d-01-01", year)}, "to": {fmt.Sprintf("%d-12-31", year)}}
	if region != "" {
		q.Set("region", region)
	}
	var days struct {
		Provisional bool      `json:"provisional"`
		Days        []dayInfo `json:"days"`
	}
	if err := a.get("/api/v1/calendar/days?"+q.Encode(), &days); err != nil {
		ui.fail(c, err, "/")
		return
	}
	var ov struct {
		Overrides []models.CalendarOverride `json:"overrides"`
	}
	if err := a.get("/api/v1/calendar/overrides", &ov); err != nil {
		ui.fail(c, err, "/")
		return
	}
	d := calData{Year: year, PrevYear: year - 1, NextYear: year + 1, Region: region, Regions: calendar.Regions(),
		Provisional: days.Provisional, Form: f, Import: imp, Today: calendar.Today(time.Now()).String()}
	overlay := map[string]models.CalendarOverride{}
	prefix := strconv.Itoa(year) + "-"
	for _, o := range ov.Overrides {
		if !strings.HasPrefix(o.Date, prefix) {
			d.OtherOverrides++
			continue
		}
		d.Overrides = append(d.Overrides, o)
		if o.Region == "" || o.Region == region {
			overlay[o.Date] = o
		}
	}
	d.Months = monthGrids(year, days.Days, overlay, d.Today)
	title := fmt.Sprintf("%d年节假日日历", year)
	ui.render(c, status, "calendar", &view{Title: title, Nav: "calendar", Data: d})
}

// monthGrids lays the year's days out as twelve month grids, weeks starting
// on Monday as Chinese calendars do.
func monthGrids(year int, days []dayInfo, overlay map[string]models.CalendarOverride, today string) []calMonth {
	byDate := make(map[string]dayInfo, len(days))
	for _, d := range days {
		byDate[d.Date] = d
	}
	months := make([]calMonth, 0, 12)
	for m := time.January; m <= time.December; m++ {
		first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
		cm := calMonth{Month: int(m)}
		offset := (int(first.Weekday()) + 6) % 7 // Monday = 0
		week := make([]calCell, offset)
		for t := first; t.Month() == m; t = t.AddDate(0, 0, 1) {
			date := t.Format("2006-01-02")
			info, ok := byDate[date]
			cell := calCell{Day: t.Day(), Date: date, Today: date == today}
			switch {
			case !ok:
				cell.Class = "work"
			case info.Working && info.Reason == "工作日":
				cell.Class = "work"
			case info.Working:
				cell.Class = "makeup"
			case info.Reason == "周末":
				cell.Class = "weekend"
			default:
				cell.Class = "off"
				cm.Off++
			}
			cell.Title = date + " " + info.Reason
			if info.Source != "" {
				cell.Title += "（" + info.Source + "）"
			}
			if ok && !info.Known {
				cell.Title += "；该年度尚无国务院放假通知，按周一至周五推算"
			}
			if o, isOverlay := overlay[date]; isOverlay {
				cell.Overlay = true
				where := "全国"
				if o.Region != "" {
					where = o.Region
				}
				cell.Title += "；本系统调整（" + where + "）：" + o.Name
			}
			week = append(week, cell)
			if len(week) == 7 {
				cm.Weeks = append(cm.Weeks, week)
				week = nil
			}
		}
		if len(week) > 0 {
			for len(week) < 7 {
				week = append(week, calCell{})
			}
			cm.Weeks = append(cm.Weeks, week)
		}
		months = append(months, cm)
	}
	return months
}

// addOverride stores one overlay date.
func (ui *UI) addOverride(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	year, region := calendarParams(c)
	f := &appForm{Action: "override", Values: url.Values{}}
	for _, k := range []string{"date", "region", "working", "name", "source"} {
		f.Values.Set(k, strings.TrimSpace(c.PostForm(k)))
	}
	body := map[string]any{"date": f.Values.Get("date"), "region": f.Values.Get("region"), "name": f.Values.Get("name"), "source": f.Values.Get("source")}
	switch f.Values.Get("working") {
	case "true":
		body["working"] = true
	case "false":
		body["working"] = false
	}
	if d, err := calendar.ParseDate(f.Values.Get("date")); err == nil {
		year = d.Year
	}
	err := ui.api(c, sess(c).Token).call(http.MethodPost, "/api/v1/calendar/overrides", body, nil)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			f.Error, f.Field = friendlyMessage(ae), ae.Field
			if ae.Field != "" {
				f.Error = "“" + overlayFieldLabel(ae.Field) + "”：" + f.Error
			}
			ui.showCalendar(c, http.StatusBadRequest, year, region, f, nil)
			return
		}
		ui.fail(c, err, "/calendar")
		return
	}
	setFlash(c, "ok", "已保存 "+f.Values.Get("date")+" 的调整，涉及该日期的期限已重新计算。")
	c.Redirect(http.StatusSeeOther, calendarURL(year, region)+"#overrides")
}

func calendarURL(year int, region string) string {
	return "/calendar?" + url.Values{"year": {strconv.Itoa(year)}, "region": {region}}.Encode()
}

func (ui *UI) deleteOverride(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	year, region := calendarParams(c)
	id, ok := ui.idParam(c, "日历调整", "/calendar")
	if !ok {
		return
	}
	if _, err := ui.api(c, sess(c).Token).send(http.MethodDelete, fmt.Sprintf("/api/v1/calendar/overrides/%d", id), nil, "", nil); err != nil {
		ui.fail(c, err, calendarURL(year, region))
		return
	}
	setFlash(c, "ok", "已删除该调整，涉及该日期的期限已重新计算。")
	c.Redirect(http.StatusSeeOther, calendarURL(year, region)+"#overrides")
}

// importOverrides sends a pasted or uploaded CSV or JSON file to the API,
// which stores every row or none; a refusal names the line or entry.
func (ui *UI) importOverrides(c *gin.Context) {
	if !ui.requireAdmin(c) {
		return
	}
	year, region := calendarParams(c)
	imp := &importForm{Format: c.PostForm("format"), Content: normalizeNewlines(c.PostForm("content"))}
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			ui.internalError(c, err)
			return
		}
		b, err := io.ReadAll(io.LimitReader(f, 1<<20))
		f.Close()
		if err != nil {
			ui.internalError(c, err)
			return
		}
		imp.Content = normalizeNewlines(string(b))
		if imp.Format == "" || imp.Format == "auto" {
			imp.Format = "csv"
			if strings.HasSuffix(strings.ToLower(fh.Filename), ".json") {
				imp.Format = "json"
			}
		}
	}
	if imp.Format != "json" {
		imp.Format = "csv"
		if t := strings.TrimSpace(imp.Content); strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			imp.Format = "json"
		}
	}
	if strings.TrimSpace(imp.Content) == "" {
		imp.Error = "请粘贴要导入的内容，或选择 CSV / JSON 文件。"
		ui.showCalendar(c, http.StatusBadRequest, year, region, nil, imp)
		return
	}
	ctype := "text/csv"
	if imp.Format == "json" {
		ctype = "application/json"
	}
	rec, err := ui.api(c, sess(c).Token).send(http.MethodPost, "/api/v1/calendar/overrides/import", bytes.NewReader([]byte(imp.Content)), ctype, nil)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusRequestEntityTooLarge) {
			imp.Error = friendlyMessage(ae)
			if ae.Field != "" {
				imp.Where = overlayFieldLabel(ae.Field)
			}
			ui.showCalendar(c, ae.Status, year, region, nil, imp)
			return
		}
		ui.fail(c, err, calendarURL(year, region))
		return
	}
	var res struct {
		Stored int `json:"stored"`
	}
	_ = json.Unmarshal(rec.body.Bytes(), &res)
	setFlash(c, "ok", fmt.Sprintf("已导入 %d 条调整，涉及的期限已重新计算。", res.Stored))
	c.Redirect(http.StatusSeeOther, calendarURL(year, region)+"#overrides")
}

// --- 期限计算 ---------------------------------------------------------------------

type deadlineData struct {
	Start, Workdays, Region string
	Regions                 []string
	Result                  *struct {
		Start        string   `json:"start"`
		Workdays     int      `json:"workdays"`
		Due          string   `json:"due"`
		Provisional  bool     `json:"provisional"`
		MissingYears []int    `json:"missing_years"`
		Explanation  []string `json:"explanation"`
	}
	Error, Field string
	IsAdmin      bool
}

func (ui *UI) deadlinePage(c *gin.Context) {
	s := sess(c)
	d := deadlineData{Start: strings.TrimSpace(c.Query("start")), Workdays: strings.TrimSpace(c.Query("workdays")),
		Region: s.P.Agency.Region, Regions: calendar.Regions(), IsAdmin: s.P.User.HasRole(models.RoleAdmin)}
	if r, ok := c.GetQuery("region"); ok && calendar.ValidRegion(r) {
		d.Region = r
	}
	status := http.StatusOK
	if d.Start != "" || d.Workdays != "" {
		q := url.Values{"start": {d.Start}, "workdays": {d.Workdays}}
		if d.Region != "" {
			q.Set("region", d.Region)
		}
		d.Result = &struct {
			Start        string   `json:"start"`
			Workdays     int      `json:"workdays"`
			Due          string   `json:"due"`
			Provisional  bool     `json:"provisional"`
			MissingYears []int    `json:"missing_years"`
			Explanation  []string `json:"explanation"`
		}{}
		if err := ui.api(c, s.Token).get("/api/v1/calendar/deadline?"+q.Encode(), d.Result); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				ui.fail(c, err, "/calendar/deadline")
				return
			}
			d.Result, d.Error, d.Field, status = nil, friendlyMessage(ae), ae.Field, http.StatusBadRequest
			if ae.Field == "workdays" {
				d.Error = "“工作日数”应为 1 到 " + strconv.Itoa(calendar.MaxWorkdays) + " 之间的整数。"
			}
		}
	}
	if d.Start == "" {
		d.Start = calendar.Today(time.Now()).String()
	}
	if d.Workdays == "" {
		d.Workdays = "20"
	}
	ui.render(c, status, "deadline", &view{Title: "期限计算", Nav: "calendar", Data: d})
}
