package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/calendar"
	"gongkai/content"
	"gongkai/models"
	"gongkai/workflows"
)

func (s *Server) itemRoutes(g *gin.RouterGroup) {
	g.POST("/items", s.requireRole(models.RoleEditor), s.createItem)
	g.GET("/items", s.listItems)
	g.GET("/items/:id", s.getItem)
	g.PUT("/items/:id", s.requireRole(models.RoleEditor, models.RoleClerk), s.editItem)
	g.POST("/items/:id/submit", s.requireRole(models.RoleEditor, models.RoleClerk), s.submitItem)
	g.POST("/items/:id/withdraw", s.withdrawItem)
	g.POST("/items/:id/repeal", s.requireRole(models.RoleEditor), s.repealItem)
	g.GET("/items/:id/diff", s.diffItem)
	g.GET("/tasks", s.listTasks)
	g.POST("/tasks/:id/approve", s.decideTask(workflows.UpdateApprove))
	g.POST("/tasks/:id/return", s.decideTask(workflows.UpdateReturn))
	g.POST("/tasks/:id/assign", s.assignTask)
	g.GET("/notifications", s.listNotifications)
	g.POST("/notifications/:id/read", s.readNotification)
}

// itemContent is what an editor writes.
type itemContent struct {
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Body     string `json:"body"`
	Column   string `json:"column"`
	FormedOn string `json:"formed_on"`
	// For 规章 and 行政规范性文件 (the annual report's table 1): the type and
	// the date the document was issued.
	DocType  string `json:"doc_type"`
	IssuedOn string `json:"issued_on"`
}

// validate trims and checks the content, answering 400 with the field.
func (ic *itemContent) validate(c *gin.Context) bool {
	ic.Title, ic.Summary, ic.Column = strings.TrimSpace(ic.Title), strings.TrimSpace(ic.Summary), strings.TrimSpace(ic.Column)
	if !required(c, "title", ic.Title, "column", ic.Column, "formed_on", ic.FormedOn) {
		return false
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"title", ic.Title, 300}, {"summary", ic.Summary, 1000}, {"column", ic.Column, 64}, {"body", ic.Body, 200000}} {
		if utf8.RuneCountInString(f.v) > f.max {
			abortField(c, f.name, fmt.Sprintf("字段 %s 超过 %d 字", f.name, f.max))
			return false
		}
	}
	d, err := calendar.ParseDate(ic.FormedOn)
	if err != nil {
		abortField(c, "formed_on", "生成日期无效（格式 YYYY-MM-DD）："+ic.FormedOn)
		return false
	}
	if d.After(calendar.Today(time.Now())) {
		abortField(c, "formed_on", "生成日期不能晚于今天")
		return false
	}
	switch ic.DocType {
	case "":
		ic.IssuedOn = ""
	case models.DocRegulation, models.DocNormativeDocument:
		if d, err := calendar.ParseDate(ic.IssuedOn); err != nil || d.After(calendar.Today(time.Now())) {
			abortField(c, "issued_on", "规章、行政规范性文件须填写印发日期（YYYY-MM-DD，不晚于今天）")
			return false
		}
	default:
		abortField(c, "doc_type", "doc_type 应为空、regulation（规章）或 normative_document（行政规范性文件）")
		return false
	}
	return true
}

func (ic itemContent) hash() string {
	return models.ContentHash(ic.Title, ic.Summary, ic.Body, ic.Column, ic.FormedOn, nil)
}

