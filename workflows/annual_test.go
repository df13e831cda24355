package workflows_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"gongkai/activities"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/workflows"
)

func TestAnnualReportsOpensDraftsAndReminds(t *testing.T) {
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "demo12345"); err != nil {
		t.Fatal(err)
	}
	cg, _ := models.AgencyByCode(ctx, db, "chengguan")
	sh, _ := models.AgencyByCode(ctx, db, "shanhe")
	db.Model(&models.Agency{}).Where("id = ?", sh.ID).Update("report_deadline", "02-20") // set by its county
	editor, _ := models.UserByUsername(ctx, db, "editor")
	editor2, _ := models.UserByUsername(ctx, db, "editor2")

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.AnnualReports, workflow.RegisterOptions{Name: workflows.AnnualReportsWorkflow})
	env.RegisterActivity(&activities.Activities{DB: db, Logger: slog.New(slog.DiscardHandler)})
	china := time.FixedZone("CST", 8*3600)
	env.SetStartTime(time.Date(2027, 1, 2, 9, 0, 0, 0, china))

	count := func(userID uint) int64 {
		var n int64
		db.Model(&models.Notification{}).Where("user_id = ? AND kind = ?", userID, "annual_report_due").Count(&n)
		return n
	}
	at := func(day int, hour int) time.Duration {
		return time.Date(2027, 1, day, hour, 0, 0, 0, china).Sub(time.Date(2027, 1, 2, 9, 0, 0, 0, china))
	}
	got := map[string]int64{}
	// 城关镇's deadline is 2027-01-31 (a make-up working Sunday): 10, 5 and 2
	// working days before it are 01-18, 01-25 and 01-28.
	env.RegisterDelayedCallback(func() { got["17"] = count(editor.ID) }, at(17, 12))
	env.RegisterDelayedCallback(func() { got["18"] = count(editor.ID) }, at(18, 9))
	env.RegisterDelayedCallback(func() {
		got["25"] = count(editor.ID)
		// Finalised before the last reminder: no more reminders for it.
		db.Model(&models.AnnualReport{}).Where("agency_id = ? AND year = ?", cg.ID, 2026).Update("status", models.ReportFinalised)
	}, at(25, 9))
	env.ExecuteWorkflow(workflows.AnnualReportsWorkflow)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var drafts int64
	db.Model(&models.AnnualReport{}).Where("year = ?", 2026).Count(&drafts)
	if drafts != 3 {
		t.Fatalf("%d draft reports for 2026, want one per agency (3)", drafts)
	}
	if got["17"] != 0 || got["18"] != 1 || got["25"] != 2 || count(editor.ID) != 2 {
		t.Errorf("城关镇 editor reminders: by 01-17 %d, 01-18 %d, 01-25 %d, end %d; want 0, 1, 2, 2", got["17"], got["18"], got["25"], count(editor.ID))
	}
	if count(editor2.ID) != 3 {
		t.Errorf("山河镇 editor got %d reminders, want 3 (deadline 02-20)", count(editor2.ID))
	}
}
