package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gongkai/auth"
	"gongkai/config"
	"gongkai/models"
)

// runAgency handles `gongkai agency add`.
func runAgency(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: gongkai agency add --code CODE --name NAME [--region 宁夏] [--parent CODE]")
	}
	f, err := newFlags("agency add", stdout)
	if err != nil {
		return err
	}
	f.data()
	var a models.Agency
	var parent string
	f.fs.StringVar(&a.Code, "code", "", "agency code, e.g. chengguan (required)")
	f.fs.StringVar(&a.Name, "name", "", "agency name, e.g. 隆德县城关镇人民政府 (required)")
	f.fs.StringVar(&a.Region, "region", "", "holiday region, e.g. 宁夏")
	f.fs.StringVar(&parent, "parent", "", "code of the agency above it (a township's county)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if a.Code == "" || a.Name == "" {
		return errors.New("--code and --name are required")
	}
	db, err := openDB(ctx, f.cfg, f.cfg.DBDSN == "")
	if err != nil {
		return err
	}
	defer models.Close(db)
	if parent != "" {
		p, err := models.AgencyByCode(ctx, db, parent)
		if err != nil {
			return fmt.Errorf("parent agency %s: %w", parent, err)
		}
		a.ParentID = &p.ID
	}
	if _, err := models.AgencyByCode(ctx, db, a.Code); err == nil {
		return fmt.Errorf("agency %s already exists", a.Code)
	}
	if _, err := models.EnsureAgency(ctx, db, a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "agency %s (%s) added\n", a.Code, a.Name)
	return nil
}

// runUser handles `gongkai user add`. It writes straight to the database, so
// it works while `serve` runs on the same data dir.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: gongkai user add --agency CODE --username U --role R[,R...] [--name 显示名]")
	}
	f, err := newFlags("user add", stdout)
	if err != nil {
		return err
	}
	f.data()
	var agency, username, roles, name string
	f.fs.StringVar(&agency, "agency", "", "agency code (required)")
	f.fs.StringVar(&username, "username", "", "login name (required)")
	f.fs.StringVar(&roles, "role", "", "roles, comma separated: "+strings.Join(models.AllRoles, ",")+" (required)")
	f.fs.StringVar(&name, "name", "", "display name")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if agency == "" || username == "" {
		return errors.New("--agency and --username are required")
	}
	roleList, err := models.ParseRoles(roles)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	password := os.Getenv(config.EnvPassword)
	if password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return fmt.Errorf("no password: set %s or give it on standard input", config.EnvPassword)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, f.cfg, f.cfg.DBDSN == "")
	if err != nil {
		return err
	}
	defer models.Close(db)
	a, err := models.AgencyByCode(ctx, db, agency)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("agency %s does not exist (add it with `gongkai agency add`)", agency)
	}
	if err != nil {
		return err
	}
	u := &models.User{AgencyID: a.ID, Username: username, DisplayName: name, PasswordHash: hash}
	if err := models.CreateUser(ctx, db, u, roleList); err != nil {
		return err
	}
	if err := models.Audit(ctx, db, models.AuditEvent{
		AgencyID: &a.ID, Action: "user_add_cli", ObjectType: "user", ObjectID: fmt.Sprint(u.ID),
	}, nil, map[string]any{"username": username, "roles": roleList}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added to %s with roles %s\n", username, agency, strings.Join(roleList, ","))
	return nil
}
