package deploy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

const envTestMySQLDSN = "GONGKAI_TEST_MYSQL_DSN"

// TestCIMySQL checks the server .ci/run starts, the way the other packages'
// tests use it: open the DSN, create a database, connect to that database
// with a DSN derived from the first one, and drop it again. Without the DSN
// it skips, except under CI, where a missing or unreachable server fails.
func TestCIMySQL(t *testing.T) {
	dsn := os.Getenv(envTestMySQLDSN)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not: .ci/run must start MariaDB and export it", envTestMySQLDSN)
		}
		t.Skipf("%s not set (bash .ci/run sets it)", envTestMySQLDSN)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", envTestMySQLDSN, err)
	}
	if !cfg.ParseTime {
		t.Errorf("%s lacks parseTime=true: DATETIME columns would scan as []byte", envTestMySQLDSN)
	}
	if cfg.Loc != time.UTC {
		t.Errorf("%s has loc=%v, want UTC", envTestMySQLDSN, cfg.Loc)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("MySQL at %s (%s) unreachable: %v", cfg.Addr, envTestMySQLDSN, err)
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatalf("SELECT VERSION(): %v", err)
	}
	t.Logf("server %s at %s, user %s, database %s", version, cfg.Addr, cfg.User, cfg.DBName)

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gk_deploy_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("user %s cannot create a database (tests create one each): %v", cfg.User, err)
	}
	dropped := false
	defer func() {
		if !dropped {
			db.Exec("DROP DATABASE IF EXISTS " + name)
		}
	}()

	per := cfg.Clone()
	per.DBName = name
	tdb, err := sql.Open("mysql", per.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tdb.ExecContext(ctx, "CREATE TABLE t (id BIGINT PRIMARY KEY, at DATETIME(3) NOT NULL, s VARCHAR(50) NOT NULL)"); err != nil {
		t.Fatalf("create table in %s: %v", name, err)
	}
	now := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
	if _, err := tdb.ExecContext(ctx, "INSERT INTO t VALUES (1, ?, ?)", now, "政府信息公开"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var at time.Time
	var s string
	if err := tdb.QueryRowContext(ctx, "SELECT at, s FROM t WHERE id = 1").Scan(&at, &s); err != nil {
		t.Fatalf("select: %v", err)
	}
	if !at.Equal(now) || s != "政府信息公开" {
		t.Errorf("round trip: got (%v, %q), want (%v, %q): check charset/loc in the DSN", at, s, now, "政府信息公开")
	}
	tdb.Close()

	if _, err := db.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
		t.Fatalf("drop database %s: %v", name, err)
	}
	dropped = true
}
