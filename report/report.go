// Package report builds the 政府信息公开工作年度报告 in the national format of
// 国办公开办函〔2021〕30号 from counts that the caller has already aggregated
// from the records: the three tables, drafts of the narrative parts 一, 五 and
// 六, and the reconciliation checks (R-A…R-E of docs/statutory-rules.md §2.3,
// plus the table-3 totals). It is pure and deterministic: no database, no
// clock, no randomness; the same Input always gives the same Report, and the
// same Report always renders to the same JSON, HTML and XLSX bytes.
//
// The annual report has six parts: 一、总体情况 (narrative), 二、主动公开政府信息
// 情况 (table 1), 三、收到和处理政府信息公开申请情况 (table 2), 四、政府信息公开
// 行政复议、行政诉讼情况 (table 3), 五、存在的主要问题及改进情况 and 六、其他需要
// 报告的事项 (narrative).
package report

import (
	"encoding/json"
	"io"
	"strings"
)

// Agency is the reporting organ.
type Agency struct {
	Code string `json:"code"`
	// Name is the full name, e.g. 隆德县城关镇人民政府.
	Name string `json:"name"`
	// ShortName is used in the narrative, e.g. 城关镇.
	ShortName string `json:"short_name"`
	// Kind is township, county or department; it chooses how the narrative
	// refers to the organ (我镇, 我县, 我局…; anything else: 我单位).
	Kind string `json:"kind"`
}

// Agency kinds.
const (
	KindTownship   = "township"
	KindCounty     = "county"
	KindDepartment = "department"
)

// DocCounts is one row of table 1's 第二十条第（一）项 block.
type DocCounts struct {
	Issued   int `json:"issued"`   // 本年制发件数
	Repealed int `json:"repealed"` // 本年废止件数
	InForce  int `json:"in_force"` // 现行有效件数
}

// ColumnCount is the number of items published in the year in one 栏目.
type ColumnCount struct {
	Column string `json:"column"`
	Count  int    `json:"count"`
}

// AppealCounts is one block of table 3.
type AppealCounts struct {
	Upheld    int `json:"upheld"`    // 结果维持
	Corrected int `json:"corrected"` // 结果纠正
	Other     int `json:"other"`     // 其他结果
	Pending   int `json:"pending"`   // 尚未审结
}

// Input is what the caller aggregates from the records for one agency and
// one year. Counts per applicant kind follow Kinds' order.
type Input struct {
	Year   int
	Agency Agency

	// Table 1 (主动公开, 条例 Art.20).
	Regulations, NormativeDocuments DocCounts
	Licensing, Penalty, Enforcement int // 本年处理决定数量, entered by an admin
	// FeesWanYuan is 行政事业性收费 in 万元, a decimal string such as "0.00"
	// or "12.35"; Build writes it with exactly two decimals ("" → "0.00",
	// "12.3" → "12.30") and leaves anything it cannot read as it is, for
	// the R-E check to flag.
	FeesWanYuan string
	// PublishedByColumn is the number of items published in the year per
	// 栏目, for the narrative 一(一), in the order to be written.
	PublishedByColumn []ColumnCount
	// Platform is where the items were published, for 一(一) ("我镇在…主动
	// 公开信息共计N条"); default "政府信息公开专栏".
	Platform string

	// Table 2, per applicant kind (Kinds' order).
	Received       [6]int            // 一、本年新收
	CarriedIn      [6]int            // 二、上年结转
	CarriedForward [6]int            // 四、结转下年度继续办理
	Concluded      map[string][6]int // outcome code (Outcomes) → applications concluded in the year

	// Table 3: AppealReview, AppealLitigationDirect, AppealLitigationAfterReview.
	Appeals map[string]AppealCounts

	// Part 六 (二) 收取信息处理费情况 (国办函〔2020〕109号).
	FeeNotices      int64 // 收费通知 sent in the year
	FeeNoticeAmount int64 // 元, total of those notices
	FeesCollected   int64 // 元, actually paid in the year

	// PreviousCarriedForward is row 四 (7 numbers, total last) of year−1's
	// finalised report, for R-D; nil when there is none.
	PreviousCarriedForward *[7]int
	// Narrative holds the parts the office has edited (keys PartOverview,
	// PartProblems, PartOther); a missing or blank part gets the draft.
	Narrative map[string]string
}

