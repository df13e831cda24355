// Package fees computes the 信息处理费 (information-processing fee) that an
// organ may charge under Art.42 of the 《政府信息公开条例》, using the tariff of
// the 《政府信息公开信息处理费管理办法》 issued with 国办函〔2020〕109号
// (statutory-rules.md §3 and §6 rule 13):
//
//   - Art.3: the fee is charged either 按件 (per application) or 按量 (per
//     page), both 超额累进 (marginal tiers); for each application the organ
//     picks one method and must not charge by both. [Compute] enforces this by
//     taking exactly one method and rejecting an argument of the other one.
//   - Art.4, 按件 ([PerItem]): by the same applicant's cumulative count of
//     applications in one calendar month. The k-th application costs 0 for
//     k ≤ 10, 100 元 for 11 ≤ k ≤ 30, and for k ≥ 31 the price rises by 100 元
//     per band of 10: 100 × (1 + ⌈(k−30)/10⌉) 元 (31–40 → 200, 41–50 → 300, …).
//     See [ItemFee] and [MonthItemsTotal].
//   - Art.5, 按量 ([PerPage]): on one application's page count, marginal: pages
//     1–30 free, 31–100 10 元/页, 101–200 20 元/页, 201 and above 40 元/页.
//     See [PageFee].
//
// The tiers come from the verified text of Art.3–5 ([S] in
// statutory-rules.md); reading Art.4 as a marginal price for the k-th
// application is the interpretation recorded there as [P]. Everything else
// about the fee is NOT verified ([M]): the payment deadline of 20 working days
// from the applicant's receipt of the 收费通知 (Art.6 onwards), the paused reply
// clock while a fee is outstanding, 减免. Those are not encoded here: the
// deadline lives with the case workflow as a configurable rule.
//
// What the caller decides, not this package: whether a fee is charged at all
// (Art.42 "可以"); which method applies (Art.5 limits 按量 to paper copies,
// e-mail and copies of electronic data); the month index k, i.e. the position
// of the application among the same applicant's applications received in the
// same 自然月. Under Art.4 an application that contains several matters may be
// split into several 件 (一事一申请); the fee for the 件 numbered first..last is
// MonthItemsTotal(last) − MonthItemsTotal(first−1), or one [Compute] per 件.
//
// Amounts are whole 元 in int64; no floating point is used for money. The
// package is pure and deterministic (no clock, I/O or mutable state), so it is
// safe in Temporal workflow code.
package fees

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Method is the charging method chosen for one application (Art.3).
type Method string

const (
	// PerItem is 按件计收 (Art.4).
	PerItem Method = "per_item"
	// PerPage is 按量计收 (Art.5).
	PerPage Method = "per_page"
)

// Valid reports whether m is PerItem or PerPage.
func (m Method) Valid() bool { return m == PerItem || m == PerPage }

// Label is the Chinese name of the method, for notices: "按件计收" or
// "按量计收"; "" for an unknown method.
func (m Method) Label() string {
	switch m {
	case PerItem:
		return "按件计收"
	case PerPage:
		return "按量计收"
	}
	return ""
}

// Limits on the inputs. They are far beyond any real application and keep
// every amount, including MonthItemsTotal(MaxItems), well inside int64.
const (
	MaxItems = 1_000_000     // largest month index k (and n for MonthItemsTotal)
	MaxPages = 1_000_000_000 // largest page count of one application
)

// Errors returned by the functions of this package, for errors.Is.
var (
	ErrUnknownMethod = errors.New("fees: unknown charging method")
	ErrMixedMethods  = errors.New("fees: one application is charged by one method only (国办函〔2020〕109号 Art.3)")
	ErrItemIndex     = errors.New("fees: month index k must be at least 1")
	ErrPages         = errors.New("fees: page count must not be negative")
	ErrOutOfRange    = errors.New("fees: input beyond the supported range")
)

// Per-item tariff (Art.4).
const (
	freeItems    = 10  // 10 件以下（含 10 件）不收费
	flatItems    = 30  // 11—30 件（含 30 件）的部分
	flatPrice    = 100 // 元/件 for 11—30
	bandSize     = 10  // 31 件以上以 10 件为一档
	bandIncrease = 100 // 每增加一档提高 100 元/件
)

