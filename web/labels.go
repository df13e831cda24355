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
	// disclosure applications
	"applicant_kind":  "申请人类型",
	"applicant_name":  "申请人姓名或名称",
	"id_document":     "身份证件号码",
	"contact":         "联系方式",
	"description":     "所需政府信息的描述",
	"delivery_form":   "获取信息的方式",
	"channel":         "提交渠道",
	"submitted_on":    "当面提交日期",
	"signed_on":       "签收日期",
	"confirmed_on":    "确认日期",
	"sent_on":         "发出日期",
	"received_on":     "收到日期",
	"items":           "需要补正的事项",
	"period_workdays": "补正期限",
	"kind":            "类型",
	"party":           "被征求意见方",
	"replied_on":      "回复日期",
	"opinion":         "意见",
	"workdays":        "工作日数",
	"reason":          "理由",
	"due_on":          "期限",
	"method":          "方式",
	"pages":           "页数",
	"notified_on":     "通知日期",
	"paid_on":         "缴费日期",
	"outcome":         "答复结果",
	"text":            "答复内容",
	"on":              "日期",
	"due_before":      "到期日",
	// annual report and appeals
	"year":           "年份",
	"agency":         "机关",
	"licensing":      "行政许可",
	"penalty":        "行政处罚",
	"enforcement":    "行政强制",
	"fees_wan_yuan":  "行政事业性收费",
	"parts":          "报告正文",
	"filed_on":       "立案日期",
	"decided_on":     "审结日期",
	"result":         "结果",
	"application_id": "关联申请",
	"note":           "备注",
	// calendar
	"date":      "日期",
	"region":    "地区",
	"working":   "上班或放假",
	"name":      "名称",
	"source":    "依据",
	"overrides": "导入内容",
	"start":     "起算日期",
	"from":      "开始日期",
	"to":        "结束日期",
	// administration
	"display_name":    "姓名",
	"roles":           "角色",
	"disabled":        "停用",
	"report_deadline": "年度报告公布期限",
	"steps":           "审核环节",
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
	case "extension":
		return "延长答复期限审批（负责人）"
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
	fm := baseFuncs()
	addFuncs(fm)
	return fm
}

func baseFuncs() template.FuncMap {
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
