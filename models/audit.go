package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Audit appends one event. Before and after are stored as JSON so a reader
// sees exactly what changed; nil means "nothing" (a creation has no before).
// There is deliberately no update or delete for audit events.
func Audit(ctx context.Context, db *gorm.DB, e AuditEvent, before, after any) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	var err error
	if e.Before, err = jsonOrEmpty(before); err != nil {
		return err
	}
	if e.After, err = jsonOrEmpty(after); err != nil {
		return err
	}
	return db.WithContext(ctx).Create(&e).Error
}

// AuditTrail lists the events for one object, oldest first.
func AuditTrail(ctx context.Context, db *gorm.DB, objectType, objectID string) ([]AuditEvent, error) {
	var es []AuditEvent
	err := db.WithContext(ctx).Where("object_type = ? AND object_id = ?", objectType, objectID).Order("id").Find(&es).Error
	return es, err
}

func jsonOrEmpty(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// AuditOnce appends the event unless one with the same key exists, so a
// Temporal activity that is retried records it exactly once.
func AuditOnce(ctx context.Context, db *gorm.DB, key string, e AuditEvent, before, after any) error {
	e.EventKey = &key
	return Audit(ctx, db.Clauses(clause.OnConflict{DoNothing: true}), e, before, after)
}

// ItemTransitionActions are the audit actions of an item's transitions, each
// with the decision that makes it, named as ItemReview's Update (the
// workflows package's UpdateSubmit and the rest; a test holds the two to
// each other). A transition's event key is "<workflow id>/t<n>/<action>".
var ItemTransitionActions = map[string]string{
	"submit": "submit", "resubmit_changed": "submit", "resubmit_unchanged": "submit",
	"approve": "approve", "publish": "approve", "approve_final": "approve",
	"return": "return", "withdraw": "withdraw", "assign": "assign",
}

// ErrTransitionConflict is the refusal type of a transition whose number
// the records already hold under another action: the workflow is behind.
const ErrTransitionConflict = "transition_conflict"

// TransitionKeys are the event keys any transition numbered by prefix
// ("<workflow id>/t<n>/") can have.
func TransitionKeys(prefix string) []string {
	keys := make([]string, 0, len(ItemTransitionActions))
	for a := range ItemTransitionActions {
		keys = append(keys, prefix+a)
	}
	return keys
}
