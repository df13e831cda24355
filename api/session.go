package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
	"gongkai/models"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt string      `json:"expires_at"`
	User      userView    `json:"user"`
	Agency    *agencyView `json:"agency"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if !bindJSON(c, &req) || !required(c, "username", req.Username, "password", req.Password) {
		return
	}
	token, p, err := s.Auth.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	var th *auth.ThrottledError
	switch {
	case errors.As(err, &th):
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(th.RetryAfter.Seconds()))))
		abort(c, http.StatusTooManyRequests, CodeTooManyRequests, "登录失败次数过多，请稍后再试")
		return
	case errors.Is(err, auth.ErrBadCredentials):
		abort(c, http.StatusUnauthorized, CodeInvalidCredentials, "用户名或密码错误")
		return
	case err != nil:
		s.abortInternal(c, err)
		return
	}
	var sess models.Session
	if err := s.DB.WithContext(c.Request.Context()).First(&sess, p.SessionID).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	_ = models.Audit(c.Request.Context(), s.DB, models.AuditEvent{
		ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "login", ObjectType: "user",
		ObjectID: strconv.FormatUint(uint64(p.User.ID), 10), RequestID: requestID(c),
	}, nil, nil)
	c.JSON(http.StatusOK, loginResponse{
		Token: token, ExpiresAt: sess.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		User: newUserView(p.User), Agency: newAgencyView(p.Agency),
	})
}

func (s *Server) logout(c *gin.Context) {
	p := principal(c)
	if err := s.Auth.Logout(c.Request.Context(), p.SessionID); err != nil {
		s.abortInternal(c, err)
		return
	}
	_ = models.Audit(c.Request.Context(), s.DB, models.AuditEvent{
		ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "logout", ObjectType: "user",
		ObjectID: strconv.FormatUint(uint64(p.User.ID), 10), RequestID: requestID(c),
	}, nil, nil)
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	p := principal(c)
	c.JSON(http.StatusOK, gin.H{
		"user":   newUserView(p.User),
		"agency": newAgencyView(p.Agency),
		"roles":  p.User.RoleList(),
	})
}
