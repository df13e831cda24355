package web

import (
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gongkai/models"
)

// Labels of disclosure applications (依申请公开), the calendar, the annual
// report and the admin pages, in the words of the 条例 and the 30号 format.

var appStatusLabels = map[string]string{
	models.AppRegistered:  "办理中",
	models.AppCorrection:  "待补正",
	models.AppConsulting:  "征求意见中",
	models.AppFeePending:  "待缴费",
	models.AppReplyReview: "答复审批中",
	models.AppReplyReady:  "答复待送达",
	models.AppReplied:     "已答复",
	models.AppClosed:      "已办结",
	models.AppArchived:    "已归档",
}

// appStatuses is the order statuses are offered in the list's filter.
var appStatuses = []string{models.AppRegistered, models.AppCorrection, models.AppConsulting, models.AppFeePending,
	models.AppReplyReview, models.AppReplyReady, models.AppReplied, models.AppClosed, models.AppArchived}

var applicantKindLabels = map[string]string{
	"natural_person":  "自然人",
	"commercial":      "商业企业",
	"research":        "科研机构",
	"public_interest": "社会公益组织",
	"legal_service":   "法律服务机构",
	"other":           "其他组织",
}

// channelLabels name the channels of 条例 Art.31, and channelDateLabels
// the date each one makes the receipt date.
var channelLabels = map[string]string{
	models.ChannelInPerson:     "当面提交",
	models.ChannelPostSigned:   "邮寄（需签收）",
	models.ChannelPostOrdinary: "平常信函等无需签收的邮寄",
	models.ChannelOnline:       "互联网渠道",
	models.ChannelFax:          "传真",
}

var channels = []string{models.ChannelInPerson, models.ChannelPostSigned, models.ChannelPostOrdinary, models.ChannelOnline, models.ChannelFax}

var channelDateLabels = map[string]string{
	"submitted_on": "提交之日（当面提交）",
	"signed_on":    "签收之日（邮寄需签收）",
	"confirmed_on": "与申请人确认之日（平常信函、互联网、传真）",
}

var clockStateLabels = map[string]string{
	"running": "计时中",
	"paused":  "暂停中",
	"overdue": "已逾期",
	"stopped": "已停止计时",
}

// appActionLabels name the events of an application's history.
var appActionLabels = map[string]string{
	"register":               "登记",
	"correction_notice":      "发出补正告知",
	"corrected":              "收到补正后的申请",
	"consult":                "征求意见（期间不计入答复期限）",
	"consult_reply":          "收到意见",
	"consultation_timed_out": "征求意见期限届满",
	"extension":              "申请延长答复期限",
	"extension_approved":     "负责人同意延长答复期限",
	"extension_refused":      "未延长答复期限",
	"extension_withdrawn":    "未延长答复期限",
	"fee_notice":             "发出收费通知（期间不计入答复期限）",
	"fee_paid":               "申请人已缴费",
	"excessive":              "按条例第三十五条处理",
	"reply":                  "起草答复，提交审批",
	"reply_approved":         "答复经审批通过",
	"reply_withdrawn":        "答复撤回修改",
	"sent":                   "送达答复",
	"archive":                "归档",
	"app_withdraw":           "申请人撤回申请",
	"correction_lapsed":      "逾期未补正，不再处理",
	"fee_lapsed":             "逾期未缴费，不再处理",
	"calendar_changed":       "节假日调整，重新计算期限",
}

var consultKindLabels = map[string]string{
	"third_party": "第三方（条例第三十二条）",
	"organ":       "其他机关（条例第三十四条）",
}

var feeMethodLabels = map[string]string{
	"per_item": "按件计收",
	"per_page": "按量计收",
}

var appealKindLabels = map[string]string{
	"review":                  "行政复议",
	"litigation_direct":       "行政诉讼（未经复议直接起诉）",
	"litigation_after_review": "行政诉讼（复议后起诉）",
}