// pageTier is one marginal tier of the per-page tariff (Art.5).
type pageTier struct {
	from, to int   // inclusive page range; to == 0 means open-ended
	price    int64 // 元/页
	item     string
}

var pageTiers = []pageTier{
	{1, 30, 0, "（一）"},
	{31, 100, 10, "（二）"},
	{101, 200, 20, "（三）"},
	{201, 0, 40, "（四）"},
}

// itemBand returns the band of the k-th application of the month: 0 for
// k ≤ 30, else ⌈(k−30)/10⌉ (31–40 → 1, 41–50 → 2, …).
func itemBand(k int) int {
	if k <= flatItems {
		return 0
	}
	return (k - flatItems + bandSize - 1) / bandSize
}

// ItemFee is the fee in 元 for the k-th application (k ≥ 1) of the same
// applicant in one calendar month, charged 按件 (Art.4).
func ItemFee(k int) (int64, error) {
	switch {
	case k < 1:
		return 0, fmt.Errorf("%w: k = %d", ErrItemIndex, k)
	case k > MaxItems:
		return 0, fmt.Errorf("%w: k = %d > %d", ErrOutOfRange, k, MaxItems)
	case k <= freeItems:
		return 0, nil
	case k <= flatItems:
		return flatPrice, nil
	}
	return flatPrice + int64(itemBand(k))*bandIncrease, nil
}

// MonthItemsTotal is the total fee in 元 for n applications of one applicant
// in one calendar month, all charged 按件: the sum of ItemFee(1..n). It is 0
// for n = 0. It panics if n < 0 or n > MaxItems, which are programming errors
// (as strings.Repeat does for a negative count).
func MonthItemsTotal(n int) int64 {
	if n < 0 || n > MaxItems {
		panic(fmt.Sprintf("fees.MonthItemsTotal: n = %d outside 0..%d", n, MaxItems))
	}
	if n <= freeItems {
		return 0
	}
	total := int64(min(n, flatItems)-freeItems) * flatPrice
	if n <= flatItems {
		return total
	}
	// Full bands j = 1..b cost 10 × (100 + 100j) each; the partial band b+1
	// has r applications at 100 + 100(b+1).
	m := int64(n - flatItems)
	b, r := m/bandSize, m%bandSize
	total += bandSize * (flatPrice*b + bandIncrease*b*(b+1)/2)
	total += r * (flatPrice + bandIncrease*(b+1))
	return total
}

// PageFee is the fee in 元 for one application of the given number of pages
// (pages ≥ 0), charged 按量 with marginal tiers (Art.5).
func PageFee(pages int) (int64, error) {
	if err := checkPages(pages); err != nil {
		return 0, err
	}
	var total int64
	for _, t := range pageTiers {
		if n := t.count(pages); n > 0 {
			total += int64(n) * t.price
		}
	}
	return total, nil
}

func checkPages(pages int) error {
	switch {
	case pages < 0:
		return fmt.Errorf("%w: pages = %d", ErrPages, pages)
	case pages > MaxPages:
		return fmt.Errorf("%w: pages = %d > %d", ErrOutOfRange, pages, MaxPages)
	}
	return nil
}

// count is the number of the first `pages` pages that fall in the tier.
func (t pageTier) count(pages int) int {
	hi := pages
	if t.to != 0 {
		hi = min(hi, t.to)
	}
	return max(0, hi-t.from+1)
}

// Charge is the fee for one application with its explanation for the
// 收费通知.
type Charge struct {
	Method Method
	Amount int64 // whole 元
	// Basis is a one-paragraph Chinese explanation of the tier(s) applied and
	// how Amount was reached, e.g. "本月第 12 件，按件计收：11—30 件部分
	// 100 元/件，本件收费 100 元".
	Basis string
	// Citation is the legal basis for the notice, e.g.
	// "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）第四条第（二）项".
	Citation string
	// Steps are the lines of the computation, one per tier used, ending with
	// the total.
	Steps []string
}

const measures = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"