func (s *Server) createItem(c *gin.Context) {
	var in itemContent
	if !bindJSON(c, &in) || !in.validate(c) {
		return
	}
	p := principal(c)
	item := models.Item{
		AgencyID: p.Agency.ID, Title: in.Title, Summary: in.Summary, Body: in.Body, Column: in.Column,
		FormedOn: in.FormedOn, Status: models.ItemDraft, Version: 1, Revision: 1, AuthorID: p.User.ID,
		DocType: in.DocType, IssuedOn: in.IssuedOn,
	}
	if cal, err := models.LoadCalendar(c.Request.Context(), s.DB); err == nil {
		if d, err := calendar.ParseDate(in.FormedOn); err == nil {
			if r, err := cal.AddWorkdays(p.Agency.Region, d, 20); err == nil {
				item.PublishDue = r.Due.String()
			}
		}
	}
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		var err error
		if item.IndexNo, err = models.NextIndexNo(tx, p.Agency, calendar.Today(time.Now()).Year); err != nil {
			return err
		}
		if err := tx.Create(&item).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.ItemRevision{ItemID: item.ID, Revision: 1, Title: in.Title, Summary: in.Summary, Body: in.Body,
			Column: in.Column, FormedOn: in.FormedOn, EditorID: p.User.ID, ContentHash: in.hash()}).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "create",
			ObjectType: "item", ObjectID: strconv.FormatUint(uint64(item.ID), 10), RequestID: requestID(c)}, nil, in)
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	// The Art.26 clock runs from creation. Should the start fail, the item
	// is stored and its first submission starts the workflow instead.
	if err := s.startItemWorkflow(c, s.itemInput(&item, p.Agency.Region)); err != nil {
		s.log.WarnContext(c.Request.Context(), "start item workflow", "item_id", item.ID, "request_id", requestID(c), "err", err)
	}
	s.writeItem(c, http.StatusCreated, &item)
}

func (s *Server) itemInput(it *models.Item, region string) workflows.ItemInput {
	in := workflows.ItemInput{ItemID: it.ID, AgencyID: it.AgencyID, AuthorID: it.AuthorID, Region: region, FormedOn: it.FormedOn, Kind: it.Kind}
	if it.ApplicationID != nil {
		in.ApplicationID = *it.ApplicationID
		var app models.Application
		if s.DB.Select("number").First(&app, *it.ApplicationID).Error == nil {
			in.ApplicationNumber = app.Number
		}
	}
	return in
}

// loadOwnItem is loadItem for changing an item: editors change items for
// publication, clerks the replies and extension requests of applications.
func (s *Server) loadOwnItem(c *gin.Context) (*models.Item, bool) {
	it, ok := s.loadItem(c)
	if !ok {
		return nil, false
	}
	need := models.RoleEditor
	if it.Kind != models.KindPublication {
		need = models.RoleClerk
	}
	if !principal(c).User.HasRole(need) {
		abort(c, http.StatusForbidden, CodeForbidden, "您没有修改该信息的权限（需要 "+models.RoleNames[need]+"）")
		return nil, false
	}
	return it, true
}

// loadItem reads the :id item if it is in the caller's scope, else 404.
func (s *Server) loadItem(c *gin.Context) (*models.Item, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err == nil {
		var it *models.Item
		it, err = models.ItemInAgencies(c.Request.Context(), s.DB, uint(id), principal(c).AgencyIDs)
		if err == nil {
			return it, true
		}
	}
	if err != nil && !errors.Is(err, models.ErrNotFound) && !errors.Is(err, strconv.ErrSyntax) && !errors.Is(err, strconv.ErrRange) {
		s.abortInternal(c, err)
		return nil, false
	}
	abort(c, http.StatusNotFound, CodeNotFound, "信息不存在")
	return nil, false
}

type editRequest struct {
	itemContent
	Version *int `json:"version"`
}

// editItem saves a new revision. Only drafts and returned items can change,
// and only from the version the editor last saw.
func (s *Server) editItem(c *gin.Context) {
	it, ok := s.loadOwnItem(c)
	if !ok {
		return
	}
	var in editRequest
	if !bindJSON(c, &in) {
		return
	}
	if in.Version == nil {
		abortField(c, "version", "缺少 version（编辑时所依据的版本号）")
		return
	}
	if !in.validate(c) {
		return
	}
	if s.saveRevision(c, it, *in.Version, in.itemContent, "edit", nil) {
		s.writeItem(c, http.StatusOK, it)
	}
}

