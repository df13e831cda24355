// Package annual assembles the annual report (政府信息公开工作年度报告) of one
// agency and year from gongkai's records, and keeps its lifecycle: draft,
// finalised (in the review chain as a publication item), published (frozen).
// The report's format and checks live in package report.
package annual

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"gongkai/models"
	"gongkai/report"
)

// Column is the 栏目 the finalised report is published under.
const Column = "政府信息公开年度报告"

// china is UTC+8: year boundaries are Chinese calendar years.
var china = time.FixedZone("CST", 8*3600)

// Load gathers everything the report of agency for year counts.
func Load(ctx context.Context, db *gorm.DB, agency *models.Agency, year int) (report.Input, error) {
	db = db.WithContext(ctx)
	first, last := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)
	in := report.Input{Year: year, Agency: reportAgency(agency)}
	if agency.ParentID != nil {
		var parent models.Agency
		if err := db.First(&parent, *agency.ParentID).Error; err == nil {
			in.Platform = parent.Name + "网站政务公开专栏"
		}
	}

	// Table 1: documents by type, issued / repealed in the year, in force at its end.
	for _, d := range []struct {
		docType string
		into    *report.DocCounts
	}{{models.DocRegulation, &in.Regulations}, {models.DocNormativeDocument, &in.NormativeDocuments}} {
		q := func(where string, args ...any) (int, error) {
			var n int64
			err := db.Model(&models.Item{}).Where("agency_id = ? AND kind = ? AND status IN ? AND doc_type = ?", agency.ID,
				models.KindPublication, []string{models.ItemPublished, models.ItemUnpublished}, d.docType).Where(where, args...).Count(&n).Error
			return int(n), err
		}
		var err error
		if d.into.Issued, err = q("issued_on BETWEEN ? AND ?", first, last); err != nil {
			return in, err
		}
		if d.into.Repealed, err = q("repealed_on BETWEEN ? AND ?", first, last); err != nil {
			return in, err
		}
		if d.into.InForce, err = q("issued_on <> '' AND issued_on <= ? AND (repealed_on = '' OR repealed_on > ?)", last, last); err != nil {
			return in, err
		}
	}
	var fig models.AnnualFigures
	if err := db.Where("agency_id = ? AND year = ?", agency.ID, year).First(&fig).Error; err == nil {
		in.Licensing, in.Penalty, in.Enforcement, in.FeesWanYuan = fig.Licensing, fig.Penalty, fig.Enforcement, fig.FeesWanYuan
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return in, err
	}

	// Published items per column, in the year by Chinese time.
	from := time.Date(year, 1, 1, 0, 0, 0, 0, china).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, china).UTC()
	var cols []struct {
		Column string
		N      int
	}
	if err := db.Model(&models.Item{}).Select("`column` AS `column`, COUNT(*) AS n").
		Where("agency_id = ? AND kind = ? AND published_at >= ? AND published_at < ?", agency.ID, models.KindPublication, from, to).
		Group("`column`").Order("n DESC, `column`").Scan(&cols).Error; err != nil {
		return in, err
	}
	for _, c := range cols {
		in.PublishedByColumn = append(in.PublishedByColumn, report.ColumnCount{Column: c.Column, Count: c.N})
	}

	// Table 2.
	counts, err := models.CountApplications(ctx, db, agency.ID, year)
	if err != nil {
		return in, err
	}
	in.Received, in.CarriedIn, in.CarriedForward, in.Concluded = counts.Received, counts.CarriedIn, counts.CarriedForward, counts.Concluded

	// Table 3: cases filed in the year, their result as of 31 December.
	var appeals []models.Appeal
	if err := db.Where("agency_id = ? AND filed_on BETWEEN ? AND ?", agency.ID, first, last).Find(&appeals).Error; err != nil {
		return in, err
	}
	in.Appeals = map[string]report.AppealCounts{}
	for _, a := range appeals {
		c := in.Appeals[a.Kind]
		result := a.Result
		if a.DecidedOn != "" && a.DecidedOn > last {
			result = "pending"
		}
		switch result {
		case "upheld":
			c.Upheld++
		case "corrected":
			c.Corrected++
		case "other":
			c.Other++
		default:
			c.Pending++
		}
		in.Appeals[a.Kind] = c
	}

	// Part 六: 信息处理费.
	var fees struct{ N, Amount int64 }
	if err := db.Model(&models.FeeNotice{}).Select("COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount").
		Joins("JOIN applications ON applications.id = fee_notices.application_id").
		Where("applications.agency_id = ? AND fee_notices.notified_on BETWEEN ? AND ?", agency.ID, first, last).Scan(&fees).Error; err != nil {
		return in, err
	}
	in.FeeNotices, in.FeeNoticeAmount = fees.N, fees.Amount
	if err := db.Model(&models.FeeNotice{}).Select("COALESCE(SUM(amount), 0)").
		Joins("JOIN applications ON applications.id = fee_notices.application_id").
		Where("applications.agency_id = ? AND fee_notices.paid_on BETWEEN ? AND ?", agency.ID, first, last).Scan(&in.FeesCollected).Error; err != nil {
		return in, err
	}

	// R-D compares with last year's published report; the narrative as edited.
	var prev models.AnnualReport
	if err := db.Where("agency_id = ? AND year = ? AND status = ?", agency.ID, year-1, models.ReportPublished).First(&prev).Error; err == nil {
		var r report.Report
		if err := json.Unmarshal([]byte(prev.Frozen), &r); err == nil {
			cf := r.Applications.Row(report.RowCarriedForward)
			in.PreviousCarriedForward = &cf
		}
	}
	var cur models.AnnualReport
	if err := db.Where("agency_id = ? AND year = ?", agency.ID, year).First(&cur).Error; err == nil && cur.Narrative != "" {
		if err := json.Unmarshal([]byte(cur.Narrative), &in.Narrative); err != nil {
			return in, fmt.Errorf("narrative of %d: %w", year, err)
		}
	}
	return in, nil
}

