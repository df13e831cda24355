package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/models"
)

// maxDaysRange bounds GET /calendar/days: five years of days.
const maxDaysRange = 5*366 + 1

func (s *Server) calendarRoutes(g *gin.RouterGroup) {
	g.GET("/calendar/deadline", s.calendarDeadline)
	g.GET("/calendar/days", s.calendarDays)
	admin := g.Group("/calendar/overrides", s.requireRole(models.RoleAdmin))
	admin.GET("", s.listOverrides)
	admin.POST("", s.putOverride)
	admin.POST("/import", s.importOverrides)
	admin.DELETE("/:id", s.deleteOverride)
	admin.DELETE("", s.deleteOverrideByDate)
}

// queryDate reads a required YYYY-MM-DD query parameter.
func queryDate(c *gin.Context, name string) (calendar.Date, bool) {
	v := c.Query(name)
	if v == "" {
		abortField(c, name, "缺少参数 "+name+"（格式 YYYY-MM-DD）")
		return calendar.Date{}, false
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		abortField(c, name, fmt.Sprintf("参数 %s 不是有效日期（格式 YYYY-MM-DD）：%s", name, v))
		return calendar.Date{}, false
	}
	return d, true
}

// queryRegion reads the optional region parameter ("" = national).
func queryRegion(c *gin.Context) (string, bool) {
	r := c.Query("region")
	if !calendar.ValidRegion(r) {
		abortField(c, "region", "未知地区："+r+"（应为省级行政区简称，如 宁夏）")
		return "", false
	}
	return r, true
}

func (s *Server) loadCalendar(c *gin.Context) (*calendar.Calendar, bool) {
	cal, err := models.LoadCalendar(c.Request.Context(), s.DB)
	if err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	return cal, true
}

func (s *Server) calendarDeadline(c *gin.Context) {
	start, ok := queryDate(c, "start")
	if !ok {
		return
	}
	n, err := strconv.Atoi(c.Query("workdays"))
	if err != nil || n < 1 || n > calendar.MaxWorkdays {
		abortField(c, "workdays", fmt.Sprintf("参数 workdays 应为 1 到 %d 之间的整数", calendar.MaxWorkdays))
		return
	}
	region, ok := queryRegion(c)
	if !ok {
		return
	}
	cal, ok := s.loadCalendar(c)
	if !ok {
		return
	}
	res, err := cal.AddWorkdays(region, start, n)
	if err != nil {
		abortField(c, "start", err.Error())
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) calendarDays(c *gin.Context) {
	from, ok := queryDate(c, "from")
	if !ok {
		return
	}
	to, ok := queryDate(c, "to")
	if !ok {
		return
	}
	if to.Before(from) {
		abortField(c, "to", "结束日期 to 不能早于开始日期 from")
		return
	}
	if to.Time().Sub(from.Time()).Hours()/24 >= maxDaysRange {
		abortField(c, "to", "查询范围不能超过 5 年")
		return
	}
	region, ok := queryRegion(c)
	if !ok {
		return
	}
	cal, ok := s.loadCalendar(c)
	if !ok {
		return
	}
	days := cal.Days(region, from, to)
	provisional := false
	for _, d := range days {
		provisional = provisional || !d.Known
	}
	c.JSON(http.StatusOK, gin.H{"region": region, "from": from, "to": to, "provisional": provisional, "days": days})
}

func (s *Server) listOverrides(c *gin.Context) {
	rows, err := models.CalendarOverrides(c.Request.Context(), s.DB)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"overrides": rows})
}

func (s *Server) putOverride(c *gin.Context) {
	var in calendar.OverlayEntry
	if !bindJSON(c, &in) {
		return
	}
	o, err := in.Override()
	if err != nil {
		abortOverlayError(c, err)
		return
	}
	s.changeOverlay(c, http.StatusCreated, []calendar.Override{o})
}

// importOverrides takes a year's notice at once, as a JSON array or as CSV
// with the header date,region,working,name,source. Nothing is stored unless
// every row is valid.
func (s *Server) importOverrides(c *gin.Context) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	body, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		abort(c, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("请求内容过大（上限 %d 字节）", MaxBodyBytes))
		return
	}
	if err != nil {
		abort(c, http.StatusBadRequest, CodeInvalidJSON, "读取请求内容失败")
		return
	}
	format := calendar.FormatJSON
	if mt == "text/csv" {
		format = calendar.FormatCSV
	}
	overrides, err := calendar.ParseOverlay(strings.NewReader(string(body)), format)
	if err != nil {
		abortOverlayError(c, err)
		return
	}
	s.changeOverlay(c, http.StatusOK, overrides)
}

func (s *Server) deleteOverride(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil {
		abort(c, http.StatusNotFound, CodeNotFound, "该日历调整不存在")
		return
	}
	p := principal(c)
	changed, err := models.DeleteCalendarOverride(c.Request.Context(), s.DB, &p.User.ID, requestID(c), uint(id))
	if errors.Is(err, models.ErrNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "该日历调整不存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	s.notifyCalendarChange(c, changed)
	c.Status(http.StatusNoContent)
}

// deleteOverrideByDate removes the override for ?date= and ?region=.
func (s *Server) deleteOverrideByDate(c *gin.Context) {
	d, ok := queryDate(c, "date")
	if !ok {
		return
	}
	region, ok := queryRegion(c)
	if !ok {
		return
	}
	var o models.CalendarOverride
	err := s.DB.WithContext(c.Request.Context()).Where("date = ? AND region = ?", d.String(), region).First(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "该日期没有日历调整")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.Params = append(c.Params, gin.Param{Key: "id", Value: strconv.FormatUint(uint64(o.ID), 10)})
	s.deleteOverride(c)
}

// changeOverlay stores the overrides, all or none, and reports the changed
// date ranges.
func (s *Server) changeOverlay(c *gin.Context, status int, overrides []calendar.Override) {
	p := principal(c)
	changed, err := models.ImportCalendarOverlay(c.Request.Context(), s.DB, &p.User.ID, requestID(c), overrides)
	if errors.Is(err, calendar.ErrInvalid) {
		abortOverlayError(c, err)
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	s.notifyCalendarChange(c, changed)
	c.JSON(status, gin.H{"stored": len(overrides), "changed": changed})
}

// notifyCalendarChange tells whoever subscribed (the workflows whose clocks
// depend on the dates) which date ranges changed.
func (s *Server) notifyCalendarChange(c *gin.Context, changed []calendar.DateRange) {
	if len(changed) == 0 || s.OnCalendarChange == nil {
		return
	}
	if err := s.OnCalendarChange(c.Request.Context(), calendar.OverlayChanged{Ranges: changed}); err != nil {
		// The overlay is stored; clocks pick the change up when next evaluated.
		s.log.WarnContext(c.Request.Context(), "calendar change notification failed", "request_id", requestID(c), "err", err)
	}
}

// abortOverlayError answers 400, naming the field when the error knows it.
func abortOverlayError(c *gin.Context, err error) {
	var fe *calendar.FieldError
	if errors.As(err, &fe) {
		abortField(c, fe.Field, fe.Message)
		return
	}
	abortField(c, "overrides", "日历调整无效："+err.Error())
}
