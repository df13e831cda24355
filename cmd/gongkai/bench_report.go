package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"gongkai/annual"
	"gongkai/demo"
	"gongkai/models"
)

// benchReport seeds applications over three years and times generating
// 城关镇's annual report for the middle one, as the report page does.
func benchReport(ctx context.Context, args []string, stdout io.Writer) error {
	bf, err := newBenchFlags("report", stdout)
	if err != nil {
		return err
	}
	var n, batch, runs int
	bf.fs.IntVar(&n, "applications", 1_000_000, "applications to seed (over 2024–2026, 10 agencies)")
	bf.fs.IntVar(&batch, "batch", 1000, "rows per INSERT (SQLite allows about 1300 at most)")
	bf.fs.IntVar(&runs, "runs", 20, "report generations to measure (after 2 unmeasured)")
	if err := bf.parse(args); err != nil {
		return err
	}
	if n < 1 || batch < 1 || runs < 1 {
		return errors.New("--applications, --batch and --runs must be at least 1")
	}
	cleanup, err := bf.dataDir()
	if err != nil {
		return err
	}
	defer cleanup()
	cfg := bf.cfg
	fmt.Fprintf(stdout, "gongkai bench report: records %s\n", dbDescription(cfg))
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer models.Close(db)
	if err := demo.Seed(ctx, db, cfg.DemoPassword); err != nil {
		return err
	}
	var existing int64
	if err := db.WithContext(ctx).Model(&models.Application{}).Count(&existing).Error; err != nil {
		return err
	}
	if existing > 0 {
		return fmt.Errorf("the records database already holds %d applications: bench report seeds an empty one (give a fresh --data or %s database)", existing, "GONGKAI_DB_DSN")
	}
	cg, err := models.AgencyByCode(ctx, db, "chengguan")
	if err != nil {
		return err
	}
	agencies := []uint{cg.ID}
	for i := 0; len(agencies) < 10; i++ {
		a, err := models.EnsureAgency(ctx, db, models.Agency{Code: fmt.Sprintf("bench-report-%d", i), Name: fmt.Sprintf("测试镇%d", i)})
		if err != nil {
			return err
		}
		agencies = append(agencies, a.ID)
	}

	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]models.Application, 0, batch)
	for i := range n {
		received := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(3*365))
		app := models.Application{
			AgencyID: agencies[rng.IntN(len(agencies))], Number: fmt.Sprintf("bench-YSQ-%08d", i), QueryCode: "BENCH",
			ApplicantKind: models.ApplicantKinds[rng.IntN(len(models.ApplicantKinds))], ApplicantName: "x",
			Channel: models.ChannelOnline, ConfirmedOn: received.Format("2006-01-02"), ReceivedOn: received.Format("2006-01-02"),
			Status: models.AppRegistered, CreatedBy: 1,
		}
		if rng.IntN(10) > 0 { // nine in ten concluded, within about 40 days
			app.Status = models.AppArchived
			app.ConcludedOn = received.AddDate(0, 0, 1+rng.IntN(40)).Format("2006-01-02")
			app.Outcome = models.Outcomes[rng.IntN(len(models.Outcomes))]
		}
		rows = append(rows, app)
		if len(rows) == batch || i == n-1 {
			if err := db.WithContext(ctx).CreateInBatches(rows, batch).Error; err != nil {
				return err
			}
			rows = rows[:0]
			if (i+1)%(batch*50) == 0 {
				fmt.Fprintf(stdout, "  seeded %d / %d applications (%s)\n", i+1, n, time.Since(start).Round(time.Second))
			}
		}
	}
	fmt.Fprintf(stdout, "seeded %d applications in %s\n", n, time.Since(start).Round(time.Second))

	var lat latencies
	var rows2025 int
	for i := range runs + 2 {
		t0 := time.Now()
		r, _, err := annual.Generate(ctx, db, cg, 2025)
		if err != nil {
			return err
		}
		if i >= 2 {
			lat = append(lat, time.Since(t0))
		}
		rows2025 = r.Applications.Row("received")[6]
	}
	slices.Sort(lat)
	fmt.Fprintf(stdout, "report for 城关镇 2025 (%d applications received that year): p50 %.1f ms, p99 %.1f ms over %d runs\n",
		rows2025, lat.pct(50), lat.pct(99), runs)
	return printJSONLine(stdout, map[string]any{
		"report_p50_ms": round(lat.pct(50)), "report_p99_ms": round(lat.pct(99)), "applications": n, "received_2025": rows2025,
	})
}
