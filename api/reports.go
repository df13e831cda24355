package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongkai/annual"
	"gongkai/calendar"
	"gongkai/models"
	"gongkai/report"
	"gongkai/workflows"
)

// Finalising refusals: the reconciliation checks fail, or the narrative
// still holds parts the office must write.
const (
	CodeChecksFailed     = "report_checks_failed"
	CodeReportIncomplete = "report_incomplete"
)

func (s *Server) reportRoutes(g *gin.RouterGroup) {
	g.GET("/reports/annual/:year", s.getAnnualReport)
	g.PUT("/reports/annual/:year/figures", s.requireRole(models.RoleAdmin), s.putFigures)
	g.PUT("/reports/annual/:year/narrative", s.requireRole(models.RoleEditor, models.RoleAdmin), s.putNarrative)
	g.POST("/reports/annual/:year/finalise", s.requireRole(models.RoleEditor), s.finaliseReport)
	g.GET("/appeals", s.listAppeals)
	g.POST("/appeals", s.requireRole(models.RoleClerk), s.createAppeal)
	g.PUT("/appeals/:id", s.requireRole(models.RoleClerk), s.updateAppeal)
}

// reportTarget reads :year and ?agency= (default the caller's), in scope.
func (s *Server) reportTarget(c *gin.Context) (*models.Agency, int, bool) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || year < 2008 || year > calendar.Today(time.Now()).Year {
		abortField(c, "year", "年份无效")
		return nil, 0, false
	}
	p := principal(c)
	agency := p.Agency
	if code := c.Query("agency"); code != "" && code != agency.Code {
		a, err := models.AgencyByCode(c.Request.Context(), s.DB, code)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !slices.Contains(p.AgencyIDs, a.ID)) {
			abort(c, http.StatusNotFound, CodeNotFound, "机关不存在")
			return nil, 0, false
		}
		if err != nil {
			s.abortInternal(c, err)
			return nil, 0, false
		}
		agency = a
	}
	return agency, year, true
}

func (s *Server) getAnnualReport(c *gin.Context) {
	agency, year, ok := s.reportTarget(c)
	if !ok {
		return
	}
	r, status, err := annual.Generate(c.Request.Context(), s.DB, agency, year)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	var buf bytes.Buffer
	switch format := c.DefaultQuery("format", "json"); format {
	case "json":
		c.JSON(http.StatusOK, gin.H{"status": status, "report": r})
		return
	case "html":
		err = r.WriteHTML(&buf)
		c.Header("Content-Type", "text/html; charset=utf-8")
	case "xlsx":
		err = r.WriteXLSX(&buf)
		name := fmt.Sprintf("%s-%d-政府信息公开工作年度报告.xlsx", agency.Code, year)
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	default:
		abortField(c, "format", "format 应为 json、html 或 xlsx")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.Status(http.StatusOK)
	c.Writer.Write(buf.Bytes())
}

// draftRow loads the year's report row (a draft if there is none yet);
// changing it is refused once the report is finalised.
func (s *Server) draftRow(c *gin.Context, tx *gorm.DB, agency *models.Agency, year int) (*models.AnnualReport, bool) {
	row := models.AnnualReport{AgencyID: agency.ID, Year: year, Status: models.ReportDraft}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	if err := tx.Where("agency_id = ? AND year = ?", agency.ID, year).First(&row).Error; err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	if row.Status != models.ReportDraft {
		abort(c, http.StatusConflict, CodeInvalidState, "年度报告已定稿（"+row.Status+"），不能再修改")
		return nil, false
	}
	return &row, true
}

var feesPattern = regexp.MustCompile(`^\d{1,9}(\.\d{1,2})?$`)

func (s *Server) putFigures(c *gin.Context) {
	agency, year, ok := s.reportTarget(c)
	if !ok {
		return
	}
	var in struct {
		Licensing, Penalty, Enforcement *int
		FeesWanYuan                     string `json:"fees_wan_yuan"`
	}
	if !bindJSON(c, &in) {
		return
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"licensing", in.Licensing}, {"penalty", in.Penalty}, {"enforcement", in.Enforcement}} {
		if f.v == nil || *f.v < 0 {
			abortField(c, f.name, "字段 "+f.name+" 应为非负整数")
			return
		}
	}
	if in.FeesWanYuan == "" {
		in.FeesWanYuan = "0.00"
	}
	if !feesPattern.MatchString(in.FeesWanYuan) {
		abortField(c, "fees_wan_yuan", "行政事业性收费应为以万元计的金额，最多两位小数，如 12.35")
		return
	}
	if _, ok := s.draftRow(c, s.DB.WithContext(c.Request.Context()), agency, year); !ok {
		return
	}
	p := principal(c)
	var before models.AnnualFigures
	s.DB.WithContext(c.Request.Context()).Where("agency_id = ? AND year = ?", agency.ID, year).First(&before)
	fig := models.AnnualFigures{AgencyID: agency.ID, Year: year, Licensing: *in.Licensing, Penalty: *in.Penalty,
		Enforcement: *in.Enforcement, FeesWanYuan: in.FeesWanYuan, UpdatedBy: p.User.ID}
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Save(&fig).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &agency.ID, Action: "annual_figures",
			ObjectType: "annual_report", ObjectID: fmt.Sprintf("%s-%d", agency.Code, year), RequestID: requestID(c)}, before, fig)
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, fig)
}