// Generate returns the report as it stands: frozen once finalised,
// otherwise built afresh from the records.
func Generate(ctx context.Context, db *gorm.DB, agency *models.Agency, year int) (report.Report, string, error) {
	var row models.AnnualReport
	err := db.WithContext(ctx).Where("agency_id = ? AND year = ?", agency.ID, year).First(&row).Error
	if err == nil && row.Frozen != "" {
		var r report.Report
		if err := json.Unmarshal([]byte(row.Frozen), &r); err != nil {
			return r, row.Status, err
		}
		return r, row.Status, nil
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return report.Report{}, "", err
	}
	in, err := Load(ctx, db, agency, year)
	if err != nil {
		return report.Report{}, "", err
	}
	status := row.Status
	if status == "" {
		status = models.ReportDraft
	}
	return report.Build(in), status, nil
}

// reportAgency names the agency as the narrative does: 隆德县城关镇人民政府
// is 城关镇, a township ("我镇").
func reportAgency(a *models.Agency) report.Agency {
	short := strings.TrimSuffix(a.Name, "人民政府")
	for _, sep := range []string{"县", "区", "市"} {
		if i := strings.LastIndex(short, sep); i >= 0 && i+len(sep) < len(short) && (strings.HasSuffix(short, "镇") || strings.HasSuffix(short, "乡") || strings.HasSuffix(short, "街道")) {
			short = short[i+len(sep):]
			break
		}
	}
	kind := report.KindDepartment
	switch {
	case strings.HasSuffix(short, "镇"), strings.HasSuffix(short, "乡"), strings.HasSuffix(short, "街道"):
		kind = report.KindTownship
	case strings.HasSuffix(short, "县"), strings.HasSuffix(short, "区"), strings.HasSuffix(short, "市"):
		kind = report.KindCounty
	}
	return report.Agency{Code: a.Code, Name: a.Name, ShortName: short, Kind: kind}
}
