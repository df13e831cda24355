package activities_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"gongkai/activities"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
)

func TestDailyDigestListsDueSoonAndOverdueOnce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "demo12345"); err != nil {
		t.Fatal(err)
	}
	cg, _ := models.AgencyByCode(ctx, db, "chengguan")
	clerk, _ := models.UserByUsername(ctx, db, "clerk")
	editor, _ := models.UserByUsername(ctx, db, "editor")
	for i, a := range []struct{ number, due, status, state string }{
		{"cg-YSQ-1", "2026-09-14", models.AppRegistered, "overdue"}, // before today
		{"cg-YSQ-2", "2026-09-17", models.AppRegistered, "running"}, // 2 working days after Tue 09-15
		{"cg-YSQ-3", "2026-10-22", models.AppRegistered, "running"}, // far off
		{"cg-YSQ-4", "2026-09-10", models.AppConsulting, "paused"},  // paused: not late
		{"cg-YSQ-5", "2026-09-01", models.AppReplied, "stopped"},    // concluded
	} {
		app := models.Application{AgencyID: cg.ID, Number: a.number, QueryCode: "X", ApplicantKind: "natural_person", ApplicantName: "x",
			Channel: "in_person", ReceivedOn: "2026-08-01", Status: a.status, DueOn: a.due, ClockState: a.state, CreatedBy: clerk.ID}
		if err := db.Create(&app).Error; err != nil {
			t.Fatal(i, err)
		}
	}
	acts := &activities.Activities{DB: db, Logger: slog.New(slog.DiscardHandler)}
	for range 2 {
		if err := acts.SendDailyDigests(ctx, "2026-09-15"); err != nil {
			t.Fatal(err)
		}
	}
	var ns []models.Notification
	db.Where("kind = ?", "daily_digest").Find(&ns)
	var toClerk []models.Notification
	for _, n := range ns {
		if n.UserID == editor.ID {
			t.Fatal("an editor got the applications digest")
		}
		if n.UserID == clerk.ID {
			toClerk = append(toClerk, n)
		}
	}
	if len(toClerk) != 1 {
		t.Fatalf("clerk got %d digests, want 1", len(toClerk))
	}
	msg := toClerk[0].Message
	for _, want := range []string{"即将到期 1 件", "cg-YSQ-2", "已逾期 1 件", "cg-YSQ-1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("digest %q lacks %q", msg, want)
		}
	}
	for _, absent := range []string{"cg-YSQ-3", "cg-YSQ-4", "cg-YSQ-5"} {
		if strings.Contains(msg, absent) {
			t.Errorf("digest %q lists %s", msg, absent)
		}
	}
}
