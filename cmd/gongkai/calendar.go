package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gongkai/calendar"
	"gongkai/models"
)

const calendarUsage = `usage:
  gongkai calendar deadline START WORKDAYS [--region 宁夏] [--data DIR]
  gongkai calendar import FILE.json|FILE.csv [--data DIR]`

// runCalendar handles `gongkai calendar deadline` and `gongkai calendar import`.
func runCalendar(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(calendarUsage)
	}
	f, err := newFlags("calendar "+args[0], stdout)
	if err != nil {
		return err
	}
	f.data()
	var region string
	f.fs.StringVar(&region, "region", "", "region whose holiday overlay applies, e.g. 宁夏 (empty: national)")
	pos, err := parseInterspersed(f, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "deadline":
		if len(pos) != 2 {
			return errors.New(calendarUsage)
		}
		return calendarDeadline(ctx, f, pos[0], pos[1], region, stdout)
	case "import":
		if len(pos) != 1 {
			return errors.New(calendarUsage)
		}
		return calendarImport(ctx, f, pos[0], stdout)
	default:
		return errors.New(calendarUsage)
	}
}

// parseInterspersed lets flags come after positional arguments, as in
// `gongkai calendar deadline 2026-09-18 20 --region 宁夏`.
func parseInterspersed(f *flags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		if f.fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.fs.Arg(0))
		args = f.fs.Args()[1:]
	}
}

func calendarDeadline(ctx context.Context, f *flags, startArg, nArg, region string, stdout io.Writer) error {
	start, err := calendar.ParseDate(startArg)
	if err != nil {
		return fmt.Errorf("START: %w", err)
	}
	n, err := strconv.Atoi(nArg)
	if err != nil || n < 1 || n > calendar.MaxWorkdays {
		return fmt.Errorf("WORKDAYS: want 1..%d, got %q", calendar.MaxWorkdays, nArg)
	}
	if !calendar.ValidRegion(region) {
		return fmt.Errorf("--region: unknown region %q", region)
	}
	cal, err := cliCalendar(ctx, f)
	if err != nil {
		return err
	}
	res, err := cal.AddWorkdays(region, start, n)
	if err != nil {
		return err
	}
	note := ""
	if res.Provisional {
		note = "（暂定 / provisional）"
	}
	fmt.Fprintf(stdout, "%s + %d 个工作日 = %s%s\n", res.Start, res.Workdays, res.Due, note)
	for _, line := range res.Explanation {
		fmt.Fprintln(stdout, "  "+line)
	}
	return nil
}

// cliCalendar uses the installation's overlay when there is one (a DSN, or
// a data dir with a database), and the national library alone otherwise.
func cliCalendar(ctx context.Context, f *flags) (*calendar.Calendar, error) {
	if f.cfg.DBDSN == "" {
		if _, err := os.Stat(f.cfg.SQLitePath()); errors.Is(err, os.ErrNotExist) {
			return calendar.New(nil)
		}
	}
	db, err := openDB(ctx, f.cfg, f.cfg.DBDSN == "")
	if err != nil {
		return nil, err
	}
	defer models.Close(db)
	return models.LoadCalendar(ctx, db)
}

func calendarImport(ctx context.Context, f *flags, path string, stdout io.Writer) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	format := calendar.FormatJSON
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		format = calendar.FormatCSV
	}
	overrides, err := calendar.ParseOverlay(file, format)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	db, err := openDB(ctx, f.cfg, f.cfg.DBDSN == "")
	if err != nil {
		return err
	}
	defer models.Close(db)
	changed, err := models.ImportCalendarOverlay(ctx, db, nil, "", overrides)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "imported %d overrides from %s; changed dates:\n", len(overrides), path)
	for _, r := range changed {
		region := r.Region
		if region == "" {
			region = "全国"
		}
		fmt.Fprintf(stdout, "  %s %s…%s\n", region, r.From, r.To)
	}
	return nil
}
