package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Document types an item may carry, counted in the annual report's table 1
// (条例 Art.20(一)).
const (
	DocRegulation        = "regulation"         // 规章
	DocNormativeDocument = "normative_document" // 行政规范性文件
)

// Appeal kinds and results (annual report table 3).
var (
	AppealKinds   = []string{"review", "litigation_direct", "litigation_after_review"} // 行政复议, 未经复议直接起诉, 复议后起诉
	AppealResults = []string{"upheld", "corrected", "other", "pending"}                // 维持, 纠正, 其他, 尚未审结
)

// Appeal is one 行政复议 or 行政诉讼 case about disclosure.
type Appeal struct {
	ID            uint      `gorm:"primaryKey" json:"id"`
	AgencyID      uint      `gorm:"not null;index:idx_appeal_agency_filed,priority:1" json:"agency_id"`
	ApplicationID *uint     `json:"application_id,omitempty"`
	Kind          string    `gorm:"size:32;not null" json:"kind"`
	FiledOn       string    `gorm:"size:10;not null;index:idx_appeal_agency_filed,priority:2" json:"filed_on"`
	Result        string    `gorm:"size:16;not null" json:"result"`
	DecidedOn     string    `gorm:"size:10;not null;default:''" json:"decided_on,omitempty"`
	Note          string    `gorm:"type:text" json:"note,omitempty"`
	CreatedBy     uint      `gorm:"not null" json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// AnnualFigures are the table-1 numbers that come from the office's other
// systems, entered by an admin per year.
type AnnualFigures struct {
	AgencyID    uint      `gorm:"primaryKey;autoIncrement:false" json:"agency_id"`
	Year        int       `gorm:"primaryKey;autoIncrement:false" json:"year"`
	Licensing   int       `gorm:"not null" json:"licensing"`
	Penalty     int       `gorm:"not null" json:"penalty"`
	Enforcement int       `gorm:"not null" json:"enforcement"`
	FeesWanYuan string    `gorm:"size:20;not null;default:'0.00'" json:"fees_wan_yuan"`
	UpdatedBy   uint      `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Annual report states.
const (
	ReportDraft     = "draft"
	ReportFinalised = "finalised" // submitted as a publication item, in its chain
	ReportPublished = "published" // figures frozen
)

// AnnualReport is an agency's report for one year: its narrative while a
// draft, and once finalised the frozen report JSON.
type AnnualReport struct {
	AgencyID  uint      `gorm:"primaryKey;autoIncrement:false" json:"agency_id"`
	Year      int       `gorm:"primaryKey;autoIncrement:false" json:"year"`
	Status    string    `gorm:"size:16;not null" json:"status"`
	Narrative string    `gorm:"type:text" json:"-"` // JSON map part → text, as edited
	Frozen    string    `gorm:"type:text" json:"-"` // the report JSON at finalisation
	ItemID    *uint     `json:"item_id,omitempty"`  // the publication item it went out as
	UpdatedAt time.Time `json:"updated_at"`
}

// ApplicationCounts are the annual report's table-2 counts for an agency's
// year, per applicant kind in ApplicantKinds order.
type ApplicationCounts struct {
	Received, CarriedIn, CarriedForward [6]int
	Concluded                           map[string][6]int
}

func kindIndex(kind string) int {
	for i, k := range ApplicantKinds {
		if k == kind {
			return i
		}
	}
	return len(ApplicantKinds) - 1 // unknown kinds count as 其他
}

// CountApplications aggregates the agency's applications for year in the
// database: received in the year by receipt date; carried in (received
// earlier, not concluded before the year); concluded in the year by
// outcome; carried forward (not concluded by 31 December).
func CountApplications(ctx context.Context, db *gorm.DB, agencyID uint, year int) (ApplicationCounts, error) {
	first, last := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)
	c := ApplicationCounts{Concluded: map[string][6]int{}}
	type row struct {
		Kind    string
		Outcome string
		N       int
	}
	q := func(dst *[6]int, where string, args ...any) error {
		var rows []row
		err := db.WithContext(ctx).Model(&Application{}).Select("applicant_kind AS kind, COUNT(*) AS n").
			Where("agency_id = ?", agencyID).Where(where, args...).Group("applicant_kind").Scan(&rows).Error
		for _, r := range rows {
			dst[kindIndex(r.Kind)] += r.N
		}
		return err
	}
	if err := q(&c.Received, "received_on BETWEEN ? AND ?", first, last); err != nil {
		return c, err
	}
	if err := q(&c.CarriedIn, "received_on < ? AND (concluded_on = '' OR concluded_on >= ?)", first, first); err != nil {
		return c, err
	}
	if err := q(&c.CarriedForward, "received_on <= ? AND (concluded_on = '' OR concluded_on > ?)", last, last); err != nil {
		return c, err
	}
	var rows []row
	if err := db.WithContext(ctx).Model(&Application{}).Select("applicant_kind AS kind, outcome, COUNT(*) AS n").
		Where("agency_id = ? AND concluded_on BETWEEN ? AND ?", agencyID, first, last).
		Group("applicant_kind, outcome").Scan(&rows).Error; err != nil {
		return c, err
	}
	for _, r := range rows {
		v := c.Concluded[r.Outcome]
		v[kindIndex(r.Kind)] += r.N
		c.Concluded[r.Outcome] = v
	}
	return c, nil
}
