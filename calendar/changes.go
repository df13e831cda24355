package calendar

import (
	"cmp"
	"slices"
)

// DateRange is the dates From..To inclusive for one region ("" = national,
// which concerns every region).
type DateRange struct {
	Region string `json:"region"`
	From   Date   `json:"from"`
	To     Date   `json:"to"`
}

// OverlayChangedSignal is the Temporal signal name for OverlayChanged, so
// senders and workflows agree on it.
const OverlayChangedSignal = "calendar-overlay-changed"

// OverlayChanged is the signal payload telling workflows that the overlay
// changed on these dates; a workflow re-evaluates its clocks if Affects.
type OverlayChanged struct {
	Ranges []DateRange `json:"ranges"`
}

// Affects reports whether the change touches region between from and to.
func (o OverlayChanged) Affects(region string, from, to Date) bool {
	return Affected(o.Ranges, region, from, to)
}

// Affected reports whether any change applies to region (national changes
// apply to all) and overlaps from..to. Pass a ClockStatus.Span to learn
// whether a clock must be re-evaluated.
func Affected(changes []DateRange, region string, from, to Date) bool {
	for _, c := range changes {
		if (c.Region == "" || c.Region == region) && !c.From.After(to) && !c.To.Before(from) {
			return true
		}
	}
	return false
}

// ChangedDates lists, per region, the dates on which the overlays differ in
// any field (working, name or source: names appear in explanations), merged
// into ranges of consecutive days, sorted by region then date. If an overlay
// sets one date twice, the later entry is taken, as New would reject it anyway.
func ChangedDates(before, after []Override) []DateRange {
	type key struct {
		region string
		n      int
	}
	index := func(overrides []Override) map[key]Override {
		m := make(map[key]Override, len(overrides))
		for _, o := range overrides {
			m[key{o.Region, o.Date.number()}] = o
		}
		return m
	}
	was, now := index(before), index(after)

	var changed []key
	for k, o := range was {
		if p, ok := now[k]; !ok || p != o {
			changed = append(changed, k)
		}
	}
	for k := range now {
		if _, ok := was[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.SortFunc(changed, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.n, b.n))
	})

	var ranges []DateRange
	for i := 0; i < len(changed); {
		j := i + 1
		for j < len(changed) && changed[j].region == changed[i].region && changed[j].n == changed[j-1].n+1 {
			j++
		}
		ranges = append(ranges, DateRange{
			Region: changed[i].region,
			From:   dateOfNumber(changed[i].n),
			To:     dateOfNumber(changed[j-1].n),
		})
		i = j
	}
	return ranges
}
