package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/models"
)

// userAdminRoutes are the admin's user management: add, change roles,
// disable, reset a password. All within the admin's scope.
func (s *Server) userAdminRoutes(g *gin.RouterGroup) {
	admin := g.Group("/users", s.requireRole(models.RoleAdmin))
	admin.POST("", s.addUser)
	admin.PUT("/:id", s.changeUser)
	admin.POST("/:id/password", s.resetPassword)
}

type newUserBody struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Password    string   `json:"password"`
	Roles       []string `json:"roles"`
	Agency      string   `json:"agency"` // code; default the admin's own agency
}

// validRoles checks a role list, naming the field on failure.
func validRoles(c *gin.Context, roles []string) ([]string, bool) {
	list, err := models.ParseRoles(strings.Join(roles, ","))
	if err != nil {
		abortField(c, "roles", "角色无效："+err.Error())
		return nil, false
	}
	return list, true
}

func (s *Server) addUser(c *gin.Context) {
	var in newUserBody
	if !bindJSON(c, &in) {
		return
	}
	in.Username, in.DisplayName = strings.TrimSpace(in.Username), strings.TrimSpace(in.DisplayName)
	if !required(c, "username", in.Username, "password", in.Password) {
		return
	}
	if utf8.RuneCountInString(in.Username) > 64 || strings.ContainsAny(in.Username, " \t\r\n") {
		abortField(c, "username", "用户名不能含空白，最长 64 个字符")
		return
	}
	roles, ok := validRoles(c, in.Roles)
	if !ok {
		return
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		abortField(c, "password", "密码无效："+err.Error())
		return
	}
	p := principal(c)
	agency := p.Agency
	if in.Agency != "" && in.Agency != agency.Code {
		a, err := models.AgencyByCode(c.Request.Context(), s.DB, in.Agency)
		if err != nil || !slices.Contains(p.AgencyIDs, a.ID) {
			abortField(c, "agency", "机关不存在")
			return
		}
		agency = a
	}
	u := &models.User{AgencyID: agency.ID, Username: in.Username, DisplayName: in.DisplayName, PasswordHash: hash}
	ctx := c.Request.Context()
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.CreateUser(ctx, tx, u, roles); err != nil {
			return err
		}
		return models.Audit(ctx, tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &agency.ID, Action: "user_added",
			ObjectType: "user", ObjectID: strconv.FormatUint(uint64(u.ID), 10), RequestID: requestID(c)},
			nil, gin.H{"username": u.Username, "roles": roles})
	})
	if errors.Is(err, models.ErrUsernameTaken) {
		abort(c, http.StatusConflict, CodeConflict, "用户名已存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusCreated, newUserView(u))
}

// scopedUser loads :id within the admin's scope, else answers 404.
func (s *Server) scopedUser(c *gin.Context) (*models.User, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err == nil {
		var u *models.User
		if u, err = models.UserInAgencies(c.Request.Context(), s.DB, uint(id), principal(c).AgencyIDs); err == nil {
			return u, true
		}
		if !errors.Is(err, models.ErrNotFound) {
			s.abortInternal(c, err)
			return nil, false
		}
	}
	abort(c, http.StatusNotFound, CodeNotFound, "用户不存在")
	return nil, false
}

type changeUserBody struct {
	DisplayName *string  `json:"display_name"`
	Roles       []string `json:"roles"`
	Disabled    *bool    `json:"disabled"`
}

// changeUser changes a user's name, roles or disabled flag. An admin cannot
// disable themselves or drop their own admin role: someone must remain who
// can undo it. Disabling ends the user's sessions.
func (s *Server) changeUser(c *gin.Context) {
	u, ok := s.scopedUser(c)
	if !ok {
		return
	}
	var in changeUserBody
	if !bindJSON(c, &in) {
		return
	}
	p := principal(c)
	var roles []string
	if in.Roles != nil {
		if roles, ok = validRoles(c, in.Roles); !ok {
			return
		}
		if u.ID == p.User.ID && !slices.Contains(roles, models.RoleAdmin) {
			abortField(c, "roles", "不能取消自己的管理员角色")
			return
		}
	}
	if in.Disabled != nil && *in.Disabled && u.ID == p.User.ID {
		abortField(c, "disabled", "不能停用自己的账号")
		return
	}
	before := newUserView(u)
	ctx := c.Request.Context()
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		upd := map[string]any{}
		if in.DisplayName != nil {
			upd["display_name"] = strings.TrimSpace(*in.DisplayName)
		}
		if in.Disabled != nil {
			upd["disabled"] = *in.Disabled
		}
		if len(upd) > 0 {
			if err := tx.Model(u).Updates(upd).Error; err != nil {
				return err
			}
		}
		if roles != nil {
			if err := models.SetUserRoles(ctx, tx, u, roles); err != nil {
				return err
			}
		}
		if in.Disabled != nil && *in.Disabled {
			if err := revokeSessions(tx, u.ID); err != nil {
				return err
			}
		}
		fresh, err := models.UserByID(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		u = fresh
		return models.Audit(ctx, tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &u.AgencyID, Action: "user_changed",
			ObjectType: "user", ObjectID: strconv.FormatUint(uint64(u.ID), 10), RequestID: requestID(c)}, before, newUserView(u))
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, newUserView(u))
}

// resetPassword sets a new password and ends the user's sessions.
func (s *Server) resetPassword(c *gin.Context) {
	u, ok := s.scopedUser(c)
	if !ok {
		return
	}
	var in struct {
		Password string `json:"password"`
	}
	if !bindJSON(c, &in) || !required(c, "password", in.Password) {
		return
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		abortField(c, "password", "密码无效："+err.Error())
		return
	}
	p := principal(c)
	ctx := c.Request.Context()
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(u).Update("password_hash", hash).Error; err != nil {
			return err
		}
		if err := revokeSessions(tx, u.ID); err != nil {
			return err
		}
		// The audit records that it happened, never the password.
		return models.Audit(ctx, tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &u.AgencyID, Action: "password_reset",
			ObjectType: "user", ObjectID: strconv.FormatUint(uint64(u.ID), 10), RequestID: requestID(c)}, nil, nil)
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func revokeSessions(tx *gorm.DB, userID uint) error {
	return tx.Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", time.Now().UTC()).Error
}
