package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/content"
	"gongkai/models"
)

// maxUploadBytes is an attachment plus room for the multipart envelope.
const maxUploadBytes = content.MaxAttachmentBytes + 1<<20

func (s *Server) attachmentRoutes(g *gin.RouterGroup) {
	g.POST("/items/:id/attachments", s.requireRole(models.RoleEditor, models.RoleClerk), s.addAttachment)
	g.DELETE("/items/:id/attachments/:aid", s.requireRole(models.RoleEditor, models.RoleClerk), s.removeAttachment)
	g.GET("/items/:id/attachments/:aid", s.downloadAttachment)
}

// isUpload tells bodyLimitMiddleware which requests carry a file.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/attachments")
}

// addAttachment takes a multipart form with `file` and `version`: the file
// is checked by its content and stored, and the item gets a new revision.
func (s *Server) addAttachment(c *gin.Context) {
	it, ok := s.loadOwnItem(c)
	if !ok {
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBytes)
	var tooBig *http.MaxBytesError
	if err := c.Request.ParseMultipartForm(1 << 20); errors.As(err, &tooBig) {
		abort(c, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("附件过大（上限 %d MB）", content.MaxAttachmentBytes>>20))
		return
	} else if err != nil {
		abortField(c, "file", "请求应为 multipart/form-data，含 file 与 version")
		return
	}
	version, err := strconv.Atoi(c.Request.PostFormValue("version"))
	if err != nil {
		abortField(c, "version", "缺少 version（上传时所依据的版本号）")
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		abortField(c, "file", "缺少附件 file（multipart/form-data）")
		return
	}
	stored, err := s.saveUpload(fh)
	switch {
	case errors.Is(err, content.ErrTooLarge):
		abort(c, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("附件过大（上限 %d MB）", content.MaxAttachmentBytes>>20))
		return
	case errors.Is(err, content.ErrUnsupportedType):
		abortField(c, "file", "不支持的附件类型，或文件内容与扩展名不符（支持 PDF、DOC/DOCX、XLS/XLSX、PNG、JPEG、GIF）")
		return
	case err != nil:
		s.abortInternal(c, err)
		return
	}
	p := principal(c)
	var att models.Attachment
	ok = s.saveRevision(c, it, version, contentOf(it), "attachment_added", func(tx *gorm.DB, rev int) error {
		att = models.Attachment{ItemID: it.ID, Name: stored.Name, Kind: string(stored.Kind), ContentType: stored.ContentType,
			Size: stored.Size, SHA256: stored.SHA256, Path: stored.Path, AddedIn: rev, UploadedBy: p.User.ID}
		return tx.Create(&att).Error
	})
	if ok {
		c.JSON(http.StatusCreated, gin.H{"attachment": att, "version": it.Version, "revision": it.Revision})
	}
}

func (s *Server) saveUpload(fh *multipart.FileHeader) (content.Stored, error) {
	f, err := fh.Open()
	if err != nil {
		return content.Stored{}, err
	}
	defer f.Close()
	return s.Files.Save(fh.Filename, f)
}

// removeAttachment takes ?version=N; the file stays stored for the
// revisions that had it.
func (s *Server) removeAttachment(c *gin.Context) {
	it, ok := s.loadOwnItem(c)
	if !ok {
		return
	}
	version, err := strconv.Atoi(c.Query("version"))
	if err != nil {
		abortField(c, "version", "缺少参数 version（删除时所依据的版本号）")
		return
	}
	aid, _ := strconv.ParseUint(c.Param("aid"), 10, 32)
	ok = s.saveRevision(c, it, version, contentOf(it), "attachment_removed", func(tx *gorm.DB, rev int) error {
		res := tx.Model(&models.Attachment{}).Where("id = ? AND item_id = ? AND removed_in IS NULL", aid, it.ID).Update("removed_in", rev)
		if res.Error == nil && res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return res.Error
	})
	if ok {
		c.JSON(http.StatusOK, gin.H{"version": it.Version, "revision": it.Revision})
	}
}

func (s *Server) downloadAttachment(c *gin.Context) {
	it, ok := s.loadItem(c)
	if !ok {
		return
	}
	s.serveAttachment(c, it.ID, false)
}

// serveAttachment sends attachment :aid of item itemID: any revision's for
// staff, only the current ones for the public.
func (s *Server) serveAttachment(c *gin.Context, itemID uint, currentOnly bool) {
	var a models.Attachment
	q := s.DB.WithContext(c.Request.Context()).Where("id = ? AND item_id = ?", c.Param("aid"), itemID)
	if currentOnly {
		q = q.Where("removed_in IS NULL")
	}
	err := q.First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "附件不存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	f, err := s.Files.Open(content.Stored{Path: a.Path, SHA256: a.SHA256})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Type", a.ContentType)
	c.Header("Content-Length", strconv.FormatInt(a.Size, 10))
	c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	io.Copy(c.Writer, f)
}
