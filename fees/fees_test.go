package fees

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestItemFee(t *testing.T) {
	for _, tc := range []struct {
		k    int
		want int64
	}{
		{1, 0}, {10, 0}, // 10 件以下（含 10 件）不收费
		{11, 100}, {12, 100}, {30, 100}, // 11—30 件
		{31, 200}, {35, 200}, {40, 200}, // 第 1 档
		{41, 300}, {50, 300}, // 第 2 档
		{51, 400}, {60, 400}, {61, 500},
		{130, 1100}, {131, 1200},
		{MaxItems, 100 * (1 + (MaxItems-30)/10)},
	} {
		got, err := ItemFee(tc.k)
		if err != nil || got != tc.want {
			t.Errorf("ItemFee(%d) = %d, %v; want %d", tc.k, got, err, tc.want)
		}
	}
}

func TestItemFeeErrors(t *testing.T) {
	for _, tc := range []struct {
		k    int
		want error
	}{
		{0, ErrItemIndex}, {-1, ErrItemIndex}, {-1 << 40, ErrItemIndex},
		{MaxItems + 1, ErrOutOfRange}, {1 << 40, ErrOutOfRange},
	} {
		got, err := ItemFee(tc.k)
		if !errors.Is(err, tc.want) || got != 0 {
			t.Errorf("ItemFee(%d) = %d, %v; want 0, %v", tc.k, got, err, tc.want)
		}
	}
}

func TestMonthItemsTotal(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int64
	}{
		{0, 0}, {1, 0}, {10, 0},
		{11, 100}, {12, 200}, {30, 2000},
		{31, 2200},
		{35, 3000}, // worked example: 20 × 100 + 5 × 200
		{40, 4000}, {41, 4300}, {50, 7000}, {51, 7400},
		{60, 11000}, // 2000 + 10×200 + 10×300 + 10×400
	} {
		if got := MonthItemsTotal(tc.n); got != tc.want {
			t.Errorf("MonthItemsTotal(%d) = %d; want %d", tc.n, got, tc.want)
		}
	}
}

// The worked example again, the way a month is actually charged: one
// Compute per application, k = 1..35.
func TestThirtyFiveApplicationsOneAtATime(t *testing.T) {
	var sum int64
	for k := 1; k <= 35; k++ {
		c, err := Compute(PerItem, k, 0)
		if err != nil {
			t.Fatal(err)
		}
		sum += c.Amount
	}
	if sum != 3000 {
		t.Errorf("35 applications charged one by one = %d 元; want 3000", sum)
	}
}

func TestMonthItemsTotalPanics(t *testing.T) {
	for _, n := range []int{-1, MaxItems + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MonthItemsTotal(%d) did not panic", n)
				}
			}()
			MonthItemsTotal(n)
		}()
	}
	// The largest allowed n stays far from overflow.
	if got := MonthItemsTotal(MaxItems); got <= 0 || got > 1<<53 {
		t.Errorf("MonthItemsTotal(MaxItems) = %d", got)
	}
}

func TestPageFee(t *testing.T) {
	for _, tc := range []struct {
		pages int
		want  int64
	}{
		{0, 0}, {1, 0}, {30, 0},
		{31, 10}, {100, 700},
		{101, 720}, {200, 2700},
		{201, 2740},
		{250, 4700}, // worked example: 70×10 + 100×20 + 50×40
		{1000, 34700},
		{MaxPages, 2700 + 40*(MaxPages-200)},
	} {
		got, err := PageFee(tc.pages)
		if err != nil || got != tc.want {
			t.Errorf("PageFee(%d) = %d, %v; want %d", tc.pages, got, err, tc.want)
		}
	}
}

func TestPageFeeErrors(t *testing.T) {
	for _, tc := range []struct {
		pages int
		want  error
	}{
		{-1, ErrPages}, {-1 << 40, ErrPages},
		{MaxPages + 1, ErrOutOfRange},
	} {
		got, err := PageFee(tc.pages)
		if !errors.Is(err, tc.want) || got != 0 {
			t.Errorf("PageFee(%d) = %d, %v; want 0, %v", tc.pages, got, err, tc.want)
		}
	}
}

