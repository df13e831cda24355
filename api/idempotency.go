package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm/clause"

	"gongkai/models"
)

// CodeIdempotencyConflict: the key was used for another request, or the
// first request with it is still running.
const CodeIdempotencyConflict = "idempotency_conflict"

// abandonedAfter: a request that left its placeholder this long ago died
// with its process; a retry may run again.
const abandonedAfter = time.Minute

type captureWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// idempotencyMiddleware applies a changing request that carries an
// Idempotency-Key once: a retry with the same key gets the first answer.
// Answers of 5xx are not kept, so a retry after a server error runs again.
func (s *Server) idempotencyMiddleware(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	if len(key) > 128 {
		abortField(c, "Idempotency-Key", "Idempotency-Key 不能超过 128 个字符")
		return
	}
	p := principal(c)
	db := s.DB.WithContext(c.Request.Context())
	rec := models.IdempotencyRecord{UserID: p.User.ID, Key: key, Method: c.Request.Method, Path: c.Request.URL.Path, CreatedAt: time.Now().UTC()}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
	if res.Error != nil {
		s.abortInternal(c, res.Error)
		return
	}
	if res.RowsAffected == 0 {
		var prev models.IdempotencyRecord
		if err := db.Where("user_id = ? AND idem_key = ?", p.User.ID, key).First(&prev).Error; err != nil {
			s.abortInternal(c, err)
			return
		}
		switch {
		case prev.Method != rec.Method || prev.Path != rec.Path:
			abort(c, http.StatusUnprocessableEntity, CodeIdempotencyConflict, "该 Idempotency-Key 已用于另一个请求")
			return
		case prev.Status != 0:
			c.Header("Idempotent-Replayed", "true")
			c.Data(prev.Status, "application/json; charset=utf-8", []byte(prev.Body))
			c.Abort()
			return
		case time.Since(prev.CreatedAt) < abandonedAfter:
			abort(c, http.StatusConflict, CodeIdempotencyConflict, "相同 Idempotency-Key 的请求正在处理中，请稍后重试")
			return
		}
		// The first attempt died mid-way: run this one in its place.
		db.Model(&prev).Where("user_id = ? AND idem_key = ? AND status = 0", p.User.ID, key).Update("created_at", rec.CreatedAt)
	}
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	q := s.DB.Where("user_id = ? AND idem_key = ?", p.User.ID, key)
	if status := w.Status(); status >= 500 {
		q.Delete(&models.IdempotencyRecord{})
	} else {
		q.Model(&models.IdempotencyRecord{}).Updates(map[string]any{"status": status, "body": w.body.String()})
	}
}
