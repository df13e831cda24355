// Package activities holds gongkai's Temporal activities: the side effects
// (database writes, notifications) that workflows ask for. Every activity is
// idempotent, since Temporal may run it more than once.
package activities

import (
	"context"
	"log/slog"

	"gorm.io/gorm"

	"gongkai/models"
)

// Activities holds the dependencies; its methods are registered on the worker.
type Activities struct {
	DB     *gorm.DB
	Logger *slog.Logger
	Sender Sender // delivers notifications beyond the in-app list; nil: in-app only
}

// AuditInput is one audit event a workflow records. Key identifies it so a
// retry writes nothing new; workflows derive it from their id and event.
type AuditInput struct {
	Key    string
	Event  models.AuditEvent
	Before any
	After  any
}

// RecordAudit appends an audit event exactly once per key.
func (a *Activities) RecordAudit(ctx context.Context, in AuditInput) error {
	return models.AuditOnce(ctx, a.DB, in.Key, in.Event, in.Before, in.After)
}
