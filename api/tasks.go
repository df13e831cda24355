package api

import (
	"errors"
	"fmt"
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

func (s *Server) listTasks(c *gin.Context) {
	p := principal(c)
	q := models.InboxQuery{
		UserID: p.User.ID, AgencyID: p.Agency.ID, Roles: p.User.RoleList(),
		Today:    calendar.Today(time.Now()).String(),
		StepName: c.Query("step"), Column: c.Query("column"), Text: strings.TrimSpace(c.Query("q")),
	}
	switch c.Query("overdue") {
	case "true", "1":
		q.Overdue = new(true)
	case "false", "0":
		q.Overdue = new(false)
	}
	ctx := c.Request.Context()
	open, overdue, err := models.InboxCounts(ctx, s.DB, q)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	limit, offset := paging(c)
	if offset > models.MaxInboxOffset {
		abortField(c, "offset", fmt.Sprintf("待办列表最多从第 %d 条起翻页，请用筛选条件缩小范围", models.MaxInboxOffset))
		return
	}
	rows, err := models.InboxPage(ctx, s.DB, q, limit, offset)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	out := make([]taskView, len(rows))
	for i, t := range rows {
		out[i] = taskView{ID: t.ID, ItemID: t.ItemID, Title: t.Title, Column: t.Column, Step: t.StepName, Role: t.Role,
			DueOn: t.DueOn, Overdue: t.DueOn < q.Today, Assignee: t.AssigneeID, Revision: t.Revision,
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
			// Refused; but the workflow may not know the task closed yet
			// (see catchUpItem): bring it up, so the next step can be decided.
			s.catchUpItem(c.Request.Context(), t.ItemID)
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
		s.catchUpItem(c.Request.Context(), t.ItemID) // as in decideTask
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
