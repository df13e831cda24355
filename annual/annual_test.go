package annual_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"gongkai/annual"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/report"
)

// The demo's 2023 records give 城关镇's 2023 report as published: every
// table zero, 11 items of which 1 in 财政资金 and 10 in 新闻中心.
func TestDemo2023ReportMatchesTheExample(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		if err := demo.Seed(ctx, db, "demo12345"); err != nil {
			t.Fatal(err)
		}
		cg, _ := models.AgencyByCode(ctx, db, "chengguan")
		r, status, err := annual.Generate(ctx, db, cg, 2023)
		if err != nil {
			t.Fatal(err)
		}
		if status != models.ReportDraft || r.Agency.ShortName != "城关镇" || r.Agency.Kind != report.KindTownship {
			t.Fatalf("status %q agency %+v", status, r.Agency)
		}
		zero := report.DocCounts{}
		p := r.Proactive
		if p.Regulations != zero || p.NormativeDocuments != zero || p.Licensing != 0 || p.Penalty != 0 || p.Enforcement != 0 || p.FeesWanYuan != "0.00" {
			t.Errorf("table 1 = %+v, want all zero", p)
		}
		for key, row := range r.Applications.Rows {
			if row != [7]int{} {
				t.Errorf("table 2 row %s = %v, want zeros", key, row)
			}
		}
		if r.Appeals != (report.Appeals{}) {
			t.Errorf("table 3 = %+v, want zeros", r.Appeals)
		}
		for _, c := range r.Checks {
			if !c.OK {
				t.Errorf("check %s failed: %s", c.Rule, c.Detail)
			}
		}
		overview := r.Narrative[report.PartOverview]
		for _, want := range []string{"2023年", "我镇", "隆德县人民政府网站政务公开专栏", "主动公开信息共计11条", "财政资金栏目", "1条", "新闻中心栏目", "10条", "未收到政府信息公开申请"} {
			if !strings.Contains(overview, want) {
				t.Errorf("一 lacks %q:\n%s", want, overview)
			}
		}
	})
}

func TestLoadCountsEveryTable(t *testing.T) {
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "demo12345"); err != nil {
		t.Fatal(err)
	}
	cg, _ := models.AgencyByCode(ctx, db, "chengguan")
	editor, _ := models.UserByUsername(ctx, db, "editor")
	for i, d := range []struct{ docType, issued, repealed string }{
		{models.DocNormativeDocument, "2024-03-01", ""},           // issued in 2024, in force
		{models.DocNormativeDocument, "2022-05-01", "2024-06-30"}, // repealed in 2024
		{models.DocNormativeDocument, "2021-01-01", ""},           // in force
		{models.DocRegulation, "2024-02-02", "2024-12-01"},        // issued and repealed in 2024
	} {
		it := models.Item{AgencyID: cg.ID, IndexNo: "doc-" + string(rune('a'+i)), Title: "文件", Column: "政策文件", FormedOn: d.issued,
			Status: models.ItemPublished, Version: 1, Revision: 1, AuthorID: editor.ID, Kind: models.KindPublication,
			DocType: d.docType, IssuedOn: d.issued, RepealedOn: d.repealed}
		if err := db.Create(&it).Error; err != nil {
			t.Fatal(err)
		}
	}
	db.Create(&models.AnnualFigures{AgencyID: cg.ID, Year: 2024, Licensing: 12, Penalty: 3, Enforcement: 1, FeesWanYuan: "1.5"})
	for _, a := range []models.Appeal{
		{AgencyID: cg.ID, Kind: "review", FiledOn: "2024-04-01", Result: "upheld", DecidedOn: "2024-06-01", CreatedBy: editor.ID},
		{AgencyID: cg.ID, Kind: "review", FiledOn: "2024-11-01", Result: "corrected", DecidedOn: "2025-02-01", CreatedBy: editor.ID}, // pending on 31 Dec
		{AgencyID: cg.ID, Kind: "litigation_direct", FiledOn: "2024-05-01", Result: "other", DecidedOn: "2024-09-01", CreatedBy: editor.ID},
		{AgencyID: cg.ID, Kind: "litigation_after_review", FiledOn: "2023-05-01", Result: "upheld", CreatedBy: editor.ID}, // filed 2023
	} {
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
	app := models.Application{AgencyID: cg.ID, Number: "cg-1", QueryCode: "x", ApplicantKind: "commercial", ApplicantName: "某公司",
		Channel: "online", ReceivedOn: "2024-05-01", ConcludedOn: "2024-05-20", Outcome: "partially_disclosed", Status: models.AppArchived, CreatedBy: editor.ID}
	db.Create(&app)
	db.Create(&models.FeeNotice{ApplicationID: app.ID, Method: "per_page", Pages: 250, Amount: 4700, NotifiedOn: "2024-05-05", PaidOn: "2024-05-08"})

	in, err := annual.Load(ctx, db, cg, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if in.NormativeDocuments != (report.DocCounts{Issued: 1, Repealed: 1, InForce: 2}) || in.Regulations != (report.DocCounts{Issued: 1, Repealed: 1, InForce: 0}) {
		t.Errorf("documents: %+v / %+v", in.NormativeDocuments, in.Regulations)
	}
	if in.Licensing != 12 || in.Penalty != 3 || in.Enforcement != 1 || in.FeesWanYuan != "1.5" {
		t.Errorf("figures: %+v", in)
	}
	if in.Appeals["review"] != (report.AppealCounts{Upheld: 1, Pending: 1}) || in.Appeals["litigation_direct"] != (report.AppealCounts{Other: 1}) || in.Appeals["litigation_after_review"] != (report.AppealCounts{}) {
		t.Errorf("appeals: %+v", in.Appeals)
	}
	if in.Received != [6]int{0, 1, 0, 0, 0, 0} || in.Concluded["partially_disclosed"] != [6]int{0, 1, 0, 0, 0, 0} {
		t.Errorf("applications: %+v %+v", in.Received, in.Concluded)
	}
	if in.FeeNotices != 1 || in.FeeNoticeAmount != 4700 || in.FeesCollected != 4700 {
		t.Errorf("fees: %d %d %d", in.FeeNotices, in.FeeNoticeAmount, in.FeesCollected)
	}
	r := report.Build(in)
	if r.Proactive.FeesWanYuan != "1.50" {
		t.Errorf("fees 万元 = %q", r.Proactive.FeesWanYuan)
	}
}
