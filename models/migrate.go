package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SchemaMigration records one applied migration.
type SchemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:200;not null"`
	AppliedAt time.Time `gorm:"not null"`
}

// migration is one versioned schema step. Step 1 creates tables from today's
// structs, so every later step must check before it changes anything
// (HasColumn, HasIndex, HasTable): on a fresh database the change is already
// there. Steps are append-only; never edit or reorder a released one.
type migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "platform: agencies, users, roles, sessions, login throttle, audit events", func(tx *gorm.DB) error {
		return createTables(tx, &Agency{}, &User{}, &UserRole{}, &Session{}, &LoginThrottle{}, &AuditEvent{})
	}},
	{2, "calendar: holiday overlay", func(tx *gorm.DB) error {
		return createTables(tx, &CalendarOverride{})
	}},
	{3, "review chain: items, revisions, index counters, tasks, notifications, chain configs, idempotency", func(tx *gorm.DB) error {
		return createTables(tx, &Item{}, &ItemRevision{}, &IndexCounter{}, &Task{}, &Notification{}, &ChainConfig{}, &IdempotencyRecord{})
	}},
	{4, "item attachments", func(tx *gorm.DB) error {
		return createTables(tx, &Attachment{})
	}},
	{5, "disclosure applications; items and tasks of replies and extensions", func(tx *gorm.DB) error {
		if err := addColumns(tx, &Item{}, "Kind", "ApplicationID"); err != nil {
			return err
		}
		if err := addColumns(tx, &Task{}, "ApplicationID", "ApplicationNumber"); err != nil {
			return err
		}
		if err := addColumns(tx, &Notification{}, "ApplicationID"); err != nil {
			return err
		}
		return createTables(tx, &Application{}, &Consultation{}, &FeeNotice{}, &ApplicationCounter{})
	}},
	{6, "annual report: document types on items, appeals, figures, reports; report indexes on applications", func(tx *gorm.DB) error {
		if err := addColumns(tx, &Item{}, "DocType", "IssuedOn", "RepealedOn"); err != nil {
			return err
		}
		if err := createIndex(tx, &Application{}, "idx_app_report", "applications (agency_id, received_on, concluded_on, applicant_kind)"); err != nil {
			return err
		}
		return createTables(tx, &Appeal{}, &AnnualFigures{}, &AnnualReport{})
	}},
	{7, "agencies: annual report deadline", func(tx *gorm.DB) error {
		return addColumns(tx, &Agency{}, "ReportDeadline")
	}},
	{8, "items: repeal decisions", func(tx *gorm.DB) error {
		return addColumns(tx, &Item{}, "Repeals")
	}},
	{9, "applications: covering index for the report's concluded-in-year count", func(tx *gorm.DB) error {
		return createIndex(tx, &Application{}, "idx_app_concluded", "applications (agency_id, concluded_on, applicant_kind, outcome)")
	}},
	{10, "inbox: task bars (segregation of duties), tallies of open tasks, indexes that serve each branch in due-date order", func(tx *gorm.DB) error {
		if err := createTables(tx, &TaskBar{}, &TaskTally{}); err != nil {
			return err
		}
		if err := createIndex(tx, &Task{}, "idx_task_queue", "tasks (agency_id, state, role, assignee_id, due_on)"); err != nil {
			return err
		}
		if err := createIndex(tx, &Task{}, "idx_task_assigned", "tasks (assignee_id, state, agency_id, due_on)"); err != nil {
			return err
		}
		for _, old := range []string{"idx_task_inbox", "idx_tasks_assignee_id"} {
			if tx.Migrator().HasIndex(&Task{}, old) {
				if err := tx.Migrator().DropIndex(&Task{}, old); err != nil {
					return err
				}
			}
		}
		if err := RebuildTaskTallies(tx); err != nil {
			return err
		}
		return RebuildTaskBars(tx)
	}},
}

// createTables creates each table that does not exist yet.
func createTables(tx *gorm.DB, tables ...any) error {
	m := tx.Migrator()
	for _, t := range tables {
		if m.HasTable(t) {
			continue
		}
		if err := m.CreateTable(t); err != nil {
			return err
		}
	}
	return nil
}

// addColumns adds the model's fields that its table lacks.
func addColumns(tx *gorm.DB, model any, fields ...string) error {
	m := tx.Migrator()
	for _, f := range fields {
		if m.HasColumn(model, f) {
			continue
		}
		if err := m.AddColumn(model, f); err != nil {
			return err
		}
	}
	return nil
}

// createIndex creates the named index on "table (columns)" unless it exists.
func createIndex(tx *gorm.DB, model any, name, on string) error {
	if tx.Migrator().HasIndex(model, name) {
		return nil
	}
	return tx.Exec("CREATE INDEX " + name + " ON " + on).Error
}

// LatestVersion is the schema version this build expects.
func LatestVersion() int { return migrations[len(migrations)-1].Version }

// ErrSchemaOutdated means the database needs `gongkai migrate`.
var ErrSchemaOutdated = errors.New("database schema is not up to date: run `gongkai migrate`")

// Migrate applies every migration not yet recorded, in order. Several
// processes may call it at once: on MySQL a named lock serialises them; on
// SQLite the file lock does.
func Migrate(ctx context.Context, db *gorm.DB) (applied []int, err error) {
	db = db.WithContext(ctx)
	if IsMySQL(db) {
		conn, err := db.DB()
		if err != nil {
			return nil, err
		}
		c, err := conn.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		var got int
		if err := c.QueryRowContext(ctx, "SELECT GET_LOCK('gongkai_migrate', 60)").Scan(&got); err != nil || got != 1 {
			return nil, fmt.Errorf("take migration lock: %v", err)
		}
		defer c.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('gongkai_migrate')")
	}
	if err := createTables(db, &SchemaMigration{}); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := appliedVersions(db)
	if err != nil {
		return nil, err
	}
	if err := newerThanBuild(done); err != nil {
		return nil, err
	}
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		// MySQL commits DDL implicitly, so the transaction only makes the
		// version record and data changes atomic there; on SQLite it covers all.
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := m.Up(tx); err != nil {
				return err
			}
			return tx.Create(&SchemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// ErrSchemaNewer means the database was migrated by a newer build: this
// one would write rows without what the newer schema keeps in step with
// them (the inbox's bars and tallies, say). Stop it and run the new build.
var ErrSchemaNewer = errors.New("database schema is newer than this build: run the build that migrated it")

// CheckSchema returns ErrSchemaOutdated unless every migration is applied,
// and ErrSchemaNewer if the database has migrations this build lacks. The
// production api and worker call it instead of migrating themselves.
func CheckSchema(ctx context.Context, db *gorm.DB) error {
	if !db.Migrator().HasTable(&SchemaMigration{}) {
		return ErrSchemaOutdated
	}
	done, err := appliedVersions(db.WithContext(ctx))
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if !done[m.Version] {
			return ErrSchemaOutdated
		}
	}
	return newerThanBuild(done)
}

func newerThanBuild(done map[int]bool) error {
	for v := range done {
		if v > LatestVersion() {
			return fmt.Errorf("%w (database at version %d, this build knows %d)", ErrSchemaNewer, v, LatestVersion())
		}
	}
	return nil
}

func appliedVersions(db *gorm.DB) (map[int]bool, error) {
	var rows []SchemaMigration
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[int]bool, len(rows))
	for _, r := range rows {
		done[r.Version] = true
	}
	return done, nil
}