func (s *Server) putNarrative(c *gin.Context) {
	agency, year, ok := s.reportTarget(c)
	if !ok {
		return
	}
	var in struct {
		Parts map[string]string `json:"parts"`
	}
	if !bindJSON(c, &in) {
		return
	}
	for k := range in.Parts {
		if !slices.Contains(report.NarrativeParts, k) {
			abortField(c, "parts", "可编辑的部分为 "+strings.Join(report.NarrativeParts, "、")+"（一、五、六）")
			return
		}
	}
	p := principal(c)
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		row, ok := s.draftRow(c, tx, agency, year)
		if !ok {
			return errAnswered
		}
		parts := map[string]string{}
		if row.Narrative != "" {
			_ = json.Unmarshal([]byte(row.Narrative), &parts)
		}
		before := row.Narrative
		for k, v := range in.Parts {
			parts[k] = v
		}
		b, _ := json.Marshal(parts)
		if err := tx.Model(row).Where("agency_id = ? AND year = ?", agency.ID, year).Update("narrative", string(b)).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &agency.ID, Action: "annual_narrative",
			ObjectType: "annual_report", ObjectID: fmt.Sprintf("%s-%d", agency.Code, year), RequestID: requestID(c)}, before, string(b))
	})
	if errors.Is(err, errAnswered) {
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	s.getAnnualReport(c)
}

// errAnswered: the transaction stopped because the request was answered.
var errAnswered = errors.New("answered")

