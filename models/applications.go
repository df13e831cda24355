package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Applicant kinds: the annual report's columns (自然人; 法人或其他组织: 商业企业,
// 科研机构, 社会公益组织, 法律服务机构, 其他).
var ApplicantKinds = []string{"natural_person", "commercial", "research", "public_interest", "legal_service", "other"}

// Receipt channels and the date each one's receipt follows (条例 Art.31).
const (
	ChannelInPerson     = "in_person"     // submission date
	ChannelPostSigned   = "post_signed"   // signature date
	ChannelPostOrdinary = "post_ordinary" // confirmation date with the applicant
	ChannelOnline       = "online"        // date both sides confirmed
	ChannelFax          = "fax"           // date both sides confirmed
)

// ReceiptField names, per channel, the request field whose date is the
// receipt date.
var ReceiptField = map[string]string{
	ChannelInPerson:     "submitted_on",
	ChannelPostSigned:   "signed_on",
	ChannelPostOrdinary: "confirmed_on",
	ChannelOnline:       "confirmed_on",
	ChannelFax:          "confirmed_on",
}

// Application statuses, after Art.45 (登记、审核、办理、答复、归档).
const (
	AppRegistered  = "registered"   // 登记: clock running
	AppCorrection  = "correction"   // 补正 notice sent, waiting for the corrected application
	AppConsulting  = "consulting"   // a third party or another organ is consulted (clock paused)
	AppFeePending  = "fee_pending"  // fee notice sent, waiting for payment (clock paused)
	AppReplyReview = "reply_review" // the drafted reply is in the approval chain
	AppReplyReady  = "reply_ready"  // the reply is approved, to be sent
	AppReplied     = "replied"      // 答复 sent
	AppClosed      = "closed"       // concluded without a reply (lapse, unpaid fee, withdrawal, Art.35)
	AppArchived    = "archived"     // 归档
)

// Outcome codes, one per concluded application, each an annual-report row.
var Outcomes = []string{
	"disclosed", "partially_disclosed",
	"withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability", "withheld_third_party_rights",
	"withheld_internal_affairs", "withheld_process_info", "withheld_enforcement_file", "withheld_administrative_query",
	"unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear_after_correction",
	"not_processed_petition", "not_processed_duplicate", "not_processed_publication", "not_processed_excessive", "not_processed_confirmation",
	"other_no_correction", "other_fee_unpaid", "other",
}