// Compute charges one application by exactly one method (Art.3). For PerItem,
// monthIndex is k, the application's position among the applicant's
// applications of the calendar month, and pages must be 0. For PerPage, pages
// is the page count and monthIndex must be 0. It returns ErrUnknownMethod,
// ErrMixedMethods (an argument of the other method is set), ErrItemIndex
// (k < 1), ErrPages (pages < 0) or ErrOutOfRange.
func Compute(method Method, monthIndex int, pages int) (Charge, error) {
	switch method {
	case PerItem:
		if pages != 0 {
			return Charge{}, fmt.Errorf("%w: 按件计收 with pages = %d", ErrMixedMethods, pages)
		}
		return computeItem(monthIndex)
	case PerPage:
		if monthIndex != 0 {
			return Charge{}, fmt.Errorf("%w: 按量计收 with month index = %d", ErrMixedMethods, monthIndex)
		}
		return computePages(pages)
	}
	return Charge{}, fmt.Errorf("%w: %q", ErrUnknownMethod, string(method))
}

func yuan(n int64) string { return strconv.FormatInt(n, 10) + " 元" }

func computeItem(k int) (Charge, error) {
	fee, err := ItemFee(k)
	if err != nil {
		return Charge{}, err
	}
	c := Charge{Method: PerItem, Amount: fee}
	ks := strconv.Itoa(k)
	var tier, rule, item string
	switch band := itemBand(k); {
	case k <= freeItems:
		item = "（一）"
		tier = "10 件以下（含 10 件）不收费"
		rule = "同一申请人一个自然月内累计申请 10 件以下（含 10 件）的，不收费"
	case band == 0:
		item = "（二）"
		tier = "11—30 件部分 " + yuan(fee) + "/件"
		rule = "累计申请 11—30 件（含 30 件）的部分：100 元/件"
	default:
		item = "（三）"
		lo := flatItems + (band-1)*bandSize + 1
		hi := lo + bandSize - 1
		tier = fmt.Sprintf("%d—%d 件部分（31 件以上第 %d 档）%s/件", lo, hi, band, yuan(fee))
		rule = fmt.Sprintf("累计申请 31 件以上的部分以 10 件为一档，每增加一档提高 100 元/件："+
			"第 %s 件属第 %d 档（%d—%d 件），100 元 + %d 档 × 100 元 = %s/件",
			ks, band, lo, hi, band, yuan(fee))
	}
	c.Citation = measures + "第四条第" + item + "项"
	c.Basis = "本月第 " + ks + " 件，按件计收：" + tier + "，本件收费 " + yuan(fee)
	c.Steps = []string{
		"同一申请人本自然月内累计第 " + ks + " 件申请",
		"适用第四条第" + item + "项：" + rule,
		"本件收费：" + yuan(fee),
	}
	return c, nil
}

func computePages(pages int) (Charge, error) {
	fee, err := PageFee(pages)
	if err != nil {
		return Charge{}, err
	}
	c := Charge{Method: PerPage, Amount: fee}
	top := ""
	for _, t := range pageTiers {
		n := t.count(pages)
		if n <= 0 {
			break
		}
		top = t.item
		hi := t.from + n - 1
		span := fmt.Sprintf("%d—%d 页", t.from, hi)
		if hi == t.from {
			span = fmt.Sprintf("第 %d 页", hi)
		}
		if t.price == 0 {
			c.Steps = append(c.Steps, span+"：免费")
		} else {
			c.Steps = append(c.Steps, fmt.Sprintf("%s：%d 页 × %d 元 = %s",
				span, n, t.price, yuan(int64(n)*t.price)))
		}
	}
	if pages == 0 {
		c.Steps = append(c.Steps, "0 页：不收费")
		top = "（一）"
	}
	c.Steps = append(c.Steps, "合计 "+yuan(fee))
	c.Citation = measures + "第五条"
	if top == "（一）" {
		c.Citation += "第（一）项"
	} else {
		c.Citation += "第（一）项至第" + top + "项"
	}
	c.Basis = "本件申请共 " + strconv.Itoa(pages) + " 页，按量计收（超额累进）：" +
		strings.Join(c.Steps, "；")
	return c, nil
}
