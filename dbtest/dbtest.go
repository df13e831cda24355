// Package dbtest gives tests fresh, migrated databases on both dialects
// gongkai runs on: SQLite always, and MySQL (MariaDB in CI) when
// GONGKAI_TEST_MYSQL_DSN names a server. Under CI a missing or unreachable
// MySQL fails the test instead of skipping it, so CI cannot go green on
// SQLite alone.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"gongkai/models"
)

// EnvMySQLDSN names a MySQL server tests may create databases on.
const EnvMySQLDSN = "GONGKAI_TEST_MYSQL_DSN"

// Each runs f on a fresh migrated SQLite database and on a fresh migrated
// MySQL database, as subtests named "sqlite" and "mysql".
func Each(t *testing.T, f func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, MySQL(t)) })
}

// SQLite returns a migrated database in a temp dir.
func SQLite(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := models.Open("", filepath.Join(t.TempDir(), "gongkai.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(db) })
	migrate(t, db)
	return db
}

// MySQL returns a migrated database created for this test alone.
func MySQL(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := models.Open(MySQLDSN(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.Close(db) })
	migrate(t, db)
	return db
}

// MySQLDSN creates an empty database for this test (dropped afterwards) and
// returns a DSN for it, for tests that hand the DSN to a gongkai process.
func MySQLDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(EnvMySQLDSN)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set under CI: .ci/run must start MariaDB", EnvMySQLDSN)
		}
		t.Skipf("%s not set: MySQL tests skipped (bash .ci/run sets it)", EnvMySQLDSN)
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLDSN, err)
	}
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MySQL at %s unreachable: %v", cfg.Addr, err)
		}
		t.Skipf("MySQL at %s unreachable: %v", cfg.Addr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gk_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if admin, err := sql.Open("mysql", base); err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + name)
			admin.Close()
		}
	})
	cfg.DBName = name
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

func migrate(t *testing.T, db *gorm.DB) {
	t.Helper()
	if _, err := models.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}