// Application is one 政府信息公开申请. ApplicantName, IDDocument and Contact
// are personal data: shown only to the agency's clerk, reviewer and leader,
// masked in lists and never logged.
type Application struct {
	ID            uint   `gorm:"primaryKey" json:"id"`
	AgencyID      uint   `gorm:"not null;index:idx_app_agency_status,priority:1" json:"agency_id"`
	Number        string `gorm:"size:40;not null;uniqueIndex" json:"number"`
	QueryCode     string `gorm:"size:16;not null" json:"-"`
	ApplicantKind string `gorm:"size:20;not null" json:"applicant_kind"`
	ApplicantName string `gorm:"size:200;not null" json:"applicant_name"`
	IDDocument    string `gorm:"size:100;not null;default:''" json:"id_document"`
	Contact       string `gorm:"size:200;not null;default:''" json:"contact"`
	Description   string `gorm:"type:text" json:"description"`
	DeliveryForm  string `gorm:"size:50;not null;default:''" json:"delivery_form"`
	Channel       string `gorm:"size:20;not null" json:"channel"`
	SubmittedOn   string `gorm:"size:10;not null;default:''" json:"submitted_on,omitempty"`
	SignedOn      string `gorm:"size:10;not null;default:''" json:"signed_on,omitempty"`
	ConfirmedOn   string `gorm:"size:10;not null;default:''" json:"confirmed_on,omitempty"`
	ReceivedOn    string `gorm:"size:10;not null;index" json:"received_on"`
	Status        string `gorm:"size:16;not null;index:idx_app_agency_status,priority:2" json:"status"`
	Outcome       string `gorm:"size:40;not null;default:''" json:"outcome,omitempty"`
	// Clock is the JSON of the calendar.Clock the workflow keeps; DueOn and
	// ClockState mirror its evaluation for lists.
	Clock       string    `gorm:"type:text" json:"-"`
	DueOn       string    `gorm:"size:10;not null;default:'';index" json:"due_on"`
	ClockState  string    `gorm:"size:16;not null;default:''" json:"clock_state"`
	ReplyItemID *uint     `json:"reply_item_id,omitempty"`
	SentOn      string    `gorm:"size:10;not null;default:''" json:"sent_on,omitempty"`
	SentMethod  string    `gorm:"size:50;not null;default:''" json:"sent_method,omitempty"`
	ConcludedOn string    `gorm:"size:10;not null;default:'';index" json:"concluded_on,omitempty"`
	CreatedBy   uint      `gorm:"not null" json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Consultation is one Art.32 (third party) or Art.34 (other organ) letter.
type Consultation struct {
	ID            uint      `gorm:"primaryKey" json:"id"`
	ApplicationID uint      `gorm:"not null;index" json:"application_id"`
	Kind          string    `gorm:"size:16;not null" json:"kind"` // third_party, organ
	Party         string    `gorm:"size:200;not null" json:"party"`
	SentOn        string    `gorm:"size:10;not null" json:"sent_on"`
	ReceivedOn    string    `gorm:"size:10;not null" json:"received_on"`
	RepliedOn     string    `gorm:"size:10;not null;default:''" json:"replied_on,omitempty"`
	Opinion       string    `gorm:"type:text" json:"opinion,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// FeeNotice is one 收费通知 (国办函〔2020〕109号).
type FeeNotice struct {
	ID            uint      `gorm:"primaryKey" json:"id"`
	ApplicationID uint      `gorm:"not null;index" json:"application_id"`
	Method        string    `gorm:"size:16;not null" json:"method"`
	MonthIndex    int       `gorm:"not null" json:"month_index"` // per item: the applicant's k-th application this month
	Pages         int       `gorm:"not null" json:"pages"`
	Amount        int64     `gorm:"not null" json:"amount"` // 元
	Basis         string    `gorm:"type:text" json:"basis"`
	NotifiedOn    string    `gorm:"size:10;not null" json:"notified_on"`
	PaidOn        string    `gorm:"size:10;not null;default:''" json:"paid_on,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// ApplicationCounter numbers applications per agency and year.
type ApplicationCounter struct {
	AgencyID uint `gorm:"primaryKey;autoIncrement:false"`
	Year     int  `gorm:"primaryKey;autoIncrement:false"`
	Last     int  `gorm:"not null"`
}

// NextApplicationNumber allocates e.g. chengguan-YSQ-2026-0007. Call inside
// the transaction that creates the application.
func NextApplicationNumber(tx *gorm.DB, agency *Agency, year int) (string, error) {
	res := tx.Model(&ApplicationCounter{}).Where("agency_id = ? AND year = ?", agency.ID, year).Update("last", gorm.Expr("last + 1"))
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected == 0 {
		if err := tx.Create(&ApplicationCounter{AgencyID: agency.ID, Year: year, Last: 1}).Error; err != nil {
			return "", err
		}
	}
	var c ApplicationCounter
	if err := tx.Where("agency_id = ? AND year = ?", agency.ID, year).First(&c).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-YSQ-%d-%04d", agency.Code, year, c.Last), nil
}

// queryCodeAlphabet leaves out look-alikes (0/O, 1/I/L) since applicants
// read the code off paper.
const queryCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewQueryCode makes the random code an applicant uses to see the status.
func NewQueryCode() string {
	out := make([]byte, 0, 10)
	var b [1]byte
	for len(out) < cap(out) {
		_, _ = rand.Read(b[:])
		// Rejection sampling keeps every letter equally likely.
		if int(b[0]) < 256/len(queryCodeAlphabet)*len(queryCodeAlphabet) {
			out = append(out, queryCodeAlphabet[int(b[0])%len(queryCodeAlphabet)])
		}
	}
	return string(out)
}

// ApplicationInAgencies loads an application only if it is in the caller's scope.
func ApplicationInAgencies(ctx context.Context, db *gorm.DB, id uint, agencyIDs []uint) (*Application, error) {
	var a Application
	err := db.WithContext(ctx).Where("id = ? AND agency_id IN ?", id, agencyIDs).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &a, err
}

// OutcomeNames are the outcomes in the 30号 report's words.
var OutcomeNames = map[string]string{
	"disclosed":                            "予以公开",
	"partially_disclosed":                  "部分公开",
	"withheld_state_secret":                "不予公开：属于国家秘密",
	"withheld_prohibited_by_law":           "不予公开：其他法律行政法规禁止公开",
	"withheld_security_stability":          "不予公开：危及“三安全一稳定”",
	"withheld_third_party_rights":          "不予公开：保护第三方合法权益",
	"withheld_internal_affairs":            "不予公开：属于三类内部事务信息",
	"withheld_process_info":                "不予公开：属于四类过程性信息",
	"withheld_enforcement_file":            "不予公开：属于行政执法案卷",
	"withheld_administrative_query":        "不予公开：属于行政查询事项",
	"unavailable_not_held":                 "无法提供：本机关不掌握相关政府信息",
	"unavailable_needs_creation":           "无法提供：没有现成信息需要另行制作",
	"unavailable_unclear_after_correction": "无法提供：补正后申请内容仍不明确",
	"not_processed_petition":               "不予处理：信访举报投诉类申请",
	"not_processed_duplicate":              "不予处理：重复申请",
	"not_processed_publication":            "不予处理：要求提供公开出版物",
	"not_processed_excessive":              "不予处理：无正当理由大量反复申请",
	"not_processed_confirmation":           "不予处理：要求行政机关确认或重新出具已获取信息",
	"other_no_correction":                  "其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
	"other_fee_unpaid":                     "其他处理：申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
	"other":                                "其他处理：其他",
}

// ReplyColumn is the column replies are filed under, so an agency can give
// replies a chain of their own (ChainFor).
const ReplyColumn = "依申请公开答复"