// saveRevision stores content as the item's next revision, provided the
// item is a draft or returned and still at version. change, if given, runs
// in the same transaction first (adding or removing an attachment); the
// revision's hash covers the attachments as they are after it. On failure
// it has answered the request and returns false.
func (s *Server) saveRevision(c *gin.Context, it *models.Item, version int, ic itemContent, action string, change func(tx *gorm.DB, rev int) error) bool {
	if it.Status != models.ItemDraft && it.Status != models.ItemReturned {
		abort(c, http.StatusConflict, CodeInvalidState, "只有草稿或退回的信息可以修改（当前状态 "+it.Status+"）")
		return false
	}
	p := principal(c)
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Item{}).
			Where("id = ? AND version = ? AND status IN ?", it.ID, version, []string{models.ItemDraft, models.ItemReturned}).
			Updates(map[string]any{"title": ic.Title, "summary": ic.Summary, "body": ic.Body, "column": ic.Column,
				"formed_on": ic.FormedOn, "doc_type": ic.DocType, "issued_on": ic.IssuedOn,
				"version": gorm.Expr("version + 1"), "revision": gorm.Expr("revision + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errVersionConflict
		}
		if err := tx.First(it, it.ID).Error; err != nil {
			return err
		}
		if change != nil {
			if err := change(tx, it.Revision); err != nil {
				return err
			}
		}
		atts, err := models.CurrentAttachments(c.Request.Context(), tx, it.ID)
		if err != nil {
			return err
		}
		if err := tx.Create(&models.ItemRevision{ItemID: it.ID, Revision: it.Revision, Title: ic.Title, Summary: ic.Summary, Body: ic.Body,
			Column: ic.Column, FormedOn: ic.FormedOn, EditorID: p.User.ID,
			ContentHash: models.ContentHash(ic.Title, ic.Summary, ic.Body, ic.Column, ic.FormedOn, models.AttachmentHashes(atts))}).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: action,
			ObjectType: "item", ObjectID: strconv.FormatUint(uint64(it.ID), 10), RequestID: requestID(c)},
			nil, gin.H{"revision": it.Revision, "content": ic})
	})
	switch {
	case errors.Is(err, errVersionConflict):
		abort(c, http.StatusConflict, CodeVersionConflict, "该信息已被他人修改或已提交，请刷新后在最新版本上修改")
	case errors.Is(err, models.ErrNotFound):
		abort(c, http.StatusNotFound, CodeNotFound, "附件不存在")
	case err != nil:
		s.abortInternal(c, err)
	default:
		return true
	}
	return false
}

var errVersionConflict = errors.New("version conflict")

func (s *Server) submitItem(c *gin.Context) {
	it, ok := s.loadOwnItem(c)
	if !ok {
		return
	}
	req, err := s.submitRequest(c.Request.Context(), it, actorOf(principal(c)))
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	region := s.agencyRegion(c, it.AgencyID)
	in := s.itemInput(it, region)
	res, ok := s.updateItem(c, &in, it.ID, workflows.UpdateSubmit, s.updateID(c, "submit", it.ID, req.Revision), req)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, res)
}

// submitRequest submits the item's current revision as actor: the chain for
// its column as configured now, and everyone who wrote a revision.
func (s *Server) submitRequest(ctx context.Context, it *models.Item, actor workflows.Actor) (workflows.SubmitRequest, error) {
	var revs []models.ItemRevision
	if err := s.DB.WithContext(ctx).Where("item_id = ?", it.ID).Order("revision").Find(&revs).Error; err != nil || len(revs) == 0 {
		return workflows.SubmitRequest{}, fmt.Errorf("revisions of item %d: %v", it.ID, err)
	}
	steps, err := models.ChainFor(ctx, s.DB, it.AgencyID, it.Column)
	if err != nil {
		return workflows.SubmitRequest{}, err
	}
	if it.Kind == models.KindExtension {
		steps = models.ExtensionChain
	}
	var editors []uint
	for _, r := range revs {
		editors = append(editors, r.EditorID)
	}
	cur := revs[len(revs)-1]
	return workflows.SubmitRequest{
		Actor: actor, Revision: cur.Revision, ContentHash: cur.ContentHash, EditorIDs: editors,
		Steps: steps, Title: it.Title, Column: it.Column,
	}, nil
}

