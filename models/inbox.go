package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TaskBar bars a user from deciding an open task: they wrote or edited a
// revision of its item, or decided another step of the revision under
// review (segregation of duties). The item's workflow enforces the rule;
// these rows let the inbox leave such tasks out without reading every
// task's history. They live as long as the task is open: nobody can edit an
// item under review, so the set cannot change meanwhile.
//
// The task's agency and role are copied (they never change while it is
// open), so the inbox reads only the bars on tasks the user could see.
type TaskBar struct {
	TaskID   uint   `gorm:"primaryKey;autoIncrement:false"`
	UserID   uint   `gorm:"primaryKey;autoIncrement:false;index:idx_bar_user,priority:1"`
	AgencyID uint   `gorm:"not null;index:idx_bar_user,priority:2"`
	Role     string `gorm:"size:16;not null;index:idx_bar_user,priority:3"`
}

// barOpenTasks records the bars of the open tasks that match filter (a
// condition on tasks t). The two sources mirror the workflow's checks.
func barOpenTasks(tx *gorm.DB, filter string, args ...any) error {
	return tx.Exec(`INSERT INTO task_bars (task_id, user_id, agency_id, role)
SELECT t.id, r.editor_id, t.agency_id, t.role FROM tasks t JOIN item_revisions r ON r.item_id = t.item_id
WHERE t.state = ? AND `+filter+`
UNION
SELECT t.id, d.actor_id, t.agency_id, t.role FROM tasks t JOIN tasks d ON d.item_id = t.item_id AND d.revision = t.revision AND d.step <> t.step
WHERE t.state = ? AND d.state IN ? AND d.actor_id IS NOT NULL AND `+filter,
		append(append([]any{TaskOpen}, args...), append([]any{TaskOpen, []string{TaskApproved, TaskReturned}}, args...)...)...).Error
}

// BarTask records who may not decide taskID, a task just opened.
func BarTask(tx *gorm.DB, taskID uint) error {
	return barOpenTasks(tx, "t.id = ?", taskID)
}

// RebuildTaskBars records the bars of every open task afresh: for a schema
// that had none, and for tasks written straight into the table (the inbox
// benchmark's seed).
func RebuildTaskBars(tx *gorm.DB) error {
	if err := tx.Where("1 = 1").Delete(&TaskBar{}).Error; err != nil {
		return err
	}
	return barOpenTasks(tx, "1 = 1")
}

// UnbarTask drops the bars of a task that closed.
func UnbarTask(tx *gorm.DB, taskID uint) error {
	return tx.Where("task_id = ?", taskID).Delete(&TaskBar{}).Error
}

// TaskTally counts the open tasks of an agency that wait for a role,
// assigned to nobody, per due date: the inbox's counts add up a few of these
// rows instead of counting thousands of tasks on every request. The task
// functions (CreateOpenTask, CloseTask, AssignTask, SetTaskDue) keep it in
// step, in the same transaction as the task's change.
type TaskTally struct {
	AgencyID uint   `gorm:"primaryKey;autoIncrement:false"`
	Role     string `gorm:"primaryKey;size:16"`
	DueOn    string `gorm:"primaryKey;size:10"`
	N        int64  `gorm:"not null"`
}

func tally(tx *gorm.DB, agencyID uint, role, due string, delta int64) error {
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "agency_id"}, {Name: "role"}, {Name: "due_on"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("n + ?", delta)}),
	}).Create(&TaskTally{AgencyID: agencyID, Role: role, DueOn: due, N: delta}).Error
	if err != nil || delta > 0 {
		return err
	}
	// Days with nothing open go, so the counts read only live rows.
	return tx.Where("agency_id = ? AND role = ? AND due_on = ? AND n = 0", agencyID, role, due).Delete(&TaskTally{}).Error
}

