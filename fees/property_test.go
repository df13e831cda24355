package fees

import (
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
)

// Oracles written straight from the wording of Art.4 and Art.5, the slow way,
// independent of the closed forms in fees.go.

// oracleItemPrice: 0 up to 10; 100 for 11—30; from 31 on, every started band
// of 10 adds 100 元/件.
func oracleItemPrice(k int) int64 {
	switch {
	case k <= 10:
		return 0
	case k <= 30:
		return 100
	}
	price := int64(100)
	for bandStart := 31; bandStart <= k; bandStart += 10 {
		price += 100
	}
	return price
}

// oraclePagePrice is the price of the p-th page of an application.
func oraclePagePrice(p int) int64 {
	switch {
	case p <= 30:
		return 0
	case p <= 100:
		return 10
	case p <= 200:
		return 20
	}
	return 40
}

// Small inputs: every value is checked against the oracles.
func TestAgainstOraclesExhaustive(t *testing.T) {
	var month int64
	for k := 1; k <= 3000; k++ {
		fee, err := ItemFee(k)
		if err != nil {
			t.Fatal(err)
		}
		if want := oracleItemPrice(k); fee != want {
			t.Fatalf("ItemFee(%d) = %d; oracle %d", k, fee, want)
		}
		month += fee
		if got := MonthItemsTotal(k); got != month {
			t.Fatalf("MonthItemsTotal(%d) = %d; sum of ItemFee(1..%d) = %d", k, got, k, month)
		}
	}
	var doc int64
	for p := 0; p <= 3000; p++ {
		if p > 0 {
			doc += oraclePagePrice(p)
		}
		fee, err := PageFee(p)
		if err != nil {
			t.Fatal(err)
		}
		if fee != doc {
			t.Fatalf("PageFee(%d) = %d; oracle %d", p, fee, doc)
		}
	}
}

// count is a month index in 1..MaxItems-1, so that count+1 is still valid;
// its Generate favours small values, near the tier edges, half the time.
type count int

func (count) Generate(r *rand.Rand, _ int) reflect.Value {
	if r.Intn(2) == 0 {
		return reflect.ValueOf(count(1 + r.Intn(300)))
	}
	return reflect.ValueOf(count(1 + r.Intn(MaxItems-1)))
}

// pages is a page count in 0..MaxPages-2, so that pages+2 is still valid.
type pages int

func (pages) Generate(r *rand.Rand, _ int) reflect.Value {
	if r.Intn(2) == 0 {
		return reflect.ValueOf(pages(r.Intn(400)))
	}
	return reflect.ValueOf(pages(r.Intn(MaxPages - 1)))
}

var quickConfig = &quick.Config{MaxCount: 20000}

// MonthItemsTotal is monotonic and is the running sum of ItemFee: the step
// from n to n+1 is exactly ItemFee(n+1), which agrees with the oracle.
func TestQuickMonthItemsTotal(t *testing.T) {
	f := func(c count) bool {
		n := int(c)
		next, err := ItemFee(n + 1)
		if err != nil {
			return false
		}
		lo, hi := MonthItemsTotal(n), MonthItemsTotal(n+1)
		return lo <= hi && hi-lo == next && next == oracleItemPrice(n+1)
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// MonthItemsTotal equals the sum of ItemFee(1..n), summed in full.
func TestQuickMonthItemsTotalIsSum(t *testing.T) {
	f := func(c count) bool {
		n := int(c) % 20000
		var sum int64
		for k := 1; k <= n; k++ {
			fee, err := ItemFee(k)
			if err != nil {
				return false
			}
			sum += fee
		}
		return MonthItemsTotal(n) == sum
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 500}); err != nil {
		t.Error(err)
	}
}

// MonthItemsTotal is monotonic for any two counts, not only neighbours.
func TestQuickMonthItemsTotalMonotonic(t *testing.T) {
	f := func(a, b count) bool {
		if a > b {
			a, b = b, a
		}
		return MonthItemsTotal(int(a)) <= MonthItemsTotal(int(b))
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// PageFee is monotonic and its marginal price (the price of the next page)
// never decreases — the 超额累进 property of Art.3 — and matches Art.5.
func TestQuickPageFee(t *testing.T) {
	fee := func(p int) int64 {
		v, err := PageFee(p)
		if err != nil {
			t.Fatalf("PageFee(%d): %v", p, err)
		}
		return v
	}
	f := func(x pages) bool {
		p := int(x)
		f0, f1, f2 := fee(p), fee(p+1), fee(p+2)
		m1, m2 := f1-f0, f2-f1
		return 0 <= m1 && m1 <= m2 && m1 == oraclePagePrice(p+1) && m2 == oraclePagePrice(p+2)
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
	g := func(a, b pages) bool {
		if a > b {
			a, b = b, a
		}
		return fee(int(a)) <= fee(int(b))
	}
	if err := quick.Check(g, quickConfig); err != nil {
		t.Error(err)
	}
}

// ItemFee's marginal price never decreases either.
func TestQuickItemFeeNonDecreasing(t *testing.T) {
	f := func(c count) bool {
		a, err1 := ItemFee(int(c))
		b, err2 := ItemFee(int(c) + 1)
		return err1 == nil && err2 == nil && a <= b
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// Compute agrees with ItemFee and PageFee for any valid input, and rejects
// any input that sets both methods' arguments.
func TestQuickCompute(t *testing.T) {
	f := func(c count, x pages) bool {
		k, p := int(c), int(x)
		ci, err := Compute(PerItem, k, 0)
		if err != nil {
			return false
		}
		want, _ := ItemFee(k)
		if ci.Amount != want || ci.Method != PerItem {
			return false
		}
		cp, err := Compute(PerPage, 0, p)
		if err != nil {
			return false
		}
		want, _ = PageFee(p)
		if cp.Amount != want || cp.Method != PerPage {
			return false
		}
		if p > 0 {
			if _, err := Compute(PerItem, k, p); err == nil {
				return false
			}
		}
		_, err = Compute(PerPage, k, p)
		return err != nil
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}

// FuzzCompute: any input either fails or yields a non-negative amount equal
// to the one the tariff functions give; it never panics.
func FuzzCompute(f *testing.F) {
	f.Add("per_item", 12, 0)
	f.Add("per_item", 35, 0)
	f.Add("per_page", 0, 250)
	f.Add("per_page", 0, -1)
	f.Add("per_item", 12, 250)
	f.Add("", 0, 0)
	f.Fuzz(func(t *testing.T, method string, k, p int) {
		c, err := Compute(Method(method), k, p)
		if err != nil {
			return
		}
		var want int64
		switch Method(method) {
		case PerItem:
			want, err = ItemFee(k)
		case PerPage:
			want, err = PageFee(p)
		default:
			t.Fatalf("Compute accepted method %q", method)
		}
		if err != nil || c.Amount != want || c.Amount < 0 || c.Basis == "" || len(c.Steps) == 0 {
			t.Fatalf("Compute(%q, %d, %d) = %+v; want amount %d (%v)", method, k, p, c, want, err)
		}
	})
}
