package models_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/dbtest"
	"gongkai/models"
)

// The inbox of user 100 (reviewer and leader in agency 1) over tasks that
// cover each rule: role, assignment, agency, state, and both bars.
func TestInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		const me, other, editor = 100, 101, 102
		uid := func(u uint) *uint { return &u }
		rev := func(item uint, n int, editor uint) {
			t.Helper()
			r := models.ItemRevision{ItemID: item, Revision: n, Title: "t", Column: "c", FormedOn: "2026-01-01", EditorID: editor, ContentHash: "h"}
			if err := db.Create(&r).Error; err != nil {
				t.Fatal(err)
			}
		}
		byTitle := map[string]uint{}
		task := func(title string, agency, item uint, step, revision int, role, state, due string, assignee, actor *uint) {
			t.Helper()
			tk := models.Task{AgencyID: agency, ItemID: item, Round: 1, Step: step, StepName: role, Role: role, State: state,
				DueOn: due, AssigneeID: assignee, ActorID: actor, Revision: revision, Title: title, Column: "通知公告", OpenedAt: time.Now()}
			if err := db.Create(&tk).Error; err != nil {
				t.Fatal(err)
			}
			byTitle[title] = tk.ID
		}
		for item := uint(1); item <= 10; item++ {
			rev(item, 1, editor)
		}
		rev(5, 2, me)  // I edited item 5: barred from its task
		rev(10, 2, me) // and item 10, whose task is assigned to me all the same
		task("visible review", 1, 1, 0, 1, models.RoleReviewer, models.TaskOpen, "2026-01-05", nil, nil)
		task("visible approval", 1, 2, 1, 1, models.RoleLeader, models.TaskOpen, "2026-01-03", nil, nil)
		task("assigned to other", 1, 3, 0, 1, models.RoleReviewer, models.TaskOpen, "2026-01-01", uid(other), nil)
		task("assigned to me", 1, 4, 0, 1, models.RoleClerk, models.TaskOpen, "2026-01-04", uid(me), nil)
		task("I edited it", 1, 5, 0, 2, models.RoleReviewer, models.TaskOpen, "2026-01-02", nil, nil)
		task("I reviewed it", 1, 6, 0, 1, models.RoleReviewer, models.TaskApproved, "2026-01-01", nil, uid(me))
		task("approval after my review", 1, 6, 1, 1, models.RoleLeader, models.TaskOpen, "2026-01-02", nil, nil)
		task("I reviewed an older revision", 1, 7, 0, 1, models.RoleReviewer, models.TaskApproved, "2026-01-01", nil, uid(me))
		task("approval of a newer revision", 1, 7, 1, 2, models.RoleLeader, models.TaskOpen, "2026-01-10", nil, nil)
		task("other agency", 2, 8, 0, 1, models.RoleReviewer, models.TaskOpen, "2026-01-01", nil, nil)
		task("closed", 1, 9, 0, 1, models.RoleReviewer, models.TaskApproved, "2026-01-01", nil, uid(other))
		task("assigned to me, but I edited it", 1, 10, 0, 2, models.RoleReviewer, models.TaskOpen, "2026-01-01", uid(me), nil)
		if err := models.RebuildTaskTallies(db); err != nil {
			t.Fatal(err)
		}
		// Bars as the transition activity writes them, task by task.
		var open []models.Task
		if err := db.Where("state = ?", models.TaskOpen).Find(&open).Error; err != nil {
			t.Fatal(err)
		}
		for _, tk := range open {
			if err := models.BarTask(db, tk.ID); err != nil {
				t.Fatal(err)
			}
		}

		q := models.InboxQuery{UserID: me, AgencyID: 1, Roles: []string{models.RoleReviewer, models.RoleLeader}, Today: "2026-01-05"}
		titles := func(q models.InboxQuery, limit, offset int) []string {
			t.Helper()
			rows, err := models.InboxPage(ctx, db, q, limit, offset)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, r.Title)
			}
			return out
		}
		counts := func(want string, wantOpen, wantOverdue int64) {
			t.Helper()
			open, overdue, err := models.InboxCounts(ctx, db, q)
			if err != nil {
				t.Fatal(err)
			}
			if open != wantOpen || overdue != wantOverdue {
				t.Errorf("%s: counts open %d overdue %d, want %d and %d", want, open, overdue, wantOpen, wantOverdue)
			}
		}
		all := []string{"visible approval", "assigned to me", "visible review", "approval of a newer revision"}
		if got := titles(q, 50, 0); !slices.Equal(got, all) {
			t.Errorf("inbox %q, want %q", got, all)
		}
		counts("inbox", 4, 2)
		if got := titles(q, 2, 1); !slices.Equal(got, all[1:3]) {
			t.Errorf("limit 2 offset 1: %q, want %q", got, all[1:3])
		}
		if got := titles(q, 2, 4); len(got) != 0 {
			t.Errorf("past the end: %q", got)
		}
		late, onTime := q, q
		late.Overdue, onTime.Overdue = new(true), new(false)
		if got := titles(late, 50, 0); !slices.Equal(got, all[:2]) {
			t.Errorf("overdue: %q", got)
		}
		if got := titles(onTime, 50, 0); !slices.Equal(got, all[2:]) {
			t.Errorf("not overdue: %q", got)
		}
		byStep := q
		byStep.StepName = models.RoleLeader
		if got := titles(byStep, 50, 0); !slices.Equal(got, []string{"visible approval", "approval of a newer revision"}) {
			t.Errorf("step filter: %q", got)
		}
		text := q
		text.Text = "newer"
		if got := titles(text, 50, 0); !slices.Equal(got, []string{"approval of a newer revision"}) {
			t.Errorf("text filter: %q", got)
		}
		reviewerOnly := q
		reviewerOnly.Roles = []string{models.RoleReviewer}
		if got := titles(reviewerOnly, 50, 0); !slices.Equal(got, []string{"assigned to me", "visible review"}) {
			t.Errorf("reviewer only: %q", got)
		}

		// A rebuild from scratch (migration 10, the benchmark's seed) gives the
		// same bars.
		if err := models.RebuildTaskBars(db); err != nil {
			t.Fatal(err)
		}
		if got := titles(q, 50, 0); !slices.Equal(got, all) {
			t.Errorf("after rebuild: %q, want %q", got, all)
		}
		counts("after rebuild", 4, 2)
		var bars []models.TaskBar
		db.Order("task_id, user_id").Find(&bars)
		want := []models.TaskBar{}
		for _, tk := range open {
			want = append(want, models.TaskBar{TaskID: tk.ID, UserID: editor, AgencyID: tk.AgencyID, Role: tk.Role})
			switch tk.Title {
			case "I edited it", "approval after my review", "assigned to me, but I edited it":
				want = append(want, models.TaskBar{TaskID: tk.ID, UserID: me, AgencyID: tk.AgencyID, Role: tk.Role})
			}
		}
		slices.SortFunc(want, func(a, b models.TaskBar) int {
			if a.TaskID != b.TaskID {
				return int(a.TaskID) - int(b.TaskID)
			}
			return int(a.UserID) - int(b.UserID)
		})
		if !slices.Equal(bars, want) {
			t.Errorf("bars %v, want %v", bars, want)
		}

		// A closed task's bars go.
		if err := models.UnbarTask(db, byTitle["I edited it"]); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Model(&models.TaskBar{}).Where("task_id = ?", byTitle["I edited it"]).Count(&n)
		if n != 0 {
			t.Errorf("%d bars left on a closed task", n)
		}
	})
}

// The task functions keep the tallies equal to a count from scratch.
func TestTaskTalliesFollowTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		snapshot := func() []models.TaskTally {
			var ts []models.TaskTally
			db.Where("n <> 0").Order("agency_id, role, due_on").Find(&ts)
			return ts
		}
		check := func(step string, want int) {
			t.Helper()
			kept := snapshot()
			var n int64
			for _, k := range kept {
				n += k.N
			}
			if n != int64(want) {
				t.Errorf("%s: tallies add up to %d, want %d (%v)", step, n, want, kept)
			}
			if err := models.RebuildTaskTallies(db); err != nil {
				t.Fatal(err)
			}
			if rebuilt := snapshot(); !slices.Equal(kept, rebuilt) {
				t.Errorf("%s: tallies %v, counted afresh %v", step, kept, rebuilt)
			}
		}
		open := func(item uint, role, due string) *models.Task {
			t.Helper()
			tk := &models.Task{AgencyID: 1, ItemID: item, Round: 1, StepName: role, Role: role, State: models.TaskOpen,
				DueOn: due, Revision: 1, Title: "t", Column: "c", OpenedAt: time.Now()}
			if err := models.CreateOpenTask(db, tk); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		a := open(1, models.RoleReviewer, "2026-01-05")
		b := open(2, models.RoleReviewer, "2026-01-05")
		c := open(3, models.RoleLeader, "2026-01-06")
		check("three opened", 3)
		again := &models.Task{AgencyID: 1, ItemID: 1, Round: 1, StepName: "review", Role: models.RoleReviewer, State: models.TaskOpen,
			DueOn: "2026-01-05", Revision: 1, Title: "t", Column: "c", OpenedAt: time.Now()}
		if err := models.CreateOpenTask(db, again); err != nil { // a retried transition
			t.Fatal(err)
		}
		check("opened again", 3)
		if err := models.AssignTask(db, b.ID, 7, 8); err != nil {
			t.Fatal(err)
		}
		check("one assigned", 2)
		if err := models.AssignTask(db, b.ID, 9, 8); err != nil { // reassigned
			t.Fatal(err)
		}
		check("reassigned", 2)
		if err := models.SetTaskDue(db, a.ID, "2026-01-09"); err != nil {
			t.Fatal(err)
		}
		if err := models.SetTaskDue(db, b.ID, "2026-01-09"); err != nil { // assigned: not tallied
			t.Fatal(err)
		}
		check("due dates moved", 2)
		for _, id := range []uint{a.ID, b.ID, c.ID, c.ID} { // c twice: a retry
			if err := models.CloseTask(db, id, models.TaskApproved, 7, "", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		check("all closed", 0)
	})
}
