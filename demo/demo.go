// Package demo seeds the demonstration data `gongkai serve --demo` loads:
// 隆德县城关镇 (the office of the example annual report) with one user per
// role, and 山河镇 as a second agency to show that agencies are kept apart.
// Seeding is idempotent: what exists is left as it is.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	return SeedHistory(ctx, db)
}

// Items2023 are 城关镇's published items of 2023 in date order (their
// 索引号 follow it), as its annual report counts them: one in 财政资金 and
// ten in 新闻中心, no applications, no appeals, no fees, so the generated
// 2023 report reproduces the example.
var Items2023 = []struct{ Column, Title, On string }{
	{"新闻中心", "城关镇开展春节前安全生产大检查", "2023-01-12"},
	{"新闻中心", "城关镇召开2023年度工作部署会", "2023-02-08"},
	{"财政资金", "城关镇2023年部门预算及“三公”经费预算公开", "2023-02-20"},
	{"新闻中心", "城关镇开展植树造林活动", "2023-03-28"},
	{"新闻中心", "城关镇推进人居环境整治", "2023-04-19"},
	{"新闻中心", "城关镇开展防汛应急演练", "2023-06-15"},
	{"新闻中心", "城关镇举办农民丰收节活动", "2023-09-22"},
	{"新闻中心", "城关镇开展秋季森林防火宣传", "2023-10-17"},
	{"新闻中心", "城关镇开展反诈宣传进社区", "2023-11-09"},
	{"新闻中心", "城关镇召开冬季供暖保障会", "2023-11-28"},
	{"新闻中心", "城关镇开展年终安全生产检查", "2023-12-20"},
}

// SeedHistory loads 城关镇's 2023 records unless they are there.
func SeedHistory(ctx context.Context, db *gorm.DB) error {
	cg, err := models.AgencyByCode(ctx, db, "chengguan")
	if err != nil {
		return err
	}
	editor, err := models.UserByUsername(ctx, db, "editor")
	if err != nil {
		return err
	}
	for i, it := range Items2023 {
		indexNo := fmt.Sprintf("chengguan-2023-%05d", i+1)
		var n int64
		if err := db.WithContext(ctx).Model(&models.Item{}).Where("index_no = ?", indexNo).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		published, err := time.ParseInLocation("2006-01-02 15:04", it.On+" 10:00", time.FixedZone("CST", 8*3600))
		if err != nil {
			return err
		}
		published = published.UTC()
		item := models.Item{AgencyID: cg.ID, IndexNo: indexNo, Title: it.Title, Summary: it.Title, Body: it.Title + "。",
			Column: it.Column, FormedOn: it.On, Status: models.ItemPublished, Version: 1, Revision: 1, AuthorID: editor.ID,
			Kind: models.KindPublication, PublishedAt: &published, CreatedAt: published, UpdatedAt: published}
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&item).Error; err != nil {
				return err
			}
			return tx.Create(&models.ItemRevision{ItemID: item.ID, Revision: 1, Title: item.Title, Summary: item.Summary, Body: item.Body,
				Column: item.Column, FormedOn: item.FormedOn, EditorID: editor.ID, CreatedAt: published,
				ContentHash: models.ContentHash(item.Title, item.Summary, item.Body, item.Column, item.FormedOn, nil)}).Error
		})
		if err != nil {
			return err
		}
	}
	return nil
}