func (s *Server) withdrawItem(c *gin.Context) {
	it, ok := s.loadItem(c)
	if !ok {
		return
	}
	res, ok := s.updateItem(c, nil, it.ID, workflows.UpdateWithdraw, s.updateID(c, "withdraw", it.ID, 0), workflows.WithdrawRequest{Actor: actorOf(principal(c))})
	if !ok {
		return
	}
	c.JSON(http.StatusOK, res)
}

// contentOf is the item's current content, for saves that change only
// its attachments.
func contentOf(it *models.Item) itemContent {
	return itemContent{Title: it.Title, Summary: it.Summary, Body: it.Body, Column: it.Column, FormedOn: it.FormedOn,
		DocType: it.DocType, IssuedOn: it.IssuedOn}
}

func actorOf(p *auth.Principal) workflows.Actor {
	return workflows.Actor{UserID: p.User.ID, Roles: p.User.RoleList()}
}

// updateID makes a retried request (same Idempotency-Key) the same Update,
// which Temporal applies once; without a key each request is its own.
func (s *Server) updateID(c *gin.Context, action string, id uint, n int) string {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return ""
	}
	return fmt.Sprintf("u%d/%s/%d/%d/%s", principal(c).User.ID, action, id, n, key)
}

func (s *Server) agencyRegion(c *gin.Context, agencyID uint) string {
	if p := principal(c); p != nil && p.Agency.ID == agencyID {
		return p.Agency.Region
	}
	var a models.Agency
	s.DB.WithContext(c.Request.Context()).Select("region").First(&a, agencyID)
	return a.Region
}

// itemView is an item with its chain and history.
type itemView struct {
	*models.Item
	Attachments []models.Attachment `json:"attachments"`
	Steps       []models.Task       `json:"steps"`
	History     []models.AuditEvent `json:"history"`
}

func (s *Server) writeItem(c *gin.Context, status int, it *models.Item) {
	v := itemView{Item: it, Steps: []models.Task{}}
	db := s.DB.WithContext(c.Request.Context())
	if err := db.Where("item_id = ?", it.ID).Order("round, step").Find(&v.Steps).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	var err error
	if v.Attachments, err = models.CurrentAttachments(c.Request.Context(), s.DB, it.ID); err != nil {
		s.abortInternal(c, err)
		return
	}
	if v.History, err = models.AuditTrail(c.Request.Context(), s.DB, "item", strconv.FormatUint(uint64(it.ID), 10)); err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(status, v)
}

func (s *Server) getItem(c *gin.Context) {
	if it, ok := s.loadItem(c); ok {
		s.writeItem(c, http.StatusOK, it)
	}
}

// listItems lists the caller's agency's items, newest first.
func (s *Server) listItems(c *gin.Context) {
	kind := c.DefaultQuery("kind", models.KindPublication)
	q := s.DB.WithContext(c.Request.Context()).Model(&models.Item{}).Where("agency_id IN ? AND kind = ?", principal(c).AgencyIDs, kind)
	if st := c.Query("status"); st != "" {
		q = q.Where("status = ?", st)
	}
	if col := c.Query("column"); col != "" {
		q = q.Where("`column` = ?", col)
	}
	if text := strings.TrimSpace(c.Query("q")); text != "" {
		like := "%" + models.EscapeLike(text) + "%"
		q = q.Where("(title LIKE ? ESCAPE '!' OR index_no LIKE ? ESCAPE '!')", like, like)
	}
	limit, offset := paging(c)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	items := []models.Item{}
	if err := q.Omit("body").Order("id DESC").Limit(limit).Offset(offset).Find(&items).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "limit": limit, "offset": offset})
}

// paging reads limit (1..200, default 50) and offset.
func paging(c *gin.Context) (limit, offset int) {
	limit, offset = 50, 0
	if v, err := strconv.Atoi(c.Query("limit")); err == nil && v > 0 {
		limit = min(v, 200)
	}
	if v, err := strconv.Atoi(c.Query("offset")); err == nil && v > 0 {
		offset = v
	}
	return limit, offset
}