var appealResultLabels = map[string]string{
	"upheld":    "结果维持",
	"corrected": "结果纠正",
	"other":     "其他结果",
	"pending":   "尚未审结",
}

// checkRuleLabels say what each reconciliation check of the annual report
// compares.
var checkRuleLabels = map[string]string{
	"R-A": "表二各列：第一项＋第二项＝第三项（七）＋第四项",
	"R-B": "表二各行：总计＝各类申请人之和",
	"R-C": "表二各列：第三项（七）总计＝（一）至（六）之和",
	"R-D": "表二第二项（上年结转）＝上年度报告的第四项（结转下年度）",
	"R-E": "各项数字为非负整数，每件申请只计入一个结果",
	"T3":  "表三：总计＝结果维持＋结果纠正＋其他结果＋尚未审结",
}

var reportStatusLabels = map[string]string{
	models.ReportDraft:     "草稿",
	models.ReportFinalised: "已定稿（审核发布中）",
	models.ReportPublished: "已发布",
}

func appStatusLabel(s string) string { return label(appStatusLabels, s) }

func outcomeLabel(s string) string {
	if l, ok := models.OutcomeNames[s]; ok {
		return l
	}
	return s
}

// clockBadge turns an application's clock into what a list shows: the
// working days left, 暂停中, 已逾期 (red) or due within two working days
// (amber).
type clockBadge struct {
	Class string // overdue, soon, paused, stopped or ""
	Text  string
}

func badgeOf(c *appClock) clockBadge {
	if c == nil {
		return clockBadge{}
	}
	switch c.State {
	case "stopped":
		return clockBadge{Class: "stopped", Text: "已停止计时"}
	case "overdue":
		if c.WorkdaysLeft < 0 {
			return clockBadge{Class: "overdue", Text: "已逾期 " + strconv.Itoa(-c.WorkdaysLeft) + " 个工作日"}
		}
		return clockBadge{Class: "overdue", Text: "已逾期"}
	case "paused":
		return clockBadge{Class: "paused", Text: "暂停中（剩 " + strconv.Itoa(c.WorkdaysLeft) + " 个工作日）"}
	}
	switch {
	case c.WorkdaysLeft < 0:
		return clockBadge{Class: "overdue", Text: "已逾期"}
	case c.WorkdaysLeft == 0:
		return clockBadge{Class: "soon", Text: "今日到期"}
	case c.WorkdaysLeft <= 2:
		return clockBadge{Class: "soon", Text: "剩 " + strconv.Itoa(c.WorkdaysLeft) + " 个工作日"}
	}
	return clockBadge{Text: "剩 " + strconv.Itoa(c.WorkdaysLeft) + " 个工作日"}
}

// statusInMessage puts the Chinese status into a workflow's refusal such
// as "…（当前状态 registered）".
var statusInMessage = regexp.MustCompile(`当前状态 ([a-z_]+)`)

// englishDetail turns the few English details the API passes through from
// lower layers (chain and password rules) into Chinese.
var englishDetails = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`a chain has 2 to 4 steps, got (\d+)`), "须有 2 到 4 个环节（现为 $1 个）"},
	{regexp.MustCompile(`step (\d+): name is required`), "第 $1 个环节缺少名称"},
	{regexp.MustCompile(`step (\d+): role "([^"]*)" cannot decide a step`), "第 $1 个环节的角色“$2”不能办理审核"},
	{regexp.MustCompile(`step (\d+): workdays must be 1\.\.60`), "第 $1 个环节的办理期限应为 1 到 60 个工作日"},
	{regexp.MustCompile(`password must be at least (\d+) characters`), "密码至少 $1 个字符"},
	{regexp.MustCompile(`password must be at most 72 bytes`), "密码太长（最多 72 字节）"},
	{regexp.MustCompile(`unknown role "?([^"]*)"?`), "未知角色 $1"},
}

