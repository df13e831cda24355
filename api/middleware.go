package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongkai/auth"
)

const (
	ctxRequestID = "gongkai.request_id"
	ctxPrincipal = "gongkai.principal"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDMiddleware takes a sane X-Request-ID from the client (a proxy's)
// or makes one, and echoes it back so a user can quote it.
func (s *Server) requestIDMiddleware(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !safeRequestID.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// recoverMiddleware turns a panic into a 500 with the request id; the stack
// goes to the log, never into the response.
func (s *Server) recoverMiddleware(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				abort(c, http.StatusInternalServerError, CodeInternal, "服务器内部错误，请联系管理员并提供请求编号 "+requestID(c))
			}
			c.Abort()
		}
	}()
	c.Next()
}

func (s *Server) logMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{
		"request_id", requestID(c), "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
	}
	if p := principal(c); p != nil {
		attrs = append(attrs, "user", p.User.Username)
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.Request.Context(), level, "http request", attrs...)
}

func (s *Server) metricsMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.Metrics.HTTPRequests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	s.Metrics.HTTPDuration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// bodyLimitMiddleware refuses declared oversize bodies at once and caps the
// rest while they are read.
func bodyLimitMiddleware(c *gin.Context) {
	if isUpload(c.Request) { // the upload handler sets its own, larger limit
		c.Next()
		return
	}
	if c.Request.ContentLength > MaxBodyBytes {
		abort(c, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("请求内容过大（上限 %d 字节）", MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	c.Next()
}

// authMiddleware requires a valid bearer token.
func (s *Server) authMiddleware(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="gongkai"`)
		abort(c, http.StatusUnauthorized, CodeUnauthorized, "未登录或缺少访问令牌（Authorization: Bearer …）")
		return
	}
	p, err := s.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if errors.Is(err, auth.ErrInvalidToken) {
		c.Header("WWW-Authenticate", `Bearer realm="gongkai", error="invalid_token"`)
		abort(c, http.StatusUnauthorized, CodeUnauthorized, "访问令牌无效、已过期或已注销，请重新登录")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

func principal(c *gin.Context) *auth.Principal {
	p, _ := c.Get(ctxPrincipal)
	pr, _ := p.(*auth.Principal)
	return pr
}

// requireRole lets the request through only if the caller holds one of roles.
func (s *Server) requireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		for _, r := range roles {
			if p != nil && p.User.HasRole(r) {
				c.Next()
				return
			}
		}
		abort(c, http.StatusForbidden, CodeForbidden, "您没有执行此操作的权限")
	}
}
