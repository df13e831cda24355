package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
)

// Error codes: stable, snake_case, part of the API contract.
const (
	CodeInvalidJSON        = "invalid_json"
	CodeValidation         = "validation_failed"
	CodeUnauthorized       = "unauthorized"
	CodeInvalidCredentials = "invalid_credentials"
	CodeForbidden          = "forbidden"
	CodeNotFound           = "not_found"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeConflict           = "conflict"
	CodeVersionConflict    = "version_conflict"
	CodeTaskClosed         = "task_closed"
	CodeInvalidState       = "invalid_state"
	CodeSeparationOfDuties = "separation_of_duties"
	CodePayloadTooLarge    = "payload_too_large"
	CodeTooManyRequests    = "too_many_requests"
	CodeInternal           = "internal_error"
	CodeUnavailable        = "unavailable"
)

// MaxBodyBytes is the largest request body accepted on JSON routes.
const MaxBodyBytes = 1 << 20

// ErrorBody is the envelope every error answer uses.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a stable code, a Chinese message for
// people, and for validation errors the field at fault.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// abort answers with the error envelope and stops the handler chain.
func abort(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, ErrorBody{ErrorDetail{Code: code, Message: message, RequestID: requestID(c)}})
}

// abortField answers 400 naming the field that is wrong.
func abortField(c *gin.Context, field, message string) {
	c.AbortWithStatusJSON(http.StatusBadRequest, ErrorBody{ErrorDetail{
		Code: CodeValidation, Message: message, Field: field, RequestID: requestID(c),
	}})
}

// abortInternal logs err with the request id and answers 500 without detail.
func (s *Server) abortInternal(c *gin.Context, err error) {
	s.log.ErrorContext(c.Request.Context(), "internal error", "request_id", requestID(c), "err", err)
	abort(c, http.StatusInternalServerError, CodeInternal, "服务器内部错误，请稍后重试；如持续出现请联系管理员并提供请求编号 "+requestID(c))
}

// bindJSON decodes the body into v. Malformed JSON, a field of the wrong
// type and an oversized body each get their own clear answer.
func bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		abort(c, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, fmt.Sprintf("请求内容过大（上限 %d 字节）", MaxBodyBytes))
	case errors.Is(err, io.EOF):
		abort(c, http.StatusBadRequest, CodeInvalidJSON, "请求内容为空，应为 JSON 对象")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		abortField(c, field, fmt.Sprintf("字段 %s 的类型不正确，应为 %s", field, jsonKind(typeErr.Type)))
	default:
		abort(c, http.StatusBadRequest, CodeInvalidJSON, "请求内容不是有效的 JSON："+err.Error())
	}
	return false
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	default:
		return "对象"
	}
}

// required answers 400 naming the first empty field, in the order given.
func required(c *gin.Context, fields ...string) bool {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			abortField(c, fields[i], "缺少必填字段 "+fields[i])
			return false
		}
	}
	return true
}
