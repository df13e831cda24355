package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// AgencyByCode returns the agency with the given code, or ErrNotFound.
func AgencyByCode(ctx context.Context, db *gorm.DB, code string) (*Agency, error) {
	var a Agency
	err := db.WithContext(ctx).Where("code = ?", code).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &a, err
}

// EnsureAgency creates the agency unless one with its code exists, and
// returns the stored row either way.
func EnsureAgency(ctx context.Context, db *gorm.DB, a Agency) (*Agency, error) {
	existing, err := AgencyByCode(ctx, db, a.Code)
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err := db.WithContext(ctx).Create(&a).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return AgencyByCode(ctx, db, a.Code)
		}
		return nil, fmt.Errorf("create agency %s: %w", a.Code, err)
	}
	return &a, nil
}

// AgencyTree returns the agency and every agency below it (townships under
// a county), by breadth-first walk over parent links.
func AgencyTree(ctx context.Context, db *gorm.DB, rootID uint) ([]uint, error) {
	ids := []uint{rootID}
	frontier := []uint{rootID}
	for len(frontier) > 0 && len(ids) < 10000 {
		var children []uint
		if err := db.WithContext(ctx).Model(&Agency{}).Where("parent_id IN ?", frontier).Pluck("id", &children).Error; err != nil {
			return nil, err
		}
		ids = append(ids, children...)
		frontier = children
	}
	return ids, nil
}
