package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/calendar"
	"gongkai/models"
	"gongkai/workflows"
)

func (s *Server) agencyRoutes(g *gin.RouterGroup) {
	admin := g.Group("/agency", s.requireRole(models.RoleAdmin))
	admin.GET("", s.getAgencySettings)
	admin.PUT("", s.putAgencySettings)
	admin.GET("/chains", s.listChains)
	admin.PUT("/chains", s.putChain)
}

func (s *Server) getAgencySettings(c *gin.Context) {
	c.JSON(http.StatusOK, principal(c).Agency)
}

var mmdd = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)

// putAgencySettings changes the caller's agency's settings: the annual
// report deadline (MM-DD of the following year).
func (s *Server) putAgencySettings(c *gin.Context) {
	var in struct {
		ReportDeadline string `json:"report_deadline"`
	}
	if !bindJSON(c, &in) {
		return
	}
	if _, err := time.Parse("01-02", in.ReportDeadline); err != nil || !mmdd.MatchString(in.ReportDeadline) {
		abortField(c, "report_deadline", "年度报告公布期限应为 MM-DD，如 01-31")
		return
	}
	p := principal(c)
	before := *p.Agency
	if err := s.DB.WithContext(c.Request.Context()).Model(p.Agency).Update("report_deadline", in.ReportDeadline).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := models.Audit(c.Request.Context(), s.DB, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "agency_settings",
		ObjectType: "agency", ObjectID: p.Agency.Code, RequestID: requestID(c)}, before, p.Agency); err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, p.Agency)
}

// listChains shows the caller's agency's review chains: the default and
// each column's own.
func (s *Server) listChains(c *gin.Context) {
	p := principal(c)
	var cfgs []models.ChainConfig
	if err := s.DB.WithContext(c.Request.Context()).Where("agency_id = ?", p.Agency.ID).Order("`column`").Find(&cfgs).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	out := []gin.H{}
	hasDefault := false
	for _, cfg := range cfgs {
		steps, err := models.ChainFor(c.Request.Context(), s.DB, p.Agency.ID, cfg.Column)
		if err != nil {
			s.abortInternal(c, err)
			return
		}
		hasDefault = hasDefault || cfg.Column == ""
		out = append(out, gin.H{"column": cfg.Column, "steps": steps})
	}
	if !hasDefault {
		out = append([]gin.H{{"column": "", "steps": models.DefaultChain}}, out...)
	}
	c.JSON(http.StatusOK, gin.H{"chains": out})
}

type chainBody struct {
	Column string             `json:"column"`
	Steps  []models.ChainStep `json:"steps"`
}

// putChain sets the chain for a column ("" = the agency's default). It
// applies to items submitted from now on; items under review keep theirs.
func (s *Server) putChain(c *gin.Context) {
	var body chainBody
	if !bindJSON(c, &body) {
		return
	}
	body.Column = strings.TrimSpace(body.Column)
	if err := models.ValidateChain(body.Steps); err != nil {
		abortField(c, "steps", "审核流程无效："+err.Error())
		return
	}
	p := principal(c)
	before, err := models.ChainFor(c.Request.Context(), s.DB, p.Agency.ID, body.Column)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := models.SetChain(c.Request.Context(), s.DB, p.Agency.ID, body.Column, body.Steps); err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := models.Audit(c.Request.Context(), s.DB, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "chain_changed",
		ObjectType: "agency", ObjectID: p.Agency.Code, RequestID: requestID(c)}, gin.H{"column": body.Column, "steps": before}, body); err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

// signalOpenClocks tells every open item's and application's workflow in
// the regions a calendar change touched to recompute its dates.
func (s *Server) signalOpenClocks(ctx context.Context, ch calendar.OverlayChanged) error {
	national := false
	var regions []string
	for _, r := range ch.Ranges {
		national = national || r.Region == ""
		regions = append(regions, r.Region)
	}
	var ids []string
	for _, q := range []struct {
		table    string
		statuses []string
		id       func(uint) string
	}{
		{"items", []string{models.ItemDraft, models.ItemInReview, models.ItemInApproval, models.ItemReturned}, workflows.ItemWorkflowID},
		{"applications", []string{models.AppRegistered, models.AppCorrection, models.AppConsulting, models.AppFeePending, models.AppReplyReview, models.AppReplyReady}, workflows.ApplicationWorkflowID},
	} {
		db := s.DB.WithContext(ctx).Table(q.table).Joins("JOIN agencies ON agencies.id = "+q.table+".agency_id").
			Where(q.table+".status IN ?", q.statuses)
		if !national {
			db = db.Where("agencies.region IN ?", regions)
		}
		var rows []uint
		if err := db.Pluck(q.table+".id", &rows).Error; err != nil {
			return err
		}
		for _, id := range rows {
			ids = append(ids, q.id(id))
		}
	}
	var firstErr error
	for _, id := range ids {
		if err := s.Temporal.SignalWorkflow(ctx, id, "", calendar.OverlayChangedSignal, ch); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
