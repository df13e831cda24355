package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// apiClient calls the JSON API in-process on behalf of one page request:
// with the session's token, the browser's address (for login throttling
// and logs) and the page's request id (so both log lines share it).
type apiClient struct {
	h     http.Handler
	outer *http.Request
	reqID string
	token string
}

func (ui *UI) api(c *gin.Context, token string) apiClient {
	return apiClient{h: ui.b.API(), outer: c.Request, reqID: c.Writer.Header().Get("X-Request-ID"), token: token}
}

// apiError is the API's error envelope with the status it came with.
type apiError struct {
	Status     int
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field"`
	RequestID  string `json:"request_id"`
	RetryAfter string `json:"-"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("api %d %s: %s", e.Status, e.Code, e.Message)
}

// recorder collects the API's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (a apiClient) request(method, path string, body io.Reader, ctype string, header map[string]string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(a.outer.Context(), method, path, body)
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = a.outer.RemoteAddr
	req.TLS = a.outer.TLS
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "User-Agent", "Accept-Language"} {
		if v := a.outer.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if a.reqID != "" {
		req.Header.Set("X-Request-ID", a.reqID)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

// send makes one call and returns the raw answer; a non-2xx answer is
// returned as *apiError.
func (a apiClient) send(method, path string, body io.Reader, ctype string, header map[string]string) (*recorder, error) {
	req, err := a.request(method, path, body, ctype, header)
	if err != nil {
		return nil, err
	}
	rec := &recorder{header: http.Header{}}
	a.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 200 && rec.status < 300 {
		return rec, nil
	}
	return rec, decodeError(rec.status, rec.header, rec.body.Bytes())
}

func decodeError(status int, h http.Header, body []byte) *apiError {
	var env struct {
		Error apiError `json:"error"`
	}
	e := &apiError{Status: status}
	if json.Unmarshal(body, &env) == nil && env.Error.Code != "" {
		*e = env.Error
		e.Status = status
	} else {
		e.Code, e.Message = "internal_error", "服务器未能处理该请求"
	}
	e.RetryAfter = h.Get("Retry-After")
	return e
}

// call sends in as JSON (unless nil) and decodes the answer into out
// (unless nil). header adds request headers (Idempotency-Key).
func (a apiClient) call(method, path string, in, out any, header ...map[string]string) error {
	var body io.Reader
	ctype := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	var h map[string]string
	if len(header) > 0 {
		h = header[0]
	}
	rec, err := a.send(method, path, body, ctype, h)
	if err != nil {
		return err
	}
	if out == nil || rec.body.Len() == 0 {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

func (a apiClient) get(path string, out any) error { return a.call(http.MethodGet, path, nil, out) }

// passthrough streams a successful answer (a file download) straight to
// the browser and keeps anything else for the caller to turn into a page.
type passthrough struct {
	w       http.ResponseWriter
	header  http.Header
	status  int
	errBody bytes.Buffer
}

func (p *passthrough) Header() http.Header { return p.header }
func (p *passthrough) WriteHeader(status int) {
	if p.status != 0 {
		return
	}
	p.status = status
	if status == http.StatusOK {
		for k, v := range p.header {
			if k == "Content-Type" || k == "Content-Length" || k == "Content-Disposition" || strings.HasPrefix(k, "X-") {
				p.w.Header()[k] = v
			}
		}
		p.w.WriteHeader(status)
	}
}
func (p *passthrough) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if p.status == http.StatusOK {
		return p.w.Write(b)
	}
	return p.errBody.Write(b)
}

// stream sends a GET whose successful answer goes to w as it is.
func (a apiClient) stream(w http.ResponseWriter, path string) error {
	req, err := a.request(http.MethodGet, path, nil, "", nil)
	if err != nil {
		return err
	}
	req.Header.Del("Accept")
	p := &passthrough{w: w, header: http.Header{}}
	a.h.ServeHTTP(p, req)
	if p.status == 0 || p.status == http.StatusOK {
		return nil
	}
	return decodeError(p.status, p.header, p.errBody.Bytes())
}

func isAPIError(err error, status int, code string) bool {
	var ae *apiError
	return errors.As(err, &ae) && (status == 0 || ae.Status == status) && (code == "" || ae.Code == code)
}
