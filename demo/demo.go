// Package demo seeds the demonstration data `gongkai serve --demo` loads:
// 隆德县城关镇 (the office of the example annual report) with one user per
// role, and 山河镇 as a second agency to show that agencies are kept apart.
// Seeding is idempotent: what exists is left as it is.
package demo

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/models"
)

// User is one demo account.
type User struct {
	Username, DisplayName, Agency string
	Roles                         []string
}

// Users are the demo accounts; all share the demo password.
var Users = []User{
	{"editor", "城关镇编辑", "chengguan", []string{models.RoleEditor}},
	{"reviewer", "城关镇负责人", "chengguan", []string{models.RoleReviewer}},
	{"leader", "城关镇分管领导", "chengguan", []string{models.RoleLeader}},
	{"clerk", "城关镇依申请公开经办人", "chengguan", []string{models.RoleClerk}},
	{"admin", "城关镇管理员", "chengguan", []string{models.RoleAdmin}},
	{"editor2", "山河镇编辑", "shanhe", []string{models.RoleEditor}},
	{"reviewer2", "山河镇负责人", "shanhe", []string{models.RoleReviewer}},
	{"leader2", "山河镇分管领导", "shanhe", []string{models.RoleLeader}},
}

// Seed creates the demo agencies and users that are missing.
func Seed(ctx context.Context, db *gorm.DB, password string) error {
	county, err := models.EnsureAgency(ctx, db, models.Agency{Code: "longde", Name: "隆德县人民政府", Region: "宁夏"})
	if err != nil {
		return err
	}
	for _, a := range []models.Agency{
		{Code: "chengguan", Name: "隆德县城关镇人民政府", Region: "宁夏", ParentID: &county.ID},
		{Code: "shanhe", Name: "隆德县山河镇人民政府", Region: "宁夏", ParentID: &county.ID},
	} {
		if _, err := models.EnsureAgency(ctx, db, a); err != nil {
			return err
		}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("demo password: %w", err)
	}
	for _, du := range Users {
		if _, err := models.UserByUsername(ctx, db, du.Username); err == nil {
			continue
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		a, err := models.AgencyByCode(ctx, db, du.Agency)
		if err != nil {
			return err
		}
		u := &models.User{AgencyID: a.ID, Username: du.Username, DisplayName: du.DisplayName, PasswordHash: hash}
		if err := models.CreateUser(ctx, db, u, du.Roles); err != nil && !errors.Is(err, models.ErrUsernameTaken) {
			return err
		}
	}
	return nil
}
