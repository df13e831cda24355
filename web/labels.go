package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"gongkai/models"
)

// chinaTime is the time zone every page shows.
var chinaTime = time.FixedZone("CST", 8*3600)

var statusLabels = map[string]string{
	models.ItemDraft:       "草稿",
	models.ItemInReview:    "审核中",
	models.ItemInApproval:  "审批中",
	models.ItemReturned:    "已退回",
	models.ItemPublished:   "已发布",
	models.ItemWithdrawn:   "已撤回",
	models.ItemUnpublished: "已撤稿",
}

var taskStateLabels = map[string]string{
	models.TaskOpen:      "办理中",
	models.TaskApproved:  "同意",
	models.TaskReturned:  "退回",
	models.TaskCancelled: "已取消",
}

var actionLabels = map[string]string{
	"create":             "创建草稿",
	"edit":               "修改",
	"attachment_added":   "上传附件",
	"attachment_removed": "删除附件",
	"submit":             "提交审核",
	"resubmit_changed":   "修改后重新提交",
	"resubmit_unchanged": "原样重新提交",
	"approve":            "同意",
	"publish":            "审批通过并发布",
	"return":             "退回",
	"withdraw":           "撤回",
	"assign":             "指定办理人",
}

// fieldLabels name item fields (API field names and diff fields).
var fieldLabels = map[string]string{
	"title":       "名称",
	"summary":     "内容概述",
	"body":        "正文",
	"column":      "栏目",
	"formed_on":   "生成日期",
	"attachments": "附件",
	"version":     "版本号",
	"file":        "附件文件",
	"comment":     "意见",
	"username":    "用户名",
	"password":    "密码",
}

// columns are the usual 栏目 of a 政府信息公开目录, offered as suggestions.
var columns = []string{"机构职能", "政策文件", "规划计划", "财政资金", "人事信息", "新闻中心", "通知公告", "重大项目", "民生保障", "统计信息"}

// stepLabel names a chain step as people say it.
func stepLabel(name, role string) string {
	switch name {
	case "review":
		return "负责人审核"
	case "approve":
		return "分管领导审批"
	}
	if r := models.RoleNames[role]; r != "" {
		return name + "（" + r + "）"
	}
	return name
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

func label(m map[string]string, k string) string {
	if l, ok := m[k]; ok {
		return l
	}
	return k
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006-01-02 15:04")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func fmtRFC3339(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return fmtTime(t)
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

func roleNames(roles []string) string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, label(models.RoleNames, r))
	}
	return strings.Join(out, "、")
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"statusLabel": statusLabel,
		"stateLabel":  func(s string) string { return label(taskStateLabels, s) },
		"stepLabel":   stepLabel,
		"fieldLabel":  func(s string) string { return label(fieldLabels, s) },
		"time":        fmtTime,
		"timePtr":     fmtTimePtr,
		"rfc3339":     fmtRFC3339,
		"fileSize":    fileSize,
		"roleNames":   roleNames,
		"columns":     func() []string { return columns },
		"add":         func(a, b int) int { return a + b },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs key-value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"hasRole": func(s *session, role string) bool {
			return s != nil && s.P.User.HasRole(role)
		},
		"displayName": func(s *session) string {
			if s == nil {
				return ""
			}
			if s.P.User.DisplayName != "" {
				return s.P.User.DisplayName
			}
			return s.P.User.Username
		},
	}
}
