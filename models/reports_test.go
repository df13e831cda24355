package models_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"gongkai/dbtest"
	"gongkai/models"
)

func TestCountApplicationsAcrossYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		a, _ := models.EnsureAgency(ctx, db, models.Agency{Code: "a", Name: "甲镇"})
		other, _ := models.EnsureAgency(ctx, db, models.Agency{Code: "b", Name: "乙镇"})
		for i, f := range []struct {
			agency                          uint
			kind, received, concluded, outc string
		}{
			{a.ID, "natural_person", "2025-12-20", "2026-01-10", "disclosed"}, // carried in, concluded 2026
			{a.ID, "commercial", "2025-11-01", "", ""},                        // carried in and forward
			{a.ID, "natural_person", "2025-06-01", "2025-07-01", "other"},     // concluded 2025: not counted
			{a.ID, "natural_person", "2026-03-01", "2026-03-20", "withheld_state_secret"},
			{a.ID, "research", "2026-12-28", "2027-01-05", "disclosed"}, // received 2026, carried forward
			{a.ID, "weird", "2026-05-05", "2026-05-06", "other"},        // unknown kind counts as 其他
			{other.ID, "natural_person", "2026-03-01", "", ""},          // another agency
		} {
			app := models.Application{AgencyID: f.agency, Number: "n" + string(rune('a'+i)), QueryCode: "x", ApplicantKind: f.kind,
				ApplicantName: "x", Channel: "in_person", ReceivedOn: f.received, ConcludedOn: f.concluded, Outcome: f.outc, Status: "registered", CreatedBy: 1}
			if err := db.Create(&app).Error; err != nil {
				t.Fatal(err)
			}
		}
		c, err := models.CountApplications(ctx, db, a.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if c.Received != [6]int{1, 0, 1, 0, 0, 1} {
			t.Errorf("received %v", c.Received)
		}
		if c.CarriedIn != [6]int{1, 1, 0, 0, 0, 0} {
			t.Errorf("carried in %v", c.CarriedIn)
		}
		if c.CarriedForward != [6]int{0, 1, 1, 0, 0, 0} {
			t.Errorf("carried forward %v", c.CarriedForward)
		}
		if c.Concluded["disclosed"] != [6]int{1, 0, 0, 0, 0, 0} || c.Concluded["withheld_state_secret"] != [6]int{1, 0, 0, 0, 0, 0} || c.Concluded["other"] != [6]int{0, 0, 0, 0, 0, 1} {
			t.Errorf("concluded %v", c.Concluded)
		}
		// R-A holds per column: received + carried in = concluded + carried forward.
		for k := range 6 {
			concluded := 0
			for _, v := range c.Concluded {
				concluded += v[k]
			}
			if c.Received[k]+c.CarriedIn[k] != concluded+c.CarriedForward[k] {
				t.Errorf("column %d does not reconcile", k)
			}
		}
	})
}