// finaliseReport freezes the report and submits it as a publication item
// (栏目 政府信息公开年度报告) through the agency's chain. A report whose
// checks fail cannot be finalised.
func (s *Server) finaliseReport(c *gin.Context) {
	agency, year, ok := s.reportTarget(c)
	if !ok {
		return
	}
	r, status, err := annual.Generate(c.Request.Context(), s.DB, agency, year)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	if status != models.ReportDraft {
		abort(c, http.StatusConflict, CodeInvalidState, "年度报告已定稿（"+status+"）")
		return
	}
	var failed []string
	for _, ch := range r.Checks {
		if !ch.OK {
			failed = append(failed, ch.Rule+"："+ch.Detail)
		}
	}
	if len(failed) > 0 {
		abort(c, http.StatusConflict, CodeChecksFailed, "年度报告未通过勾稽检查，不能定稿："+strings.Join(failed, "；"))
		return
	}
	if parts := r.Incomplete(); len(parts) > 0 {
		abort(c, http.StatusConflict, CodeReportIncomplete, "年度报告第 "+strings.Join(parts, "、")+" 部分仍有“"+report.Placeholder+"”，请补全后再定稿")
		return
	}
	frozen, _ := json.Marshal(r)
	var xlsx bytes.Buffer
	if err := r.WriteXLSX(&xlsx); err != nil {
		s.abortInternal(c, err)
		return
	}
	stored, err := s.Files.Save(fmt.Sprintf("%s%d年政府信息公开工作年度报告.xlsx", r.Agency.ShortName, year), &xlsx)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	p := principal(c)
	today := calendar.Today(time.Now()).String()
	item := models.Item{AgencyID: agency.ID, Title: fmt.Sprintf("%s%d年政府信息公开工作年度报告", r.Agency.ShortName, year),
		Summary: fmt.Sprintf("%s%d年政府信息公开工作年度报告（统计期间 %d年1月1日至12月31日）", agency.Name, year, year),
		Body:    reportBody(r), Column: annual.Column, FormedOn: today, Status: models.ItemDraft, Version: 1, Revision: 1,
		AuthorID: p.User.ID, Kind: models.KindPublication}
	var hash string
	err = s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		row, ok := s.draftRow(c, tx, agency, year)
		if !ok {
			return errAnswered
		}
		if item.IndexNo, err = models.NextIndexNo(tx, agency, calendar.Today(time.Now()).Year); err != nil {
			return err
		}
		if err := tx.Create(&item).Error; err != nil {
			return err
		}
		att := models.Attachment{ItemID: item.ID, Name: stored.Name, Kind: string(stored.Kind), ContentType: stored.ContentType,
			Size: stored.Size, SHA256: stored.SHA256, Path: stored.Path, AddedIn: 1, UploadedBy: p.User.ID}
		if err := tx.Create(&att).Error; err != nil {
			return err
		}
		hash = models.ContentHash(item.Title, item.Summary, item.Body, item.Column, item.FormedOn, []string{att.SHA256})
		if err := tx.Create(&models.ItemRevision{ItemID: item.ID, Revision: 1, Title: item.Title, Summary: item.Summary, Body: item.Body,
			Column: item.Column, FormedOn: item.FormedOn, EditorID: p.User.ID, ContentHash: hash}).Error; err != nil {
			return err
		}
		if err := tx.Model(row).Where("agency_id = ? AND year = ?", agency.ID, year).
			Updates(map[string]any{"status": models.ReportFinalised, "frozen": string(frozen), "item_id": item.ID}).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &agency.ID, Action: "annual_finalised",
			ObjectType: "annual_report", ObjectID: fmt.Sprintf("%s-%d", agency.Code, year), RequestID: requestID(c)}, nil, gin.H{"item_id": item.ID})
	})
	if errors.Is(err, errAnswered) {
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	steps, err := models.ChainFor(c.Request.Context(), s.DB, agency.ID, annual.Column)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	in := s.itemInput(&item, agency.Region)
	req := workflows.SubmitRequest{Actor: actorOf(p), Revision: 1, ContentHash: hash, EditorIDs: []uint{p.User.ID},
		Steps: steps, Title: item.Title, Column: item.Column}
	res, ok := s.updateItem(c, &in, item.ID, workflows.UpdateSubmit, s.updateID(c, "finalise", item.ID, year), req)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": models.ReportFinalised, "item_id": item.ID, "chain": res})
}

// reportBody is the published item's text: the narrative parts; the tables
// travel as the attached spreadsheet and the report page.
func reportBody(r report.Report) string {
	var b strings.Builder
	titles := map[string]string{report.PartOverview: "一、总体情况", report.PartProblems: "五、存在的主要问题及改进情况", report.PartOther: "六、其他需要报告的事项"}
	for _, k := range report.NarrativeParts {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", titles[k], r.Narrative[k])
	}
	b.WriteString("二、三、四部分的统计表见附件。\n")
	return b.String()
}