func TestCompute(t *testing.T) {
	const m = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
	for _, tc := range []struct {
		name         string
		method       Method
		k, pages     int
		amount       int64
		basis, cites string
		steps        []string
	}{
		{
			name: "3rd item, free", method: PerItem, k: 3, amount: 0,
			basis: "本月第 3 件，按件计收：10 件以下（含 10 件）不收费，本件收费 0 元",
			cites: m + "第四条第（一）项",
			steps: []string{
				"同一申请人本自然月内累计第 3 件申请",
				"适用第四条第（一）项：同一申请人一个自然月内累计申请 10 件以下（含 10 件）的，不收费",
				"本件收费：0 元",
			},
		},
		{
			name: "12th item", method: PerItem, k: 12, amount: 100,
			basis: "本月第 12 件，按件计收：11—30 件部分 100 元/件，本件收费 100 元",
			cites: m + "第四条第（二）项",
			steps: []string{
				"同一申请人本自然月内累计第 12 件申请",
				"适用第四条第（二）项：累计申请 11—30 件（含 30 件）的部分：100 元/件",
				"本件收费：100 元",
			},
		},
		{
			name: "35th item", method: PerItem, k: 35, amount: 200,
			basis: "本月第 35 件，按件计收：31—40 件部分（31 件以上第 1 档）200 元/件，本件收费 200 元",
			cites: m + "第四条第（三）项",
			steps: []string{
				"同一申请人本自然月内累计第 35 件申请",
				"适用第四条第（三）项：累计申请 31 件以上的部分以 10 件为一档，每增加一档提高 100 元/件：" +
					"第 35 件属第 1 档（31—40 件），100 元 + 1 档 × 100 元 = 200 元/件",
				"本件收费：200 元",
			},
		},
		{
			name: "51st item", method: PerItem, k: 51, amount: 400,
			basis: "本月第 51 件，按件计收：51—60 件部分（31 件以上第 3 档）400 元/件，本件收费 400 元",
			cites: m + "第四条第（三）项",
		},
		{
			name: "250 pages", method: PerPage, pages: 250, amount: 4700,
			basis: "本件申请共 250 页，按量计收（超额累进）：1—30 页：免费；31—100 页：70 页 × 10 元 = 700 元；" +
				"101—200 页：100 页 × 20 元 = 2000 元；201—250 页：50 页 × 40 元 = 2000 元；合计 4700 元",
			cites: m + "第五条第（一）项至第（四）项",
			steps: []string{
				"1—30 页：免费",
				"31—100 页：70 页 × 10 元 = 700 元",
				"101—200 页：100 页 × 20 元 = 2000 元",
				"201—250 页：50 页 × 40 元 = 2000 元",
				"合计 4700 元",
			},
		},
		{
			name: "30 pages", method: PerPage, pages: 30, amount: 0,
			basis: "本件申请共 30 页，按量计收（超额累进）：1—30 页：免费；合计 0 元",
			cites: m + "第五条第（一）项",
			steps: []string{"1—30 页：免费", "合计 0 元"},
		},
		{
			name: "31 pages", method: PerPage, pages: 31, amount: 10,
			basis: "本件申请共 31 页，按量计收（超额累进）：1—30 页：免费；第 31 页：1 页 × 10 元 = 10 元；合计 10 元",
			cites: m + "第五条第（一）项至第（二）项",
		},
		{
			name: "101 pages", method: PerPage, pages: 101, amount: 720,
			basis: "本件申请共 101 页，按量计收（超额累进）：1—30 页：免费；31—100 页：70 页 × 10 元 = 700 元；" +
				"第 101 页：1 页 × 20 元 = 20 元；合计 720 元",
			cites: m + "第五条第（一）项至第（三）项",
		},
		{
			name: "1 page", method: PerPage, pages: 1, amount: 0,
			basis: "本件申请共 1 页，按量计收（超额累进）：第 1 页：免费；合计 0 元",
			cites: m + "第五条第（一）项",
		},
		{
			name: "0 pages", method: PerPage, pages: 0, amount: 0,
			basis: "本件申请共 0 页，按量计收（超额累进）：0 页：不收费；合计 0 元",
			cites: m + "第五条第（一）项",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compute(tc.method, tc.k, tc.pages)
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != tc.method || c.Amount != tc.amount {
				t.Errorf("got %s %d 元; want %s %d 元", c.Method, c.Amount, tc.method, tc.amount)
			}
			if c.Basis != tc.basis {
				t.Errorf("Basis\n got %s\nwant %s", c.Basis, tc.basis)
			}
			if c.Citation != tc.cites {
				t.Errorf("Citation\n got %s\nwant %s", c.Citation, tc.cites)
			}
			if tc.steps != nil && !slices.Equal(c.Steps, tc.steps) {
				t.Errorf("Steps\n got %q\nwant %q", c.Steps, tc.steps)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	for _, tc := range []struct {
		method   Method
		k, pages int
		want     error
	}{
		{"", 1, 0, ErrUnknownMethod},
		{"PerItem", 1, 0, ErrUnknownMethod},
		{"按件", 1, 0, ErrUnknownMethod},
		{"per_item,per_page", 12, 250, ErrUnknownMethod},
		// Never both methods (Art.3): an argument of the other method is set.
		{PerItem, 12, 250, ErrMixedMethods},
		{PerItem, 12, -1, ErrMixedMethods},
		{PerPage, 12, 250, ErrMixedMethods},
		{PerPage, -3, 250, ErrMixedMethods},
		{PerItem, 0, 5, ErrMixedMethods},
		// Bad input for the chosen method.
		{PerItem, 0, 0, ErrItemIndex},
		{PerItem, -1, 0, ErrItemIndex},
		{PerItem, MaxItems + 1, 0, ErrOutOfRange},
		{PerPage, 0, -1, ErrPages},
		{PerPage, 0, MaxPages + 1, ErrOutOfRange},
	} {
		c, err := Compute(tc.method, tc.k, tc.pages)
		if !errors.Is(err, tc.want) {
			t.Errorf("Compute(%q, %d, %d) error = %v; want %v", tc.method, tc.k, tc.pages, err, tc.want)
		}
		if c.Method != "" || c.Amount != 0 || c.Basis != "" || c.Steps != nil {
			t.Errorf("Compute(%q, %d, %d) returned %+v with the error", tc.method, tc.k, tc.pages, c)
		}
	}
}

func TestMethod(t *testing.T) {
	for _, tc := range []struct {
		m     Method
		valid bool
		label string
	}{
		{PerItem, true, "按件计收"},
		{PerPage, true, "按量计收"},
		{"", false, ""},
		{"per_items", false, ""},
	} {
		if tc.m.Valid() != tc.valid || tc.m.Label() != tc.label {
			t.Errorf("%q: Valid %v Label %q; want %v %q", tc.m, tc.m.Valid(), tc.m.Label(), tc.valid, tc.label)
		}
	}
}

// Every charge's text ends with its amount, so a notice never shows a basis
// that disagrees with the amount charged.
func TestBasisStatesAmount(t *testing.T) {
	check := func(c Charge, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		want := yuan(c.Amount)
		if !strings.HasSuffix(c.Basis, want) || !strings.HasSuffix(c.Steps[len(c.Steps)-1], want) {
			t.Errorf("%s: amount %s not at the end of Basis %q / Steps %q", c.Method, want, c.Basis, c.Steps)
		}
	}
	for k := 1; k <= 200; k++ {
		check(Compute(PerItem, k, 0))
	}
	for p := 0; p <= 500; p++ {
		check(Compute(PerPage, 0, p))
	}
}
