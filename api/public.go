package api

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/content"
	"gongkai/models"
)

// publicItem is what the 政府信息公开目录 shows of an item (条例 Art.12:
// 索引、名称、内容概述、生成日期), and nothing else.
type publicItem struct {
	IndexNo     string        `json:"index_no"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	FormedOn    string        `json:"formed_on"`
	PublishedOn string        `json:"published_on"`
	Column      string        `json:"column"`
	BodyHTML    template.HTML `json:"body_html,omitempty"`
	Attachments []publicFile  `json:"attachments,omitempty"`
}

type publicFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

func newPublicItem(it *models.Item, withBody bool) publicItem {
	p := publicItem{IndexNo: it.IndexNo, Title: it.Title, Summary: it.Summary, FormedOn: it.FormedOn, Column: it.Column}
	if it.PublishedAt != nil {
		p.PublishedOn = it.PublishedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	}
	if withBody {
		p.BodyHTML = content.RenderMarkdown(it.Body)
	}
	return p
}

func (s *Server) publicRoutes(g *gin.RouterGroup) {
	g.GET("/public/:agency/items", s.publicItems)
	g.GET("/public/:agency/items/:index_no", s.publicItem)
	g.GET("/public/:agency/items/:index_no/attachments/:aid", s.publicAttachment)
}

// publishedItem reads the :index_no item of the :agency if it is published.
func (s *Server) publishedItem(c *gin.Context) (*models.Item, bool) {
	a, ok := s.publicAgency(c)
	if !ok {
		return nil, false
	}
	var it models.Item
	err := s.DB.WithContext(c.Request.Context()).Where("agency_id = ? AND index_no = ? AND status = ?", a.ID, c.Param("index_no"), models.ItemPublished).First(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "信息不存在或未公开")
		return nil, false
	}
	if err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	return &it, true
}

func (s *Server) publicAttachment(c *gin.Context) {
	if it, ok := s.publishedItem(c); ok {
		s.serveAttachment(c, it.ID, true)
	}
}

func (s *Server) publicAgency(c *gin.Context) (*models.Agency, bool) {
	a, err := models.AgencyByCode(c.Request.Context(), s.DB, c.Param("agency"))
	if errors.Is(err, models.ErrNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "机关不存在")
		return nil, false
	}
	if err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	return a, true
}

// publicItems is the agency's catalogue: published items only, newest
// first, paged; no login.
func (s *Server) publicItems(c *gin.Context) {
	a, ok := s.publicAgency(c)
	if !ok {
		return
	}
	q := s.DB.WithContext(c.Request.Context()).Model(&models.Item{}).Where("agency_id = ? AND status = ?", a.ID, models.ItemPublished)
	if col := c.Query("column"); col != "" {
		q = q.Where("`column` = ?", col)
	}
	limit, offset := paging(c)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	var rows []models.Item
	if err := q.Omit("body").Order("published_at DESC, id DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	out := make([]publicItem, len(rows))
	for i := range rows {
		out[i] = newPublicItem(&rows[i], false)
	}
	c.JSON(http.StatusOK, gin.H{"agency": gin.H{"code": a.Code, "name": a.Name}, "items": out, "total": total, "limit": limit, "offset": offset})
}

func (s *Server) publicItem(c *gin.Context) {
	it, ok := s.publishedItem(c)
	if !ok {
		return
	}
	atts, err := models.CurrentAttachments(c.Request.Context(), s.DB, it.ID)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	v := newPublicItem(it, true)
	for _, a := range atts {
		v.Attachments = append(v.Attachments, publicFile{Name: a.Name, Size: a.Size,
			URL: fmt.Sprintf("/api/v1/public/%s/items/%s/attachments/%d", c.Param("agency"), it.IndexNo, a.ID)})
	}
	c.JSON(http.StatusOK, v)
}