// --- 行政复议 / 行政诉讼 cases ----------------------------------------------------------

type appealBody struct {
	ApplicationID *uint  `json:"application_id"`
	Kind          string `json:"kind"`
	FiledOn       string `json:"filed_on"`
	Result        string `json:"result"`
	DecidedOn     string `json:"decided_on"`
	Note          string `json:"note"`
}

func (s *Server) validAppeal(c *gin.Context, b *appealBody) bool {
	if !slices.Contains(models.AppealKinds, b.Kind) {
		abortField(c, "kind", "kind 应为 review（行政复议）、litigation_direct（未经复议直接起诉）或 litigation_after_review（复议后起诉）")
		return false
	}
	if b.Result == "" {
		b.Result = "pending"
	}
	if !slices.Contains(models.AppealResults, b.Result) {
		abortField(c, "result", "result 应为 upheld、corrected、other 或 pending")
		return false
	}
	today := calendar.Today(time.Now()).String()
	if d, err := calendar.ParseDate(b.FiledOn); err != nil || d.String() > today {
		abortField(c, "filed_on", "立案日期无效或晚于今天")
		return false
	}
	if b.Result != "pending" {
		if d, err := calendar.ParseDate(b.DecidedOn); err != nil || d.String() < b.FiledOn || d.String() > today {
			abortField(c, "decided_on", "审结日期无效（不早于立案日期，不晚于今天）")
			return false
		}
	} else {
		b.DecidedOn = ""
	}
	if b.ApplicationID != nil {
		if _, err := models.ApplicationInAgencies(c.Request.Context(), s.DB, *b.ApplicationID, []uint{principal(c).Agency.ID}); err != nil {
			abortField(c, "application_id", "关联的申请不存在")
			return false
		}
	}
	return true
}

func (s *Server) listAppeals(c *gin.Context) {
	var out []models.Appeal
	q := s.DB.WithContext(c.Request.Context()).Where("agency_id IN ?", principal(c).AgencyIDs)
	if y := c.Query("year"); y != "" {
		q = q.Where("filed_on LIKE ?", y+"-%")
	}
	if err := q.Order("filed_on DESC, id DESC").Find(&out).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	if out == nil {
		out = []models.Appeal{}
	}
	c.JSON(http.StatusOK, gin.H{"appeals": out})
}

func (s *Server) createAppeal(c *gin.Context) {
	var b appealBody
	if !bindJSON(c, &b) || !s.validAppeal(c, &b) {
		return
	}
	p := principal(c)
	a := models.Appeal{AgencyID: p.Agency.ID, ApplicationID: b.ApplicationID, Kind: b.Kind, FiledOn: b.FiledOn, Result: b.Result,
		DecidedOn: b.DecidedOn, Note: b.Note, CreatedBy: p.User.ID}
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "appeal_created",
			ObjectType: "appeal", ObjectID: strconv.FormatUint(uint64(a.ID), 10), RequestID: requestID(c)}, nil, a)
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

func (s *Server) updateAppeal(c *gin.Context) {
	var a models.Appeal
	err := s.DB.WithContext(c.Request.Context()).Where("id = ? AND agency_id IN ?", c.Param("id"), principal(c).AgencyIDs).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "案件不存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	var b appealBody
	if !bindJSON(c, &b) || !s.validAppeal(c, &b) {
		return
	}
	before := a
	a.ApplicationID, a.Kind, a.FiledOn, a.Result, a.DecidedOn, a.Note = b.ApplicationID, b.Kind, b.FiledOn, b.Result, b.DecidedOn, b.Note
	p := principal(c)
	err = s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Save(&a).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &a.AgencyID, Action: "appeal_updated",
			ObjectType: "appeal", ObjectID: strconv.FormatUint(uint64(a.ID), 10), RequestID: requestID(c)}, before, a)
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}
