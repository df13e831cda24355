// Package models holds gongkai's records (GORM models), the schema
// migrations that create them, and the queries the rest of the code uses.
// The same code runs on SQLite (the embedded default) and MySQL (production).
package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned by lookups that found nothing the caller may see.
var ErrNotFound = errors.New("not found")

// Open connects to MySQL when dsn is set, otherwise to the SQLite file at
// sqlitePath (created with its directory if missing).
func Open(dsn, sqlitePath string) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	}
	if dsn != "" {
		mc, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("GONGKAI_DB_DSN: %w", err)
		}
		// Times are stored in UTC and read back as time.Time whatever the DSN says.
		mc.ParseTime = true
		mc.Loc = time.UTC
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		if _, ok := mc.Params["charset"]; !ok {
			mc.Params["charset"] = "utf8mb4"
		}
		db, err := gorm.Open(gormmysql.Open(mc.FormatDSN()), cfg)
		if err != nil {
			return nil, fmt.Errorf("open MySQL: %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		return db, nil
	}
	if err := os.MkdirAll(filepath.Dir(sqlitePath), 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	// WAL lets readers run beside the one writer, and lets `gongkai user add`
	// write while `serve` holds the file open; busy_timeout makes a second
	// writer wait instead of failing.
	dsnSQLite := "file:" + sqlitePath +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_busy_timeout=10000&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsnSQLite), cfg)
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", sqlitePath, err)
	}
	sqlDB, _ := db.DB()
	// One writer at a time is all SQLite allows; a small pool keeps readers
	// from queueing behind it.
	sqlDB.SetMaxOpenConns(4)
	return db, nil
}

// IsMySQL tells which dialect db speaks.
func IsMySQL(db *gorm.DB) bool { return db.Dialector.Name() == "mysql" }

// Ping checks the database answers, for /readyz.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
