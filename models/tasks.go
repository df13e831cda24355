package models

import (
	"errors"
	"time"

	"gorm.io/gorm"
)

// A task's life: opened once, maybe assigned, its due date moved by a
// calendar change, closed once. Each step keeps the inbox's bars and
// tallies in step with it, in the caller's transaction.

// CreateOpenTask stores task unless its step exists already (a retried
// transition); only a new task is tallied and barred. The item's workflow
// runs one transition at a time, so nothing else creates the step meanwhile.
func CreateOpenTask(tx *gorm.DB, task *Task) error {
	var n int64
	err := tx.Model(&Task{}).Where("item_id = ? AND round = ? AND step = ?", task.ItemID, task.Round, task.Step).Count(&n).Error
	if err != nil || n > 0 {
		return err
	}
	if err := tx.Create(task).Error; err != nil {
		return err
	}
	if task.AssigneeID == nil {
		if err := tally(tx, task.AgencyID, task.Role, task.DueOn, 1); err != nil {
			return err
		}
	}
	return BarTask(tx, task.ID)
}

// openTask reads the task if it is still open.
func openTask(tx *gorm.DB, id uint) (*Task, error) {
	var t Task
	err := tx.Where("id = ? AND state = ?", id, TaskOpen).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &t, err
}

// Each change below is a conditional UPDATE on the state it read, and the
// tally moves only if that row changed: two attempts of one transition that
// overlap (a retried local activity whose first attempt still runs) cannot
// both count it, whatever snapshot MySQL gave their reads.

// CloseTask closes the open task id with state (approved, returned,
// cancelled) as decided by actor; a closed task is left alone.
func CloseTask(tx *gorm.DB, id uint, state string, actorID uint, comment string, at time.Time) error {
	t, err := openTask(tx, id)
	if t == nil || err != nil {
		return err
	}
	res := sameTask(tx, t).Updates(map[string]any{"state": state, "closed_at": at, "actor_id": actorID, "comment": comment})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	if t.AssigneeID == nil {
		if err := tally(tx, t.AgencyID, t.Role, t.DueOn, -1); err != nil {
			return err
		}
	}
	return UnbarTask(tx, id)
}

// AssignTask names who must act on the open task id, on behalf of by.
func AssignTask(tx *gorm.DB, id, assigneeID, by uint) error {
	t, err := openTask(tx, id)
	if t == nil || err != nil {
		return err
	}
	res := sameTask(tx, t).Updates(map[string]any{"assignee_id": assigneeID, "assigned_by": by})
	if res.Error != nil || res.RowsAffected == 0 || t.AssigneeID != nil {
		return res.Error
	}
	return tally(tx, t.AgencyID, t.Role, t.DueOn, -1) // it left the role's queue
}

// SetTaskDue moves the open task id's due date (a calendar change).
func SetTaskDue(tx *gorm.DB, id uint, due string) error {
	t, err := openTask(tx, id)
	if t == nil || err != nil || t.DueOn == due {
		return err
	}
	res := sameTask(tx, t).Update("due_on", due)
	if res.Error != nil || res.RowsAffected == 0 || t.AssigneeID != nil {
		return res.Error
	}
	if err := tally(tx, t.AgencyID, t.Role, t.DueOn, -1); err != nil {
		return err
	}
	return tally(tx, t.AgencyID, t.Role, due, 1)
}

// sameTask selects task t only while it is still as read: open, with the
// same assignee and due date.
func sameTask(tx *gorm.DB, t *Task) *gorm.DB {
	q := tx.Model(&Task{}).Where("id = ? AND state = ? AND due_on = ?", t.ID, TaskOpen, t.DueOn)
	if t.AssigneeID == nil {
		return q.Where("assignee_id IS NULL")
	}
	return q.Where("assignee_id = ?", *t.AssigneeID)
}