// RebuildTaskTallies counts the open tasks afresh: for a schema that had no
// tallies, and for tasks written straight into the table (the inbox
// benchmark's seed).
func RebuildTaskTallies(tx *gorm.DB) error {
	if err := tx.Where("1 = 1").Delete(&TaskTally{}).Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO task_tallies (agency_id, role, due_on, n)
SELECT agency_id, role, due_on, COUNT(*) FROM tasks WHERE state = ? AND assignee_id IS NULL GROUP BY agency_id, role, due_on`, TaskOpen).Error
}

// InboxQuery asks for the open tasks one user may act on: those of their
// agency waiting for a role they hold and assigned to nobody, and those
// assigned to them, less the tasks they are barred from.
type InboxQuery struct {
	UserID   uint
	AgencyID uint
	Roles    []string
	Today    string // YYYY-MM-DD: a task due before it is overdue

	// Filters of the page (the counts ignore them).
	StepName string
	Column   string
	Text     string // part of the title
	Overdue  *bool
}

// Each branch is served by an index that ends in due_on, so a page is read
// in order and the counts are index-only scans of what the user can see:
// the work grows with the page and the visible tasks, never with the
// agency's history.
func (q InboxQuery) byRole(db *gorm.DB, roles ...string) *gorm.DB {
	return db.Model(&Task{}).Where("tasks.agency_id = ? AND tasks.state = ? AND tasks.role IN ? AND tasks.assignee_id IS NULL",
		q.AgencyID, TaskOpen, roles)
}

func (q InboxQuery) assigned(db *gorm.DB) *gorm.DB {
	return db.Model(&Task{}).Where("tasks.assignee_id = ? AND tasks.state = ? AND tasks.agency_id = ?", q.UserID, TaskOpen, q.AgencyID)
}

// InboxCounts counts the open and overdue tasks of the inbox: the assigned
// ones, and the tallies of the user's roles less the tasks barred. One
// statement, so all parts see the same moment.
func InboxCounts(ctx context.Context, db *gorm.DB, q InboxQuery) (open, overdue int64, err error) {
	db = db.WithContext(ctx)
	const countTasks = "COUNT(*) AS open, COALESCE(SUM(CASE WHEN tasks.due_on < ? THEN 1 ELSE 0 END), 0) AS overdue"
	parts := []*gorm.DB{q.unbarred(q.assigned(db)).Select(countTasks, q.Today)}
	if len(q.Roles) > 0 {
		parts = append(parts,
			db.Model(&TaskTally{}).Where("agency_id = ? AND role IN ?", q.AgencyID, q.Roles).
				Select("COALESCE(SUM(n), 0) AS open, COALESCE(SUM(CASE WHEN due_on < ? THEN n ELSE 0 END), 0) AS overdue", q.Today),
			// The bars on tallied tasks, read from the user's bars (few) and
			// looked up by task id; subtracted.
			db.Table("task_bars b").Joins("JOIN tasks ON tasks.id = b.task_id").
				Where("b.user_id = ? AND b.agency_id = ? AND b.role IN ? AND tasks.state = ? AND tasks.assignee_id IS NULL",
					q.UserID, q.AgencyID, q.Roles, TaskOpen).
				Select("-COUNT(*) AS open, -COALESCE(SUM(CASE WHEN tasks.due_on < ? THEN 1 ELSE 0 END), 0) AS overdue", q.Today))
	}
	union, args := "", []any{}
	for i, p := range parts {
		if i > 0 {
			union += " UNION ALL "
		}
		union += "SELECT * FROM (?) p" + strconv.Itoa(i)
		args = append(args, p)
	}
	var c struct{ Open, Overdue int64 }
	err = db.Raw("SELECT COALESCE(SUM(open), 0) AS open, COALESCE(SUM(overdue), 0) AS overdue FROM ("+union+") parts", args...).Scan(&c).Error
	return c.Open, c.Overdue, err
}

// MaxInboxOffset bounds paging: each branch reads offset+limit tasks.
const MaxInboxOffset = 10000

// InboxPage reads limit tasks from offset, by due date then id.
func InboxPage(ctx context.Context, db *gorm.DB, q InboxQuery, limit, offset int) ([]Task, error) {
	if offset < 0 || offset > MaxInboxOffset || limit < 1 {
		return nil, fmt.Errorf("inbox page: offset %d, limit %d out of range", offset, limit)
	}
	db = db.WithContext(ctx)
	// One query per role and one for the assigned tasks, each in index
	// order; merged here. An IN over roles would make the database sort
	// every visible task for one page.
	branches := []*gorm.DB{q.unbarred(q.assigned(db))}
	for _, r := range slices.Compact(slices.Sorted(slices.Values(q.Roles))) {
		branches = append(branches, q.unbarredFor(q.byRole(db, r), r))
	}
	var all []Task
	for _, b := range branches {
		var rows []Task
		if err := q.filter(b).Order("tasks.due_on, tasks.id").Limit(offset + limit).Find(&rows).Error; err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	slices.SortFunc(all, func(a, b Task) int { return cmp.Or(strings.Compare(a.DueOn, b.DueOn), cmp.Compare(a.ID, b.ID)) })
	if offset >= len(all) {
		return []Task{}, nil
	}
	return all[offset:min(offset+limit, len(all))], nil
}

// unbarred leaves out the tasks the user is barred from.
func (q InboxQuery) unbarred(db *gorm.DB) *gorm.DB {
	return db.Where("NOT EXISTS (SELECT 1 FROM task_bars b WHERE b.task_id = tasks.id AND b.user_id = ?)", q.UserID)
}

// unbarredFor is unbarred for the tasks of one role: the database may read
// the user's bars on that role first (MariaDB does), and those are few.
func (q InboxQuery) unbarredFor(db *gorm.DB, role string) *gorm.DB {
	return db.Where("NOT EXISTS (SELECT 1 FROM task_bars b WHERE b.task_id = tasks.id AND b.user_id = ? AND b.agency_id = ? AND b.role = ?)",
		q.UserID, q.AgencyID, role)
}

func (q InboxQuery) filter(db *gorm.DB) *gorm.DB {
	if q.StepName != "" {
		db = db.Where("tasks.step_name = ?", q.StepName)
	}
	if q.Column != "" {
		db = db.Where("tasks.`column` = ?", q.Column)
	}
	if q.Overdue != nil && *q.Overdue {
		db = db.Where("tasks.due_on < ?", q.Today)
	} else if q.Overdue != nil {
		db = db.Where("tasks.due_on >= ?", q.Today)
	}
	if q.Text != "" {
		db = db.Where("tasks.title LIKE ? ESCAPE '!'", "%"+EscapeLike(q.Text)+"%")
	}
	return db
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// EscapeLike escapes s for a LIKE pattern with ESCAPE '!'.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }
