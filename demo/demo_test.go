package demo_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
)

func TestSeedIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		for range 2 {
			if err := demo.Seed(ctx, db, "demo12345"); err != nil {
				t.Fatal(err)
			}
		}
		var agencies, users, roles int64
		db.Model(&models.Agency{}).Count(&agencies)
		db.Model(&models.User{}).Count(&users)
		db.Model(&models.UserRole{}).Count(&roles)
		if agencies != 3 || users != int64(len(demo.Users)) || roles != int64(len(demo.Users)) {
			t.Fatalf("after two seeds: %d agencies, %d users, %d roles", agencies, users, roles)
		}
		cg, err := models.AgencyByCode(ctx, db, "chengguan")
		if err != nil || cg.Region != "宁夏" || cg.ParentID == nil {
			t.Fatalf("chengguan = %+v, %v", cg, err)
		}
		u, _ := models.UserByUsername(ctx, db, "leader2")
		sh, _ := models.AgencyByCode(ctx, db, "shanhe")
		if u.AgencyID != sh.ID || !u.HasRole(models.RoleLeader) {
			t.Fatalf("leader2 = %+v", u)
		}
	})
}