// Narrative part keys.
const (
	PartOverview = "1" // 一、总体情况
	PartProblems = "5" // 五、存在的主要问题及改进情况
	PartOther    = "6" // 六、其他需要报告的事项
)

// NarrativeParts lists the narrative part keys in report order.
var NarrativeParts = []string{PartOverview, PartProblems, PartOther}

// Table-3 keys.
const (
	AppealReview                = "review"                  // 行政复议
	AppealLitigationDirect      = "litigation_direct"       // 行政诉讼：未经复议直接起诉
	AppealLitigationAfterReview = "litigation_after_review" // 行政诉讼：复议后起诉
)

// AppealKinds lists the table-3 blocks in the form's order.
var AppealKinds = []string{AppealReview, AppealLitigationDirect, AppealLitigationAfterReview}

// Kinds are the applicant kinds, the first six columns of table 2 (the same
// list as models.ApplicantKinds).
var Kinds = []string{"natural_person", "commercial", "research", "public_interest", "legal_service", "other"}

// ColumnTotal is the key of table 2's last column.
const ColumnTotal = "total"

// Columns are table 2's column keys: the six kinds and the total.
var Columns = append(append([]string{}, Kinds...), ColumnTotal)

// ColumnNames are table 2's column labels, in Columns' order.
var ColumnNames = []string{"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"}

// Table-2 row keys that are not outcome codes.
const (
	RowReceived       = "received"
	RowCarriedIn      = "carried_in"
	RowConcludedTotal = "concluded_total"
	RowCarriedForward = "carried_forward"
)

// ConcludedSection is the label of the block of rows 三(一)…三(七).
const ConcludedSection = "三、本年度办理结果"

// Row is one numeric row of table 2 as the 30号 form lays it out.
type Row struct {
	Key string // JSON key in applications.rows
	// Ref is the short reference used in check details, e.g. 一, 三(三)2, 三(七).
	Ref string
	// Level is 1 for 一、二、四 (the label spans the three label columns),
	// 2 for 三(一), 三(二) and 三(七) (under ConcludedSection), 3 for the
	// numbered rows under Group.
	Level int
	// Group is the label of the (三)…(六) block a level-3 row belongs to.
	Group string
	// Label is the row's own label in the 30号 wording.
	Label string
}

