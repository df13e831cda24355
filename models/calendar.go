package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongkai/calendar"
)

// CalendarOverride is one date of the holiday overlay an admin maintains on
// top of the national schedule: a regional holiday (宁夏 开斋节), a make-up
// working day, or a correction. Region "" is national.
type CalendarOverride struct {
	ID        uint      `gorm:"primaryKey" json:"id"`
	Date      string    `gorm:"size:10;not null;uniqueIndex:idx_override_date_region" json:"date"` // YYYY-MM-DD
	Region    string    `gorm:"size:32;not null;default:'';uniqueIndex:idx_override_date_region" json:"region"`
	Working   bool      `gorm:"not null" json:"working"`
	Name      string    `gorm:"size:100;not null" json:"name"`
	Source    string    `gorm:"size:200;not null;default:''" json:"source"`
	CreatedBy *uint     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CalendarOverrides lists the overlay, by date then region.
func CalendarOverrides(ctx context.Context, db *gorm.DB) ([]CalendarOverride, error) {
	var os []CalendarOverride
	err := db.WithContext(ctx).Order("date, region").Find(&os).Error
	return os, err
}

// ImportCalendarOverlay stores the overrides (replacing any for the same
// date and region) if the overlay they make together with the stored one is
// valid, records the change as an audit event, and returns the date ranges
// that changed. All in one transaction: all of them or none.
func ImportCalendarOverlay(ctx context.Context, db *gorm.DB, actorID *uint, requestID string, overrides []calendar.Override) ([]calendar.DateRange, error) {
	rows := make([]CalendarOverride, len(overrides))
	for i, o := range overrides {
		rows[i] = CalendarOverride{Date: o.Date.String(), Region: o.Region, Working: o.Working, Name: o.Name, Source: o.Source, CreatedBy: actorID}
	}
	return changeOverlay(ctx, db, actorID, requestID, func(tx *gorm.DB, before []calendar.Override) (any, error) {
		if _, err := calendar.New(calendar.Merge(before, overrides)); err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, nil
		}
		return nil, tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "date"}, {Name: "region"}},
			DoUpdates: clause.AssignmentColumns([]string{"working", "name", "source", "created_by", "updated_at"}),
		}).CreateInBatches(rows, 500).Error
	})
}

// DeleteCalendarOverride removes one override, audits it and returns the
// date ranges that changed, or ErrNotFound.
func DeleteCalendarOverride(ctx context.Context, db *gorm.DB, actorID *uint, requestID string, id uint) ([]calendar.DateRange, error) {
	return changeOverlay(ctx, db, actorID, requestID, func(tx *gorm.DB, _ []calendar.Override) (any, error) {
		var o CalendarOverride
		if err := tx.First(&o, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		} else if err != nil {
			return nil, err
		}
		return o, tx.Delete(&o).Error
	})
}

// changeOverlay runs change inside a transaction between reading the
// overlay before and after it, and audits what changed.
func changeOverlay(ctx context.Context, db *gorm.DB, actorID *uint, requestID string, change func(tx *gorm.DB, before []calendar.Override) (removed any, err error)) ([]calendar.DateRange, error) {
	var changed []calendar.DateRange
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadOverlay(ctx, tx)
		if err != nil {
			return err
		}
		removed, err := change(tx, before)
		if err != nil {
			return err
		}
		after, err := loadOverlay(ctx, tx)
		if err != nil {
			return err
		}
		changed = calendar.ChangedDates(before, after)
		return Audit(ctx, tx, AuditEvent{
			ActorID: actorID, Action: "calendar_overlay_changed", ObjectType: "calendar", ObjectID: "overlay", RequestID: requestID,
		}, removed, map[string]any{"changed": changed})
	})
	if changed == nil {
		changed = []calendar.DateRange{}
	}
	return changed, err
}

func loadOverlay(ctx context.Context, db *gorm.DB) ([]calendar.Override, error) {
	rows, err := CalendarOverrides(ctx, db)
	if err != nil {
		return nil, err
	}
	return CalendarOverlay(rows)
}

// CalendarOverlay converts stored overrides to the calendar package's form.
func CalendarOverlay(rows []CalendarOverride) ([]calendar.Override, error) {
	out := make([]calendar.Override, len(rows))
	for i, r := range rows {
		d, err := calendar.ParseDate(r.Date)
		if err != nil {
			return nil, fmt.Errorf("calendar override %d: %w", r.ID, err)
		}
		out[i] = calendar.Override{Date: d, Region: r.Region, Working: r.Working, Name: r.Name, Source: r.Source}
	}
	return out, nil
}

// LoadCalendar builds the working-day calendar from the library and the
// stored overlay. It reads the overlay afresh each call, so a change made
// through one api process is seen by every other at once.
func LoadCalendar(ctx context.Context, db *gorm.DB) (*calendar.Calendar, error) {
	overlay, err := loadOverlay(ctx, db)
	if err != nil {
		return nil, err
	}
	return calendar.New(overlay)
}
