package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
	"gongkai/models"
	"gongkai/web"
)

// mountWeb adds the web UI (package web) to the engine. The UI holds no
// business rules: it reads and changes everything through this server's
// JSON API, called in-process with the session's token, plus the few
// read-only lookups of webBackend below that the JSON API does not offer.
// Unknown addresses outside /api/ answer with the UI's HTML pages.
func (s *Server) mountWeb(e *gin.Engine) {
	ui := web.Mount(e, webBackend{s})
	e.NoRoute(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) {
			abort(c, http.StatusNotFound, CodeNotFound, "请求的地址不存在")
			return
		}
		ui.NotFound(c)
	})
	e.NoMethod(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) {
			abort(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "该地址不支持此请求方法")
			return
		}
		ui.MethodNotAllowed(c)
	})
}

// isAPIPath tells the JSON routes (and the operations endpoints) from pages.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// webBackend is the API server as package web sees it.
type webBackend struct{ s *Server }

func (b webBackend) API() http.Handler    { return b.s.engine }
func (b webBackend) Logger() *slog.Logger { return b.s.log }

func (b webBackend) Authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	return b.s.Auth.Authenticate(ctx, token)
}

// AuthoredItems lists the caller's own items within their scope, most
// recently changed first; status "" means any.
func (b webBackend) AuthoredItems(ctx context.Context, p *auth.Principal, status string, limit, offset int) ([]models.Item, int64, error) {
	q := b.s.DB.WithContext(ctx).Model(&models.Item{}).Where("author_id = ? AND agency_id IN ?", p.User.ID, p.AgencyIDs)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	items := []models.Item{}
	err := q.Omit("body").Order("updated_at DESC, id DESC").Limit(limit).Offset(offset).Find(&items).Error
	return items, total, err
}

// DecidedTasks lists the tasks the caller approved or returned within their
// scope, most recent first, with the current status of each task's item.
func (b webBackend) DecidedTasks(ctx context.Context, p *auth.Principal, limit, offset int) ([]models.Task, int64, map[uint]string, error) {
	db := b.s.DB.WithContext(ctx)
	q := db.Model(&models.Task{}).Where("actor_id = ? AND agency_id IN ? AND state IN ?",
		p.User.ID, p.AgencyIDs, []string{models.TaskApproved, models.TaskReturned})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, nil, err
	}
	tasks := []models.Task{}
	if err := q.Order("closed_at DESC, id DESC").Limit(limit).Offset(offset).Find(&tasks).Error; err != nil {
		return nil, 0, nil, err
	}
	ids := make([]uint, 0, len(tasks))
	for _, t := range tasks {
		ids = append(ids, t.ItemID)
	}
	status := map[uint]string{}
	if len(ids) > 0 {
		var items []models.Item
		if err := db.Select("id", "status").Where("id IN ? AND agency_id IN ?", ids, p.AgencyIDs).Find(&items).Error; err != nil {
			return nil, 0, nil, err
		}
		for _, it := range items {
			status[it.ID] = it.Status
		}
	}
	return tasks, total, status, nil
}

// Names gives the display names of the users and agencies among the ids
// that are in the caller's scope (signers on an item's review sheet).
func (b webBackend) Names(ctx context.Context, p *auth.Principal, userIDs, agencyIDs []uint) (map[uint]string, map[uint]string, error) {
	db := b.s.DB.WithContext(ctx)
	users, agencies := map[uint]string{}, map[uint]string{}
	if len(userIDs) > 0 {
		var us []models.User
		if err := db.Select("id", "username", "display_name").Where("id IN ? AND agency_id IN ?", userIDs, p.AgencyIDs).Find(&us).Error; err != nil {
			return nil, nil, err
		}
		for _, u := range us {
			users[u.ID] = u.Name()
		}
	}
	if len(agencyIDs) > 0 {
		var as []models.Agency
		if err := db.Select("id", "name").Where("id IN ? AND id IN ?", agencyIDs, p.AgencyIDs).Find(&as).Error; err != nil {
			return nil, nil, err
		}
		for _, a := range as {
			agencies[a.ID] = a.Name
		}
	}
	return users, agencies, nil
}

// RoleHolders lists whom a task of role in agencyID may be assigned to; an
// agency outside the caller's scope has none.
func (b webBackend) RoleHolders(ctx context.Context, p *auth.Principal, agencyID uint, role string) ([]models.User, error) {
	if !slices.Contains(p.AgencyIDs, agencyID) {
		return nil, nil
	}
	return models.RoleHolders(ctx, b.s.DB, agencyID, role)
}