// diffItem shows what changed between two revisions.
func (s *Server) diffItem(c *gin.Context) {
	it, ok := s.loadItem(c)
	if !ok {
		return
	}
	from, errFrom := strconv.Atoi(c.Query("from"))
	to, errTo := strconv.Atoi(c.Query("to"))
	if errFrom != nil || from < 1 {
		abortField(c, "from", "参数 from 应为修订版本号")
		return
	}
	if errTo != nil || to < 1 {
		abortField(c, "to", "参数 to 应为修订版本号")
		return
	}
	var revs []models.ItemRevision
	if err := s.DB.WithContext(c.Request.Context()).Where("item_id = ? AND revision IN ?", it.ID, []int{from, to}).Find(&revs).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	byRev := map[int]models.ItemRevision{}
	for _, r := range revs {
		byRev[r.Revision] = r
	}
	a, okA := byRev[from]
	b, okB := byRev[to]
	if !okA || !okB {
		abort(c, http.StatusNotFound, CodeNotFound, "修订版本不存在")
		return
	}
	var atts []models.Attachment
	if err := s.DB.WithContext(c.Request.Context()).Where("item_id = ?", it.ID).Order("id").Find(&atts).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	fields := func(r models.ItemRevision) map[string]string {
		var names []string
		for _, a := range atts {
			if a.AddedIn <= r.Revision && (a.RemovedIn == nil || *a.RemovedIn > r.Revision) {
				names = append(names, a.Name+"（"+a.SHA256[:8]+"）")
			}
		}
		return map[string]string{"title": r.Title, "summary": r.Summary, "body": r.Body, "column": r.Column,
			"formed_on": r.FormedOn, "attachments": strings.Join(names, "\n")}
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "fields": content.DiffFields(fields(a), fields(b))})
}

// repealItem drafts the decision to repeal a published 规章 or 行政规范性文件:
// a new item that goes through the chain like any other; when it is
// published, the document counts as repealed that day.
func (s *Server) repealItem(c *gin.Context) {
	orig, ok := s.loadItem(c)
	if !ok {
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if !bindJSON(c, &in) || !required(c, "reason", in.Reason) {
		return
	}
	if orig.Status != models.ItemPublished || orig.DocType == "" || orig.RepealedOn != "" {
		abort(c, http.StatusConflict, CodeInvalidState, "只有已发布、未废止的规章或行政规范性文件可以废止")
		return
	}
	p := principal(c)
	today := calendar.Today(time.Now()).String()
	item := models.Item{AgencyID: orig.AgencyID, Title: "关于废止《" + orig.Title + "》的决定", Summary: "废止 " + orig.IndexNo,
		Body: strings.TrimSpace(in.Reason), Column: orig.Column, FormedOn: today, Status: models.ItemDraft, Version: 1, Revision: 1,
		AuthorID: p.User.ID, Kind: models.KindPublication, Repeals: &orig.ID}
	err := s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		var agency models.Agency
		if err := tx.First(&agency, orig.AgencyID).Error; err != nil {
			return err
		}
		var err error
		if item.IndexNo, err = models.NextIndexNo(tx, &agency, calendar.Today(time.Now()).Year); err != nil {
			return err
		}
		if err := tx.Create(&item).Error; err != nil {
			return err
		}
		ic := contentOf(&item)
		if err := tx.Create(&models.ItemRevision{ItemID: item.ID, Revision: 1, Title: item.Title, Summary: item.Summary, Body: item.Body,
			Column: item.Column, FormedOn: item.FormedOn, EditorID: p.User.ID, ContentHash: ic.hash()}).Error; err != nil {
			return err
		}
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &item.AgencyID, Action: "repeal_drafted",
			ObjectType: "item", ObjectID: strconv.FormatUint(uint64(orig.ID), 10), RequestID: requestID(c)}, nil, gin.H{"decision_item_id": item.ID})
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := s.startItemWorkflow(c, s.itemInput(&item, s.agencyRegion(c, item.AgencyID))); err != nil {
		s.log.WarnContext(c.Request.Context(), "start item workflow", "item_id", item.ID, "request_id", requestID(c), "err", err)
	}
	s.writeItem(c, http.StatusCreated, &item)
}
