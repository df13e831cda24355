// Package api serves gongkai's HTTP API (and, later, its web UI) with Gin.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/calendar"
	"gongkai/content"
	"gongkai/metrics"
	"gongkai/models"
)

// Deps are what the handlers need.
type Deps struct {
	DB       *gorm.DB
	Auth     *auth.Service
	Temporal client.Client // nil only in handler tests; /readyz then reports not ready
	Metrics  *metrics.Registry
	Logger   *slog.Logger
	// Files stores item attachments.
	Files content.Store
	// TaskQueue is the worker's task queue; "" means config.DefaultTaskQueue.
	TaskQueue string
	// OnCalendarChange is told which dates an overlay change touched, so the
	// workflows whose clocks depend on them recompute; nil tells no one.
	OnCalendarChange func(ctx context.Context, ch calendar.OverlayChanged) error
}

// Server holds the dependencies and the Gin engine.
type Server struct {
	Deps
	log     *slog.Logger
	engine  *gin.Engine
	guesses guessLimiter // the applicant's page
}

// New builds the router. Call gin.SetMode before it to pick the mode.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	s := &Server{Deps: d, log: d.Logger, engine: gin.New()}
	if s.OnCalendarChange == nil && s.Temporal != nil {
		s.OnCalendarChange = s.signalOpenClocks
	}
	e := s.engine
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.requestIDMiddleware, s.recoverMiddleware, s.logMiddleware, s.metricsMiddleware, bodyLimitMiddleware)
	e.NoRoute(func(c *gin.Context) { abort(c, http.StatusNotFound, CodeNotFound, "请求的地址不存在") })
	e.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "该地址不支持此请求方法")
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Metrics.Prom, promhttp.HandlerOpts{})))

	v1 := e.Group("/api/v1")
	v1.POST("/login", s.login)
	s.publicRoutes(v1)
	v1.GET("/public/applications/:number", s.publicApplication)
	v1.GET("/openapi.json", s.openAPIJSON)
	v1.GET("/docs", s.apiDocs)
	authed := v1.Group("", s.authMiddleware, s.idempotencyMiddleware)
	authed.POST("/logout", s.logout)
	authed.GET("/me", s.me)
	authed.GET("/agencies/:code", s.getAgency)
	authed.GET("/users", s.requireRole(models.RoleAdmin), s.listUsers)
	authed.GET("/users/:id", s.getUser)
	s.userAdminRoutes(authed)
	s.calendarRoutes(authed)
	s.itemRoutes(authed)
	s.agencyRoutes(authed)
	s.attachmentRoutes(authed)
	s.applicationRoutes(authed)
	s.reportRoutes(authed)
	s.mountWeb(e)
	return s
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when the database and Temporal both answer.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{}
	ready := true
	if err := models.Ping(ctx, s.DB); err != nil {
		checks["database"] = err.Error()
		ready = false
	} else {
		checks["database"] = "ok"
	}
	if s.Temporal == nil {
		checks["temporal"] = "not configured"
		ready = false
	} else if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"] = err.Error()
		ready = false
	} else {
		checks["temporal"] = "ok"
	}
	if !ready {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": checks})
}