func chineseDetails(msg string) string {
	msg = statusInMessage.ReplaceAllStringFunc(msg, func(m string) string {
		st := strings.TrimPrefix(m, "当前状态 ")
		return "当前状态：" + appStatusLabel(st)
	})
	for _, d := range englishDetails {
		msg = d.re.ReplaceAllString(msg, d.repl)
	}
	return msg
}

// overlayField names the place of an import error: "line 3: working" is
// 第 3 行的“上班或放假”, "overrides[2].date" the 3rd entry's 日期.
var (
	overlayLine  = regexp.MustCompile(`^line (\d+)(?:: (\w+))?$`)
	overlayEntry = regexp.MustCompile(`^overrides\[(\d+)\]\.(\w+)$`)
)

func overlayFieldLabel(field string) string {
	if m := overlayLine.FindStringSubmatch(field); m != nil {
		if m[2] == "" {
			return "第 " + m[1] + " 行"
		}
		return "第 " + m[1] + " 行的“" + label(fieldLabels, m[2]) + "”（" + m[2] + " 列）"
	}
	if m := overlayEntry.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[1])
		return "第 " + strconv.Itoa(n+1) + " 条的“" + label(fieldLabels, m[2]) + "”（" + m[2] + "）"
	}
	return label(fieldLabels, field)
}

// addFuncs adds the template functions of the pages in this file's domain.
func addFuncs(fm template.FuncMap) {
	fm["appStatusLabel"] = appStatusLabel
	fm["outcomeLabel"] = outcomeLabel
	fm["appActionLabel"] = func(s string) string { return label(appActionLabels, s) }
	fm["kindLabel"] = func(s string) string { return label(applicantKindLabels, s) }
	fm["channelLabel"] = func(s string) string { return label(channelLabels, s) }
	fm["channelDateLabel"] = func(s string) string { return label(channelDateLabels, s) }
	fm["clockStateLabel"] = func(s string) string { return label(clockStateLabels, s) }
	fm["consultKindLabel"] = func(s string) string { return label(consultKindLabels, s) }
	fm["feeMethodLabel"] = func(s string) string { return label(feeMethodLabels, s) }
	fm["appealKindLabel"] = func(s string) string { return label(appealKindLabels, s) }
	fm["appealResultLabel"] = func(s string) string { return label(appealResultLabels, s) }
	fm["reportStatusLabel"] = func(s string) string { return label(reportStatusLabels, s) }
	fm["ruleLabel"] = func(s string) string { return label(checkRuleLabels, s) }
	fm["checkDetail"] = func(s string) string { return strings.Replace(s, "skipped：", "未核对：", 1) }
	fm["formValue"] = formValue
	fm["formError"] = formError
	fm["formInvalid"] = formInvalid
	fm["newKey"] = randomToken
	fm["list"] = func(s ...string) []string { return s }
	fm["paragraphs"] = paragraphs
	fm["contains"] = func(list []string, v string) bool { return slices.Contains(list, v) }
	// checked: a checkbox's state, as just submitted when its form comes
	// back with an error, else def.
	fm["checked"] = func(f *appForm, action, field, value string, def bool) bool {
		if f != nil && f.Action == action {
			return slices.Contains(f.Values[field], value)
		}
		return def
	}
	// formValueAt is formValue for the i-th of a repeated field.
	fm["formValueAt"] = func(f *appForm, action, field string, i int, def string) string {
		if f != nil && f.Action == action {
			if vs := f.Values[field]; i < len(vs) {
				return vs[i]
			}
			return ""
		}
		return def
	}
	fm["canSeeApplications"] = func(s *session) bool { return s != nil && canSeeApplications(s) }
	fm["yuan"] = func(n int64) string { return strconv.FormatInt(n, 10) + " 元" }
}

// para is one paragraph of a narrative part; Todo marks what the office
// must still write (the report's placeholder).
type para struct {
	Text string
	Todo bool
}

func paragraphs(text, placeholder string) []para {
	var out []para
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, para{Text: line, Todo: placeholder != "" && strings.Contains(line, placeholder)})
		}
	}
	return out
}