// Rows are table 2's 25 numeric rows in the form's order. The keys of the
// outcome rows are the outcome codes of models.Outcomes, in the same order.
var Rows = []Row{
	{RowReceived, "一", 1, "", "一、本年新收政府信息公开申请数量"},
	{RowCarriedIn, "二", 1, "", "二、上年结转政府信息公开申请数量"},
	{"disclosed", "三(一)", 2, "", "（一）予以公开"},
	{"partially_disclosed", "三(二)", 2, "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"},
	{"withheld_state_secret", "三(三)1", 3, groupWithheld, "1.属于国家秘密"},
	{"withheld_prohibited_by_law", "三(三)2", 3, groupWithheld, "2.其他法律行政法规禁止公开"},
	{"withheld_security_stability", "三(三)3", 3, groupWithheld, "3.危及“三安全一稳定”"},
	{"withheld_third_party_rights", "三(三)4", 3, groupWithheld, "4.保护第三方合法权益"},
	{"withheld_internal_affairs", "三(三)5", 3, groupWithheld, "5.属于三类内部事务信息"},
	{"withheld_process_info", "三(三)6", 3, groupWithheld, "6.属于四类过程性信息"},
	{"withheld_enforcement_file", "三(三)7", 3, groupWithheld, "7.属于行政执法案卷"},
	{"withheld_administrative_query", "三(三)8", 3, groupWithheld, "8.属于行政查询事项"},
	{"unavailable_not_held", "三(四)1", 3, groupUnavailable, "1.本机关不掌握相关政府信息"},
	{"unavailable_needs_creation", "三(四)2", 3, groupUnavailable, "2.没有现成信息需要另行制作"},
	{"unavailable_unclear_after_correction", "三(四)3", 3, groupUnavailable, "3.补正后申请内容仍不明确"},
	{"not_processed_petition", "三(五)1", 3, groupNotProcessed, "1.信访举报投诉类申请"},
	{"not_processed_duplicate", "三(五)2", 3, groupNotProcessed, "2.重复申请"},
	{"not_processed_publication", "三(五)3", 3, groupNotProcessed, "3.要求提供公开出版物"},
	{"not_processed_excessive", "三(五)4", 3, groupNotProcessed, "4.无正当理由大量反复申请"},
	{"not_processed_confirmation", "三(五)5", 3, groupNotProcessed, "5.要求行政机关确认或重新出具已获取信息"},
	{"other_no_correction", "三(六)1", 3, groupOther, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"},
	{"other_fee_unpaid", "三(六)2", 3, groupOther, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"},
	{"other", "三(六)3", 3, groupOther, "3.其他"},
	{RowConcludedTotal, "三(七)", 2, "", "（七）总计"},
	{RowCarriedForward, "四", 1, "", "四、结转下年度继续办理"},
}

const (
	groupWithheld     = "（三）不予公开"
	groupUnavailable  = "（四）无法提供"
	groupNotProcessed = "（五）不予处理"
	groupOther        = "（六）其他处理"
)

// Outcomes are the outcome codes, in row order (the same list as
// models.Outcomes).
var Outcomes = func() []string {
	var out []string
	for _, r := range Rows {
		if isOutcome(r.Key) {
			out = append(out, r.Key)
		}
	}
	return out
}()

func isOutcome(key string) bool {
	switch key {
	case RowReceived, RowCarriedIn, RowConcludedTotal, RowCarriedForward:
		return false
	}
	return true
}

// RowByKey finds a table-2 row definition.
func RowByKey(key string) (Row, bool) {
	for _, r := range Rows {
		if r.Key == key {
			return r, true
		}
	}
	return Row{}, false
}

// TableNote is the header note of table 2 (verbatim in 30号).
const TableNote = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

// Report is the annual report. Its JSON is part of the API contract.
type Report struct {
	Year         int               `json:"year"`
	Agency       Agency            `json:"agency"`
	Proactive    Proactive         `json:"proactive"`
	Applications Applications      `json:"applications"`
	Appeals      Appeals           `json:"appeals"`
	Narrative    map[string]string `json:"narrative"`
	Checks       []CheckResult     `json:"checks"`
}

// Proactive is table 1.
type Proactive struct {
	Regulations        DocCounts `json:"regulations"`         // 规章
	NormativeDocuments DocCounts `json:"normative_documents"` // 行政规范性文件
	Licensing          int       `json:"licensing"`           // 行政许可
	Penalty            int       `json:"penalty"`             // 行政处罚
	Enforcement        int       `json:"enforcement"`         // 行政强制
	FeesWanYuan        string    `json:"fees_wan_yuan"`       // 行政事业性收费, 万元, two decimals
}

// Applications is table 2: Columns and one 7-number row (total last) per
// Rows key.
type Applications struct {
	Columns []string          `json:"columns"`
	Rows    map[string][7]int `json:"rows"`
}

// Row returns a row's numbers (zeros when it is missing).
func (a Applications) Row(key string) [7]int { return a.Rows[key] }

// AppealRow is one block of table 3 with its total.
type AppealRow struct {
	Upheld    int `json:"upheld"`
	Corrected int `json:"corrected"`
	Other     int `json:"other"`
	Pending   int `json:"pending"`
	Total     int `json:"total"`
}

// Appeals is table 3.
type Appeals struct {
	Review                AppealRow `json:"review"`
	LitigationDirect      AppealRow `json:"litigation_direct"`
	LitigationAfterReview AppealRow `json:"litigation_after_review"`
}

// Get returns a block by its key (AppealKinds).
func (a Appeals) Get(kind string) AppealRow {
	switch kind {
	case AppealReview:
		return a.Review
	case AppealLitigationDirect:
		return a.LitigationDirect
	case AppealLitigationAfterReview:
		return a.LitigationAfterReview
	}
	return AppealRow{}
}

func (a *Appeals) set(kind string, r AppealRow) {
	switch kind {
	case AppealReview:
		a.Review = r
	case AppealLitigationDirect:
		a.LitigationDirect = r
	case AppealLitigationAfterReview:
		a.LitigationAfterReview = r
	}
}

// Build makes the report: the tables from the counts (row totals and 三(七)
// are computed), the narrative (edited parts as given, drafts for the rest)
// and the checks. Inconsistent counts are reported by the checks, never
// corrected.
func Build(in Input) Report {
	r := Report{
		Year:   in.Year,
		Agency: in.Agency,
		Proactive: Proactive{
			Regulations:        in.Regulations,
			NormativeDocuments: in.NormativeDocuments,
			Licensing:          in.Licensing,
			Penalty:            in.Penalty,
			Enforcement:        in.Enforcement,
			FeesWanYuan:        normalizeFee(in.FeesWanYuan),
		},
		Applications: Applications{
			Columns: append([]string{}, Columns...),
			Rows:    map[string][7]int{},
		},
	}
	rows := r.Applications.Rows
	rows[RowReceived] = withTotal(in.Received)
	rows[RowCarriedIn] = withTotal(in.CarriedIn)
	var concluded [6]int
	for _, code := range Outcomes {
		c := in.Concluded[code]
		rows[code] = withTotal(c)
		for i := range c {
			concluded[i] += c[i]
		}
	}
	rows[RowConcludedTotal] = withTotal(concluded)
	rows[RowCarriedForward] = withTotal(in.CarriedForward)

	for _, k := range AppealKinds {
		c := in.Appeals[k]
		r.Appeals.set(k, AppealRow{
			Upheld: c.Upheld, Corrected: c.Corrected, Other: c.Other, Pending: c.Pending,
			Total: c.Upheld + c.Corrected + c.Other + c.Pending,
		})
	}

	drafts := drafts(in, r)
	r.Narrative = map[string]string{}
	for _, p := range NarrativeParts {
		if t, ok := in.Narrative[p]; ok && strings.TrimSpace(t) != "" {
			r.Narrative[p] = t
		} else {
			r.Narrative[p] = drafts[p]
		}
	}

	r.Checks = check(r, in.PreviousCarriedForward, inputProblems(in))
	return r
}

// Drafts are the generated narrative parts (keys NarrativeParts) for an
// input, whatever its Narrative holds: what "reset to draft" shows.
func Drafts(in Input) map[string]string {
	in.Narrative = nil
	in.PreviousCarriedForward = nil
	return Build(in).Narrative
}

func withTotal(c [6]int) [7]int {
	var out [7]int
	for i, v := range c {
		out[i] = v
		out[6] += v
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	if r.Narrative == nil {
		r.Narrative = map[string]string{}
	}
	if r.Checks == nil {
		r.Checks = []CheckResult{}
	}
	if r.Applications.Rows == nil {
		r.Applications.Rows = map[string][7]int{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// normalizeFee writes a non-negative decimal with at most two decimals as
// exactly two decimals, without leading zeros; anything else is returned
// unchanged (the R-E check flags it).
func normalizeFee(s string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return "0.00"
	}
	intPart, frac, ok := splitFee(t)
	if !ok {
		return s
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	return intPart + "." + frac
}

// splitFee splits a non-negative decimal with at most two decimals.
func splitFee(s string) (intPart, frac string, ok bool) {
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || !digits(intPart) || (dot && (frac == "" || len(frac) > 2 || !digits(frac))) {
		return "", "", false
	}
	return intPart, frac, true
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
