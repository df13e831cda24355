package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"gongkai/annual"
	"gongkai/models"
)

const reportUsage = "usage: gongkai report annual --agency CODE --year YYYY [--format json|html|xlsx] [-o FILE] [--data DIR]"

// runReport handles `gongkai report annual`: the agency's annual report for
// a year, written to a file or standard output.
func runReport(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "annual" {
		return errors.New(reportUsage)
	}
	f, err := newFlags("report annual", stdout)
	if err != nil {
		return err
	}
	f.data()
	var code, format, out string
	var year int
	f.fs.StringVar(&code, "agency", "", "agency code (required)")
	f.fs.IntVar(&year, "year", 0, "report year (required)")
	f.fs.StringVar(&format, "format", "json", "json, html or xlsx")
	f.fs.StringVar(&out, "o", "", "output file (default standard output)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if code == "" || year == 0 {
		return errors.New(reportUsage)
	}
	if format != "json" && format != "html" && format != "xlsx" {
		return fmt.Errorf("--format: want json, html or xlsx, got %q", format)
	}
	db, err := openDB(ctx, f.cfg, f.cfg.DBDSN == "")
	if err != nil {
		return err
	}
	defer models.Close(db)
	agency, err := models.AgencyByCode(ctx, db, code)
	if err != nil {
		return fmt.Errorf("agency %s: %w", code, err)
	}
	r, _, err := annual.Generate(ctx, db, agency, year)
	if err != nil {
		return err
	}
	w := stdout
	if out != "" {
		file, err := os.Create(out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	switch format {
	case "html":
		return r.WriteHTML(w)
	case "xlsx":
		return r.WriteXLSX(w)
	}
	return r.WriteJSON(w)
}
