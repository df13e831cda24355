package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/dbtest"
	"gongkai/models"
)

func TestMigrationsUpAndIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		// dbtest already migrated; a second run applies nothing.
		applied, err := models.Migrate(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", applied)
		}
		if err := models.CheckSchema(ctx, db); err != nil {
			t.Fatalf("CheckSchema after migrate: %v", err)
		}
		for _, table := range []any{&models.Agency{}, &models.User{}, &models.UserRole{}, &models.Session{}, &models.LoginThrottle{}, &models.AuditEvent{}} {
			if !db.Migrator().HasTable(table) {
				t.Errorf("table for %T missing", table)
			}
		}
		var n int64
		db.Model(&models.SchemaMigration{}).Count(&n)
		if int(n) != models.LatestVersion() {
			t.Errorf("schema_migrations has %d rows, want %d", n, models.LatestVersion())
		}
	})
}

func TestCheckSchemaOnEmptyDatabase(t *testing.T) {
	db, err := models.Open("", t.TempDir()+"/empty.db")
	if err != nil {
		t.Fatal(err)
	}
	defer models.Close(db)
	if err := models.CheckSchema(context.Background(), db); !errors.Is(err, models.ErrSchemaOutdated) {
		t.Fatalf("CheckSchema on empty db = %v, want ErrSchemaOutdated", err)
	}
}

func TestAuditOnceWritesOneEventPerKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		e := models.AuditEvent{Action: "approve", ObjectType: "item", ObjectID: "7"}
		for range 3 {
			if err := models.AuditOnce(ctx, db, "item-7/approve/1", e, nil, map[string]int{"step": 1}); err != nil {
				t.Fatal(err)
			}
		}
		es, err := models.AuditTrail(ctx, db, "item", "7")
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].After != `{"step":1}` {
			t.Fatalf("events = %+v, want one with after {\"step\":1}", es)
		}
	})
}

func TestAgencyTreeAndUserScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		county, _ := models.EnsureAgency(ctx, db, models.Agency{Code: "c", Name: "县"})
		town, _ := models.EnsureAgency(ctx, db, models.Agency{Code: "t", Name: "镇", ParentID: &county.ID})
		other, _ := models.EnsureAgency(ctx, db, models.Agency{Code: "o", Name: "他县"})
		ids, err := models.AgencyTree(ctx, db, county.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0] != county.ID || ids[1] != town.ID {
			t.Fatalf("tree = %v, want [%d %d]", ids, county.ID, town.ID)
		}
		u := &models.User{AgencyID: other.ID, Username: "x", PasswordHash: "h"}
		if err := models.CreateUser(ctx, db, u, []string{models.RoleEditor, models.RoleClerk}); err != nil {
			t.Fatal(err)
		}
		if err := models.CreateUser(ctx, db, &models.User{AgencyID: other.ID, Username: "x", PasswordHash: "h"}, nil); !errors.Is(err, models.ErrUsernameTaken) {
			t.Fatalf("duplicate username: %v, want ErrUsernameTaken", err)
		}
		if _, err := models.UserInAgencies(ctx, db, u.ID, ids); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("user of another agency visible: %v", err)
		}
		got, err := models.UserInAgencies(ctx, db, u.ID, []uint{other.ID})
		if err != nil || !got.HasRole(models.RoleClerk) || got.HasRole(models.RoleAdmin) {
			t.Fatalf("own user: %+v %v", got, err)
		}
	})
}

// A database migrated by a newer build is refused by the api and worker
// (CheckSchema) and by serve and migrate (Migrate): this build would write
// rows without what the newer schema keeps in step with them.
func TestCheckSchemaRefusesNewerDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		future := models.SchemaMigration{Version: models.LatestVersion() + 1, Name: "from a newer build", AppliedAt: time.Now()}
		if err := db.Create(&future).Error; err != nil {
			t.Fatal(err)
		}
		if err := models.CheckSchema(ctx, db); !errors.Is(err, models.ErrSchemaNewer) {
			t.Fatalf("CheckSchema = %v, want ErrSchemaNewer", err)
		}
		if _, err := models.Migrate(ctx, db); !errors.Is(err, models.ErrSchemaNewer) { // gongkai serve and migrate
			t.Fatalf("Migrate = %v, want ErrSchemaNewer", err)
		}
	})
}
