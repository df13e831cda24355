package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/models"
	"gongkai/workflows"
)

// taskView is one inbox row.
type taskView = models.InboxTask

// inboxQuery selects the open tasks the caller may act on: those of their
// agency for a role they hold (unassigned) or assigned to them, leaving out
// items they wrote or edited and steps that segregation of duties bars.
func inboxQuery(db *gorm.DB, userID uint, agencyID uint, roles []string) *gorm.DB {
	return db.Model(&models.Task{}).
		Where("tasks.agency_id = ? AND tasks.state = ?", agencyID, models.TaskOpen).
		Where("((tasks.assignee_id IS NULL AND tasks.role IN ?) OR tasks.assignee_id = ?)", roles, userID).
		Where("NOT EXISTS (SELECT 1 FROM item_revisions r WHERE r.item_id = tasks.item_id AND r.editor_id = ?)", userID).
		Where("NOT EXISTS (SELECT 1 FROM tasks d WHERE d.item_id = tasks.item_id AND d.actor_id = ? AND d.state IN ? AND d.revision = tasks.revision AND d.step <> tasks.step)",
			userID, []string{models.TaskApproved, models.TaskReturned})
}

func (s *Server) listTasks(c *gin.Context) {
	p := principal(c)
	today := calendar.Today(time.Now()).String()
	base := inboxQuery(s.DB.WithContext(c.Request.Context()), p.User.ID, p.Agency.ID, p.User.RoleList())
	var open, overdue int64
	if err := base.Session(&gorm.Session{}).Count(&open).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := base.Session(&gorm.Session{}).Where("tasks.due_on < ?", today).Count(&overdue).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	q := base.Session(&gorm.Session{})
	if st := c.Query("step"); st != "" {
		q = q.Where("tasks.step_name = ?", st)
	}
	if col := c.Query("column"); col != "" {
		q = q.Where("tasks.`column` = ?", col)
	}
	switch c.Query("overdue") {
	case "true", "1":
		q = q.Where("tasks.due_on < ?", today)
	case "false", "0":
		q = q.Where("tasks.due_on >= ?", today)
	}
	if text := strings.TrimSpace(c.Query("q")); text != "" {
		q = q.Where("tasks.title LIKE ? ESCAPE '!'", "%"+escapeLike(text)+"%")
	}
	limit, offset := paging(c)
	var rows []models.Task
	if err := q.Order("tasks.due_on, tasks.id").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	out := make([]taskView, len(rows))
	for i, t := range rows {
		out[i] = taskView{ID: t.ID, ItemID: t.ItemID, Title: t.Title, Column: t.Column, Step: t.StepName, Role: t.Role,
			DueOn: t.DueOn, Overdue: t.DueOn < today, Assignee: t.AssigneeID, Revision: t.Revision,
			OpenedAt: t.OpenedAt.UTC().Format(time.RFC3339), StepNumber: t.Step + 1,
			ApplicationID: t.ApplicationID, ApplicationNumber: t.ApplicationNumber}
	}
	c.JSON(http.StatusOK, gin.H{"tasks": out, "counts": gin.H{"open": open, "overdue": overdue}})
}

// loadTask reads the :id task if it is in the caller's scope, else 404.
func (s *Server) loadTask(c *gin.Context) (*models.Task, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil {
		abort(c, http.StatusNotFound, CodeNotFound, "待办不存在")
		return nil, false
	}
	var t models.Task
	err = s.DB.WithContext(c.Request.Context()).Where("id = ? AND agency_id IN ?", id, principal(c).AgencyIDs).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "待办不存在")
		return nil, false
	}
	if err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	return &t, true
}

type decisionBody struct {
	Comment string `json:"comment"`
}

// decideTask approves or returns a task through the item's workflow, which
// enforces every rule; a closed task is refused before asking it.
func (s *Server) decideTask(update string) gin.HandlerFunc {
	return func(c *gin.Context) {
		t, ok := s.loadTask(c)
		if !ok {
			return
		}
		var body decisionBody
		if c.Request.ContentLength != 0 && !bindJSON(c, &body) {
			return
		}
		if update == workflows.UpdateReturn && strings.TrimSpace(body.Comment) == "" {
			abortField(c, "comment", "退回时必须填写意见")
			return
		}
		if t.State != models.TaskOpen {
			abort(c, http.StatusConflict, CodeTaskClosed, "该待办已办结")
			return
		}
		p := principal(c)
		req := workflows.DecisionRequest{Actor: actorOf(p), TaskID: t.ID, Comment: strings.TrimSpace(body.Comment)}
		res, ok := s.updateItem(c, nil, t.ItemID, update, s.updateID(c, update, t.ID, 0), req)
		if !ok {
			return
		}
		c.JSON(http.StatusOK, res)
	}
}

type assignBody struct {
	AssigneeID *uint  `json:"assignee_id"`
	Username   string `json:"username"`
}

// assignTask names who must act: a holder claims it (themselves) or
// delegates it, an admin reassigns it; recorded as on behalf of the caller.
func (s *Server) assignTask(c *gin.Context) {
	t, ok := s.loadTask(c)
	if !ok {
		return
	}
	var body assignBody
	if !bindJSON(c, &body) {
		return
	}
	var assignee *models.User
	var err error
	switch {
	case body.AssigneeID != nil:
		assignee, err = models.UserInAgencies(c.Request.Context(), s.DB, *body.AssigneeID, []uint{t.AgencyID})
	case body.Username != "":
		assignee, err = models.UserByUsername(c.Request.Context(), s.DB, body.Username)
		if err == nil && assignee.AgencyID != t.AgencyID {
			err = models.ErrNotFound
		}
	default:
		abortField(c, "assignee_id", "缺少被指定人 assignee_id 或 username")
		return
	}
	if errors.Is(err, models.ErrNotFound) || (err == nil && assignee.Disabled) {
		abortField(c, "assignee_id", "被指定的人不存在或不属于本机关")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	if t.State != models.TaskOpen {
		abort(c, http.StatusConflict, CodeTaskClosed, "该待办已办结")
		return
	}
	req := workflows.AssignRequest{Actor: actorOf(principal(c)), TaskID: t.ID, AssigneeID: assignee.ID, AssigneeRoles: assignee.RoleList()}
	res, ok := s.updateItem(c, nil, t.ItemID, workflows.UpdateAssign, s.updateID(c, "assign", t.ID, int(assignee.ID)), req)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) listNotifications(c *gin.Context) {
	q := s.DB.WithContext(c.Request.Context()).Where("user_id = ?", principal(c).User.ID)
	if c.Query("unread") == "true" {
		q = q.Where("read_at IS NULL")
	}
	limit, offset := paging(c)
	ns := []models.Notification{}
	if err := q.Order("id DESC").Limit(limit).Offset(offset).Find(&ns).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	var unread int64
	s.DB.WithContext(c.Request.Context()).Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", principal(c).User.ID).Count(&unread)
	c.JSON(http.StatusOK, gin.H{"notifications": ns, "unread": unread})
}

func (s *Server) readNotification(c *gin.Context) {
	id, _ := strconv.ParseUint(c.Param("id"), 10, 32)
	q := s.DB.WithContext(c.Request.Context()).Model(&models.Notification{}).Where("id = ? AND user_id = ?", id, principal(c).User.ID)
	var n int64
	if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	if n == 0 {
		abort(c, http.StatusNotFound, CodeNotFound, "通知不存在")
		return
	}
	if err := q.Where("read_at IS NULL").Update("read_at", time.Now().UTC()).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
