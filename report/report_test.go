package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	stdhtml "html"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gongkai/models"
)

// --- fixtures ---

// fixtureEveryOutcome has a distinct, non-zero count in every outcome row,
// spread over all six columns, and consistent carry-over.
func fixtureEveryOutcome() Input {
	in := Input{
		Year:               2025,
		Agency:             Agency{Code: "shanhe", Name: "隆德县山河镇人民政府", ShortName: "山河镇", Kind: KindTownship},
		Regulations:        DocCounts{0, 0, 0},
		NormativeDocuments: DocCounts{Issued: 2, Repealed: 1, InForce: 7},
		Licensing:          13,
		Penalty:            4,
		Enforcement:        1,
		FeesWanYuan:        "12.3",
		PublishedByColumn:  []ColumnCount{{"通知公告", 20}, {"财政资金", 3}, {"空栏目", 0}},
		CarriedIn:          [6]int{2, 1, 0, 0, 0, 1},
		CarriedForward:     [6]int{3, 0, 1, 0, 0, 0},
		Concluded:          map[string][6]int{},
		Appeals:            map[string]AppealCounts{},
		FeeNotices:         2,
		FeeNoticeAmount:    1300,
		FeesCollected:      1200,
	}
	var concluded [6]int
	for i, code := range Outcomes {
		var c [6]int
		c[i%6] = i + 1
		in.Concluded[code] = c
		concluded[i%6] += i + 1
	}
	// 一 = 三(七) + 四 − 二 per column, so that R-A holds.
	for k := range in.Received {
		in.Received[k] = concluded[k] + in.CarriedForward[k] - in.CarriedIn[k]
	}
	return in
}

func mustJSON(t *testing.T, r Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustHTML(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func checkByRule(t *testing.T, checks []CheckResult, rule string) CheckResult {
	t.Helper()
	for _, c := range checks {
		if c.Rule == rule {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", rule, checks)
	return CheckResult{}
}

func assertAllOK(t *testing.T, checks []CheckResult) {
	t.Helper()
	if len(checks) != len(Rules) {
		t.Fatalf("%d checks, want %d", len(checks), len(Rules))
	}
	for i, c := range checks {
		if c.Rule != Rules[i] {
			t.Errorf("check %d is %s, want %s", i, c.Rule, Rules[i])
		}
		if !c.OK {
			t.Errorf("%s failed: %s", c.Rule, c.Detail)
		}
		if c.Detail == "" {
			t.Errorf("%s has no detail", c.Rule)
		}
	}
}

// clone deep-copies a report so a test can edit its numbers.
func clone(r Report) Report {
	c := r
	c.Applications.Rows = map[string][7]int{}
	for k, v := range r.Applications.Rows {
		c.Applications.Rows[k] = v
	}
	c.Applications.Columns = slices.Clone(r.Applications.Columns)
	c.Narrative = map[string]string{}
	for k, v := range r.Narrative {
		c.Narrative[k] = v
	}
	c.Checks = slices.Clone(r.Checks)
	return c
}

// --- the lists agree with package models ---

func TestListsMatchModels(t *testing.T) {
	if !reflect.DeepEqual(Kinds, models.ApplicantKinds) {
		t.Errorf("Kinds %v, models.ApplicantKinds %v", Kinds, models.ApplicantKinds)
	}
	if !reflect.DeepEqual(Outcomes, models.Outcomes) {
		t.Errorf("Outcomes %v\nmodels.Outcomes %v", Outcomes, models.Outcomes)
	}
	if len(Rows) != 25 || len(Outcomes) != 21 {
		t.Errorf("%d rows, %d outcomes; want 25 and 21", len(Rows), len(Outcomes))
	}
	// models.OutcomeNames are "group：item" (or the row's name for (一), (二)).
	strip := regexp.MustCompile(`^(（[一二三四五六七]）|\d\.)`)
	for _, row := range Rows {
		if !isOutcome(row.Key) {
			continue
		}
		name, ok := models.OutcomeNames[row.Key]
		if !ok {
			t.Errorf("no models.OutcomeNames[%s]", row.Key)
			continue
		}
		label := strip.ReplaceAllString(row.Label, "")
		if row.Group == "" {
			if !strings.HasPrefix(label, name) {
				t.Errorf("%s: label %q, models name %q", row.Key, row.Label, name)
			}
			continue
		}
		group, item, _ := strings.Cut(name, "：")
		if strip.ReplaceAllString(row.Group, "") != group || label != item {
			t.Errorf("%s: %s / %s, models name %q", row.Key, row.Group, row.Label, name)
		}
	}
}

// --- the demo report is the example report ---

func TestDemo2023MatchesExampleTables(t *testing.T) {
	r := Build(Demo2023())
	assertAllOK(t, r.Checks)
	if d := checkByRule(t, r.Checks, RuleD); !strings.HasPrefix(d.Detail, "skipped") {
		t.Errorf("R-D without a previous year: %q", d.Detail)
	}
	// Table 1: every cell 0, the fee 0.00 万元.
	p := r.Proactive
	if p.Regulations != (DocCounts{}) || p.NormativeDocuments != (DocCounts{}) || p.Licensing != 0 || p.Penalty != 0 || p.Enforcement != 0 || p.FeesWanYuan != "0.00" {
		t.Errorf("table 1: %+v", p)
	}
	// Table 2: 25 rows × 7 columns, all 0.
	if len(r.Applications.Rows) != len(Rows) {
		t.Errorf("%d rows", len(r.Applications.Rows))
	}
	for _, row := range Rows {
		if v, ok := r.Applications.Rows[row.Key]; !ok || v != [7]int{} {
			t.Errorf("table 2 %s: %v %v", row.Ref, v, ok)
		}
	}
	// Table 3: all 0.
	if r.Appeals != (Appeals{}) {
		t.Errorf("table 3: %+v", r.Appeals)
	}
	want := "2023年，我镇在隆德县人民政府网站政务公开专栏主动公开信息共计11条。其中，在财政资金栏目中，发布信息1条；在新闻中心栏目中，发布信息10条。"
	if !strings.Contains(r.Narrative[PartOverview], "（一）主动公开政府信息的情况。\n"+want+"\n") {
		t.Errorf("一(一):\n%s", r.Narrative[PartOverview])
	}
	if !strings.Contains(r.Narrative[PartOverview], "（二）依申请公开情况。\n2023年1月1日至2023年12月31日，我镇未收到政府信息公开申请。") {
		t.Errorf("一(二):\n%s", r.Narrative[PartOverview])
	}
	if !strings.HasSuffix(r.Narrative[PartOther], "本年度未收取信息处理费。") {
		t.Errorf("六:\n%s", r.Narrative[PartOther])
	}
}

// publishedSentence reads the structure of 一(一): year, platform, total,
// and each column with its count.
var (
	publishedHead   = regexp.MustCompile(`^(\d{4})年，我镇在(.+?)主动公开信息共计(\d+)条。其中，(.*)$`)
	publishedColumn = regexp.MustCompile(`^在(.+?)栏目中，发布.*?(\d+)条$`)
)

type published struct {
	year, platform string
	total          int
	columns        []ColumnCount
}

func parsePublished(t *testing.T, s string) published {
	t.Helper()
	m := publishedHead.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("not a 一(一) sentence: %q", s)
	}
	p := published{year: m[1], platform: m[2]}
	p.total, _ = strconv.Atoi(m[3])
	for _, part := range strings.Split(strings.TrimSuffix(m[4], "。"), "；") {
		c := publishedColumn.FindStringSubmatch(part)
		if c == nil {
			t.Fatalf("not a column clause: %q", part)
		}
		n, _ := strconv.Atoi(c[2])
		p.columns = append(p.columns, ColumnCount{c[1], n})
	}
	return p
}

// exampleReport finds the example report of docs/statutory-rules.md (it
// lives in shared/, beside the repository, not in it).
func exampleReport(t *testing.T) []string {
	t.Helper()
	const rel = "shared/seeds/000_f36b546d9ff9c8b9.txt"
	dir, _ := filepath.Abs(".")
	for {
		if b, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			var lines []string
			sc := bufio.NewScanner(bytes.NewReader(b))
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			return lines
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("example report " + rel + " not found beside the repository")
		}
		dir = parent
	}
}

// trailingInts returns the numbers at the end of a tab-separated line.
func trailingInts(line string) []int {
	var out []int
	fields := strings.Split(line, "\t")
	for i := len(fields) - 1; i >= 0; i-- {
		f := strings.TrimSpace(fields[i])
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			break
		}
		out = append([]int{n}, out...)
	}
	return out
}

func TestDemo2023AgainstExampleFile(t *testing.T) {
	lines := exampleReport(t)
	r := Build(Demo2023())
	section := func(start, end string) []string {
		var out []string
		in := false
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, start):
				in = true
			case strings.HasPrefix(l, end):
				in = false
			case in:
				out = append(out, l)
			}
		}
		return out
	}
	// Table 1.
	p := r.Proactive
	fee, _ := strconv.ParseFloat(p.FeesWanYuan, 64)
	want1 := map[string][]float64{
		"规章":      {float64(p.Regulations.Issued), float64(p.Regulations.Repealed), float64(p.Regulations.InForce)},
		"行政规范性文件": {float64(p.NormativeDocuments.Issued), float64(p.NormativeDocuments.Repealed), float64(p.NormativeDocuments.InForce)},
		"行政许可":    {float64(p.Licensing)},
		"行政处罚":    {float64(p.Penalty)},
		"行政强制":    {float64(p.Enforcement)},
		"行政事业性收费": {fee},
	}
	seen := 0
	for _, l := range section("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况") {
		label, _, _ := strings.Cut(l, "\t")
		want, ok := want1[label]
		if !ok {
			continue
		}
		seen++
		var got []float64
		for _, f := range strings.Split(l, "\t")[1:] {
			if f = strings.TrimSpace(f); f != "" {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatalf("table 1 %s: %q", label, l)
				}
				got = append(got, v)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("table 1 %s: example %v, ours %v", label, got, want)
		}
	}
	if seen != len(want1) {
		t.Errorf("found %d of table 1's %d rows in the example", seen, len(want1))
	}
	// Table 2: every line ending in 7 numbers, in order.
	var rows2 [][]int
	for _, l := range section("三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议") {
		if n := trailingInts(l); len(n) == 7 {
			rows2 = append(rows2, n)
		}
	}
	if len(rows2) != len(Rows) {
		t.Fatalf("example table 2 has %d numeric rows, ours %d", len(rows2), len(Rows))
	}
	for i, row := range Rows {
		got := r.Applications.Row(row.Key)
		if !reflect.DeepEqual(rows2[i], got[:]) {
			t.Errorf("table 2 %s: example %v, ours %v", row.Ref, rows2[i], got)
		}
	}
	// Table 3: the line of 15 numbers.
	var rows3 [][]int
	for _, l := range section("四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况") {
		if n := trailingInts(l); len(n) == 15 {
			rows3 = append(rows3, n)
		}
	}
	var ours3 []int
	for _, k := range AppealKinds {
		ours3 = append(ours3, r.Appeals.Get(k).values()...)
	}
	if len(rows3) != 1 || !reflect.DeepEqual(rows3[0], ours3) {
		t.Errorf("table 3: example %v, ours %v", rows3, ours3)
	}
	// 一(一): same structure, same total, same columns and counts.
	var exampleSentence string
	for _, l := range lines {
		if publishedHead.MatchString(strings.TrimSpace(l)) {
			exampleSentence = strings.TrimSpace(l)
		}
	}
	var ourSentence string
	for _, l := range strings.Split(r.Narrative[PartOverview], "\n") {
		if publishedHead.MatchString(l) {
			ourSentence = l
		}
	}
	ex, ours := parsePublished(t, exampleSentence), parsePublished(t, ourSentence)
	if !reflect.DeepEqual(ex, ours) {
		t.Errorf("一(一): example %+v, ours %+v", ex, ours)
	}
	if ours.total != 11 || !reflect.DeepEqual(ours.columns, []ColumnCount{{"财政资金", 1}, {"新闻中心", 10}}) {
		t.Errorf("一(一): %+v", ours)
	}
}

// --- table 2 ---

func TestEveryOutcomeRow(t *testing.T) {
	in := fixtureEveryOutcome()
	r := Build(in)
	assertAllOK(t, r.Checks)
	var concluded [7]int
	for i, code := range Outcomes {
		want := withTotal(in.Concluded[code])
		if got := r.Applications.Row(code); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
		if got := r.Applications.Row(code)[i%6]; got != i+1 {
			t.Errorf("%s in column %s: %d, want %d", code, Kinds[i%6], got, i+1)
		}
		for k := range concluded {
			concluded[k] += want[k]
		}
	}
	if got := r.Applications.Row(RowConcludedTotal); got != concluded {
		t.Errorf("三(七) %v, want %v", got, concluded)
	}
	if concluded[6] != 21*22/2 {
		t.Errorf("三(七) total %d", concluded[6])
	}
	if got := r.Applications.Row(RowReceived); got != withTotal(in.Received) {
		t.Errorf("一 %v", got)
	}
	if got := r.Applications.Row(RowCarriedForward); got != [7]int{3, 0, 1, 0, 0, 0, 4} {
		t.Errorf("四 %v", got)
	}
	// The narrative sums the groups (一)…(六).
	a := r.Applications
	sentence := "2025年1月1日至2025年12月31日，我镇共收到政府信息公开申请" + strconv.Itoa(a.Row(RowReceived)[6]) +
		"件，上年结转4件，办结231件，结转下年度继续办理4件。办结的申请中，予以公开1件，部分公开2件，不予公开" +
		strconv.Itoa(3+4+5+6+7+8+9+10) + "件，无法提供" + strconv.Itoa(11+12+13) + "件，不予处理" +
		strconv.Itoa(14+15+16+17+18) + "件，其他处理" + strconv.Itoa(19+20+21) + "件。"
	if !strings.Contains(r.Narrative[PartOverview], sentence) {
		t.Errorf("一(二) want %q in\n%s", sentence, r.Narrative[PartOverview])
	}
	if !strings.Contains(r.Narrative[PartOverview], "2025年，我镇在政府信息公开专栏主动公开信息共计23条。其中，在通知公告栏目中，发布信息20条；在财政资金栏目中，发布信息3条。") {
		t.Errorf("一(一):\n%s", r.Narrative[PartOverview])
	}
	if !strings.HasSuffix(r.Narrative[PartOther], "本年度共发出收费通知2件，金额1300元，实际收取1200元。") {
		t.Errorf("六:\n%s", r.Narrative[PartOther])
	}
	if r.Proactive.FeesWanYuan != "12.30" {
		t.Errorf("fee %q", r.Proactive.FeesWanYuan)
	}
}

// Two years: applications received in 2024 and concluded in 2025 appear as
// 四 of 2024 and 二 of 2025.
func twoYears() (Input, Input) {
	agency := Agency{Code: "dept", Name: "隆德县自然资源局", ShortName: "县自然资源局", Kind: KindDepartment}
	y1 := Input{
		Year: 2024, Agency: agency, FeesWanYuan: "0",
		Received:       [6]int{3, 1, 0, 0, 0, 0},
		Concluded:      map[string][6]int{"disclosed": {1, 0, 0, 0, 0, 0}},
		CarriedForward: [6]int{2, 1, 0, 0, 0, 0},
	}
	y2 := Input{
		Year: 2025, Agency: agency, FeesWanYuan: "0",
		CarriedIn: [6]int{2, 1, 0, 0, 0, 0},
		Received:  [6]int{0, 0, 1, 0, 0, 0},
		Concluded: map[string][6]int{
			"disclosed":            {1, 0, 0, 0, 0, 0},
			"unavailable_not_held": {1, 0, 0, 0, 0, 0},
			"other_fee_unpaid":     {0, 1, 0, 0, 0, 0},
		},
		CarriedForward: [6]int{0, 0, 1, 0, 0, 0},
	}
	return y1, y2
}

func TestCarryOverAcrossYears(t *testing.T) {
	in1, in2 := twoYears()
	r1 := Build(in1)
	assertAllOK(t, r1.Checks)
	if got := r1.Applications.Row(RowCarriedForward); got != [7]int{2, 1, 0, 0, 0, 0, 3} {
		t.Fatalf("2024 四 %v", got)
	}
	prev := r1.Applications.Row(RowCarriedForward)
	in2.PreviousCarriedForward = &prev
	r2 := Build(in2)
	assertAllOK(t, r2.Checks)
	if d := checkByRule(t, r2.Checks, RuleD); d.Detail != "各列本年二等于2024年报告的四" {
		t.Errorf("R-D detail %q", d.Detail)
	}
	if !strings.Contains(r2.Narrative[PartOverview], "我局共收到政府信息公开申请1件，上年结转3件，办结3件，结转下年度继续办理1件。办结的申请中，予以公开1件，无法提供1件，其他处理1件。") {
		t.Errorf("2025 一(二):\n%s", r2.Narrative[PartOverview])
	}
	// Check on the built report with the same previous year agrees.
	if !reflect.DeepEqual(stripCells(Check(r2, &prev)), stripCells(r2.Checks)) {
		t.Errorf("Check differs from Build's checks")
	}

	// 2025 claims one carried-in application fewer than 2024 carried
	// forward (and concluded one fewer, so R-A still holds): R-D fails.
	bad := in2
	bad.CarriedIn = [6]int{1, 1, 0, 0, 0, 0}
	bad.Concluded = map[string][6]int{"disclosed": {1, 0, 0, 0, 0, 0}, "other_fee_unpaid": {0, 1, 0, 0, 0, 0}}
	rb := Build(bad)
	for _, c := range rb.Checks {
		if c.OK != (c.Rule != RuleD) {
			t.Errorf("%s ok=%v: %s", c.Rule, c.OK, c.Detail)
		}
	}
	d := checkByRule(t, rb.Checks, RuleD)
	if d.Detail != "R-D 自然人列：本年二(1)，2024年四(2)；总计列：本年二(2)，2024年四(3)" {
		t.Errorf("R-D detail %q", d.Detail)
	}
	if !reflect.DeepEqual(d.Cells, []Cell{{2, RowCarriedIn, "natural_person"}, {2, RowCarriedIn, "total"}}) {
		t.Errorf("R-D cells %v", d.Cells)
	}
	// Without the previous year, R-D is skipped, not failed.
	if d := checkByRule(t, Check(rb, nil), RuleD); !d.OK || !strings.HasPrefix(d.Detail, "skipped") {
		t.Errorf("R-D without previous: %+v", d)
	}
}

func stripCells(cs []CheckResult) []CheckResult {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Cells = nil
	}
	return out
}

// --- table 3 ---

func TestAppealsEachKind(t *testing.T) {
	in := Demo2023()
	in.Appeals = map[string]AppealCounts{
		AppealReview:                {Upheld: 1, Corrected: 0, Other: 1, Pending: 2},
		AppealLitigationDirect:      {Upheld: 0, Corrected: 3, Other: 0, Pending: 0},
		AppealLitigationAfterReview: {Upheld: 5, Corrected: 0, Other: 0, Pending: 1},
	}
	r := Build(in)
	assertAllOK(t, r.Checks)
	want := Appeals{
		Review:                AppealRow{1, 0, 1, 2, 4},
		LitigationDirect:      AppealRow{0, 3, 0, 0, 3},
		LitigationAfterReview: AppealRow{5, 0, 0, 1, 6},
	}
	if r.Appeals != want {
		t.Errorf("appeals %+v", r.Appeals)
	}
	var got map[string]any
	if err := json.Unmarshal(mustJSON(t, r), &got); err != nil {
		t.Fatal(err)
	}
	appeals := got["appeals"].(map[string]any)
	for k, fields := range map[string][5]float64{
		"review": {1, 0, 1, 2, 4}, "litigation_direct": {0, 3, 0, 0, 3}, "litigation_after_review": {5, 0, 0, 1, 6},
	} {
		a := appeals[k].(map[string]any)
		for i, f := range []string{"upheld", "corrected", "other", "pending", "total"} {
			if a[f] != fields[i] {
				t.Errorf("appeals.%s.%s = %v, want %v", k, f, a[f], fields[i])
			}
		}
	}
	// The HTML's data row has the 15 numbers in the form's order.
	html := mustHTML(t, r)
	row := regexp.MustCompile(`<tr data-row="appeals">(.*?)</tr>`).FindStringSubmatch(html)
	if row == nil {
		t.Fatal("no table 3 data row")
	}
	cells := regexp.MustCompile(`<td class="num">(\d+)</td>`).FindAllStringSubmatch(row[1], -1)
	var nums []string
	for _, c := range cells {
		nums = append(nums, c[1])
	}
	if strings.Join(nums, ",") != "1,0,1,2,4,0,3,0,0,3,5,0,0,1,6" {
		t.Errorf("table 3 row %v", nums)
	}
	// An unknown appeal kind is flagged, not dropped silently.
	in.Appeals["mediation"] = AppealCounts{Upheld: 1}
	if e := checkByRule(t, Build(in).Checks, RuleE); e.OK || !strings.Contains(e.Detail, "mediation") {
		t.Errorf("unknown appeal kind: %+v", e)
	}
}

// --- checks on crafted inconsistencies ---

func TestChecksFailOnCraftedInconsistencies(t *testing.T) {
	base := Build(fixtureEveryOutcome())
	assertAllOK(t, base.Checks)
	edit := func(key string, col int, delta int) func(*Report) {
		return func(r *Report) {
			v := r.Applications.Rows[key]
			v[col] += delta
			r.Applications.Rows[key] = v
		}
	}
	both := func(fs ...func(*Report)) func(*Report) {
		return func(r *Report) {
			for _, f := range fs {
				f(r)
			}
		}
	}
	cases := []struct {
		name   string
		edit   func(*Report)
		rules  []string // the rules that must fail (all others pass)
		detail string   // in the first failing rule's detail
		cell   Cell     // among its cells
	}{
		{"R-A received one more", both(edit(RowReceived, 0, 1), edit(RowReceived, 6, 1)), []string{RuleA},
			"R-A 自然人列：一(", Cell{2, RowReceived, "natural_person"}},
		{"R-B total of 三(一) off", both(edit("disclosed", 6, 1), edit("partially_disclosed", 6, -1)), []string{RuleB},
			"R-B 三(一)行：自然人至其他六列之和1+0+0+0+0+0=1，总计(2)", Cell{2, "disclosed", "total"}},
		{"R-C 三(七) off", both(edit(RowConcludedTotal, 2, 1), edit(RowConcludedTotal, 6, 1), edit(RowCarriedForward, 2, -1), edit(RowCarriedForward, 6, -1)), []string{RuleC},
			"R-C 科研机构列：三(一)至三(六)各行之和三(三)1(3)+三(三)7(9)+三(五)2(15)+三(六)3(21)=48，三(七)(49)", Cell{2, RowConcludedTotal, "research"}},
		{"R-E negative licensing", func(r *Report) { r.Proactive.Licensing = -2 }, []string{RuleE},
			"表一行政许可为负数(-2)", Cell{1, "licensing", ""}},
		{"R-E bad fee", func(r *Report) { r.Proactive.FeesWanYuan = "1.234" }, []string{RuleE},
			"表一行政事业性收费“1.234”", Cell{1, "fees_wan_yuan", ""}},
		{"R-E negative cell in table 2", both(edit("other", 2, -22), edit("other", 6, -22), edit(RowConcludedTotal, 2, -22), edit(RowConcludedTotal, 6, -22), edit(RowCarriedForward, 2, 22), edit(RowCarriedForward, 6, 22)), []string{RuleE},
			"表二三(六)3行科研机构列为负数(-1)；表二三(六)3行总计列为负数(-1)", Cell{2, "other", "research"}},
		{"R-E negative in table 3", func(r *Report) { r.Appeals.Review = AppealRow{Upheld: -1, Corrected: 1} }, []string{RuleE},
			"表三行政复议结果维持为负数(-1)", Cell{3, AppealReview, "upheld"}},
		{"R-E missing row", func(r *Report) { delete(r.Applications.Rows, "not_processed_duplicate") }, []string{RuleC, RuleE},
			"R-C 科研机构列：三(一)至三(六)各行之和三(三)1(3)+三(三)7(9)+三(六)3(21)=33，三(七)(48)", Cell{2, RowConcludedTotal, "research"}},
		{"T3 review total", func(r *Report) { r.Appeals.Review.Total = 1 }, []string{RuleT3},
			"T3 行政复议：结果维持(0)+结果纠正(0)+其他结果(0)+尚未审结(0)=0，总计(1)", Cell{3, AppealReview, "total"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := clone(base)
			tc.edit(&r)
			r.Checks = Check(r, nil)
			var failed []string
			for _, c := range r.Checks {
				if !c.OK {
					failed = append(failed, c.Rule)
				}
			}
			if !reflect.DeepEqual(failed, tc.rules) {
				t.Fatalf("failed %v, want %v: %+v", failed, tc.rules, r.Checks)
			}
			first := checkByRule(t, r.Checks, tc.rules[0])
			if !strings.Contains(first.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", first.Detail, tc.detail)
			}
			if !slices.Contains(first.Cells, tc.cell) {
				t.Errorf("cells %v lack %v", first.Cells, tc.cell)
			}
			// The HTML lists the failure and marks the cells, also after
			// a JSON round trip (which drops the cells).
			var back Report
			if err := json.Unmarshal(mustJSON(t, r), &back); err != nil {
				t.Fatal(err)
			}
			for _, rep := range []Report{r, back} {
				html := stdhtml.UnescapeString(mustHTML(t, rep))
				if !strings.Contains(html, `<li data-rule="`+tc.rules[0]+`">`+first.Detail+`</li>`) {
					t.Errorf("HTML lacks the failed check %q", first.Detail)
				}
				if !strings.Contains(html, `class="num bad" title="未通过：`) {
					t.Errorf("HTML marks no cell")
				}
			}
		})
	}
	// R-A names the cells and numbers in the documented form.
	r := clone(base)
	edit(RowReceived, 0, 1)(&r)
	edit(RowReceived, 6, 1)(&r)
	a := checkByRule(t, Check(r, nil), RuleA)
	in, carried := r.Applications.Row(RowReceived)[0], r.Applications.Row(RowCarriedIn)[0]
	done, fwd := r.Applications.Row(RowConcludedTotal)[0], r.Applications.Row(RowCarriedForward)[0]
	want := "R-A 自然人列：一(" + strconv.Itoa(in) + ")+二(" + strconv.Itoa(carried) + ")=" + strconv.Itoa(in+carried) +
		"，三(七)(" + strconv.Itoa(done) + ")+四(" + strconv.Itoa(fwd) + ")=" + strconv.Itoa(done+fwd) + "；总计列："
	if !strings.HasPrefix(a.Detail, want) {
		t.Errorf("R-A detail %q, want prefix %q", a.Detail, want)
	}
}

func TestBuildFlagsInputItCannotPlace(t *testing.T) {
	in := fixtureEveryOutcome()
	in.Concluded["withdrawn"] = [6]int{1, 0, 0, 0, 0, 0}
	in.FeeNotices = -1
	in.FeesWanYuan = "-3"
	r := Build(in)
	e := checkByRule(t, r.Checks, RuleE)
	for _, s := range []string{"办理结果代码withdrawn[1 0 0 0 0 0]不是表二的行", "六(二)收费通知件数为负数(-1)", "表一行政事业性收费“-3”"} {
		if e.OK || !strings.Contains(e.Detail, s) {
			t.Errorf("R-E %q lacks %q", e.Detail, s)
		}
	}
	if r.Proactive.FeesWanYuan != "-3" {
		t.Errorf("an unreadable fee is kept as given, got %q", r.Proactive.FeesWanYuan)
	}
}

func TestFeeNormalisation(t *testing.T) {
	for in, want := range map[string]string{
		"": "0.00", "0": "0.00", "12.3": "12.30", "012.35": "12.35", " 5 ": "5.00", "0.5": "0.50",
		"1.234": "1.234", "abc": "abc", "-1": "-1", "1.": "1.", ".5": ".5",
	} {
		if got := normalizeFee(in); got != want {
			t.Errorf("normalizeFee(%q) = %q, want %q", in, got, want)
		}
	}
}

// --- JSON ---

func TestJSONShape(t *testing.T) {
	r := Build(fixtureEveryOutcome())
	b := mustJSON(t, r)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string {
		var out []string
		for k := range v.(map[string]any) {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	expect := func(what string, got []string, want ...string) {
		t.Helper()
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s keys %v, want %v", what, got, want)
		}
	}
	expect("top", keys(m), "year", "agency", "proactive", "applications", "appeals", "narrative", "checks")
	expect("agency", keys(m["agency"]), "code", "name", "short_name", "kind")
	p := m["proactive"].(map[string]any)
	expect("proactive", keys(p), "regulations", "normative_documents", "licensing", "penalty", "enforcement", "fees_wan_yuan")
	expect("regulations", keys(p["regulations"]), "issued", "repealed", "in_force")
	if p["fees_wan_yuan"] != "12.30" || p["licensing"] != 13.0 {
		t.Errorf("proactive %v", p)
	}
	apps := m["applications"].(map[string]any)
	expect("applications", keys(apps), "columns", "rows")
	cols, _ := json.Marshal(apps["columns"])
	if string(cols) != `["natural_person","commercial","research","public_interest","legal_service","other","total"]` {
		t.Errorf("columns %s", cols)
	}
	var rowKeys []string
	for _, row := range Rows {
		rowKeys = append(rowKeys, row.Key)
	}
	expect("rows", keys(apps["rows"]), rowKeys...)
	for k, v := range apps["rows"].(map[string]any) {
		if len(v.([]any)) != 7 {
			t.Errorf("row %s has %d numbers", k, len(v.([]any)))
		}
	}
	expect("appeals", keys(m["appeals"]), AppealKinds...)
	for _, k := range AppealKinds {
		expect("appeals."+k, keys(m["appeals"].(map[string]any)[k]), "upheld", "corrected", "other", "pending", "total")
	}
	expect("narrative", keys(m["narrative"]), "1", "5", "6")
	checks := m["checks"].([]any)
	if len(checks) != len(Rules) {
		t.Errorf("%d checks", len(checks))
	}
	for _, c := range checks {
		expect("check", keys(c), "rule", "ok", "detail")
	}
	// Round trip.
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, Report{Year: r.Year, Agency: r.Agency, Proactive: r.Proactive, Applications: r.Applications,
		Appeals: r.Appeals, Narrative: r.Narrative, Checks: stripCells(r.Checks)}) {
		t.Errorf("JSON round trip differs")
	}
	if !bytes.Equal(mustJSON(t, back), b) {
		t.Errorf("JSON of the round-tripped report differs")
	}
}

func TestDeterministic(t *testing.T) {
	in := fixtureEveryOutcome()
	a, b := Build(in), Build(in)
	if !bytes.Equal(mustJSON(t, a), mustJSON(t, b)) || mustHTML(t, a) != mustHTML(t, b) {
		t.Error("JSON or HTML differs between two builds")
	}
	var x1, x2 bytes.Buffer
	if err := a.WriteXLSX(&x1); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteXLSX(&x2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x1.Bytes(), x2.Bytes()) {
		t.Error("XLSX differs between two builds")
	}
}

// --- narrative ---

func TestNarrative(t *testing.T) {
	for _, c := range []struct {
		a    Agency
		want string
	}{
		{Agency{Kind: KindTownship, ShortName: "城关镇"}, "我镇"},
		{Agency{Kind: KindTownship, ShortName: "杨河乡"}, "我乡"},
		{Agency{Kind: KindCounty, ShortName: "隆德县"}, "我县"},
		{Agency{Kind: KindDepartment, ShortName: "县教育体育局"}, "我局"},
		{Agency{Kind: KindDepartment, ShortName: "县卫生健康委员会"}, "我委"},
		{Agency{Kind: KindDepartment, ShortName: "县人民政府办公室"}, "我办"},
		{Agency{Kind: KindDepartment, Name: "某某中心"}, "我局"},
		{Agency{ShortName: "县档案馆"}, "我单位"},
	} {
		if got := Self(c.a); got != c.want {
			t.Errorf("Self(%+v) = %s, want %s", c.a, got, c.want)
		}
	}

	in := Demo2023()
	r := Build(in)
	if got := r.Incomplete(); !reflect.DeepEqual(got, []string{"1", "5", "6"}) {
		t.Errorf("drafts incomplete %v", got)
	}
	if !strings.Contains(r.Narrative[PartProblems], Placeholder) || !strings.HasPrefix(r.Narrative[PartProblems], "2023年，我镇") ||
		!strings.Contains(r.Narrative[PartProblems], "2024年，我镇") {
		t.Errorf("五 %q", r.Narrative[PartProblems])
	}
	if !strings.Contains(r.Narrative[PartOverview], "工作考核、社会评议和责任追究结果情况") {
		t.Errorf("a township's 一 asks for 工作考核…")
	}
	// Edited parts are kept; blank ones get the draft.
	in.Narrative = map[string]string{PartOverview: "一、自己写的。", PartProblems: "  \n", PartOther: "（一）已完成。\n（二）收取信息处理费情况。\n未收取。", "9": "ignored"}
	r = Build(in)
	if r.Narrative[PartOverview] != "一、自己写的。" || r.Narrative[PartOther] != in.Narrative[PartOther] {
		t.Errorf("edited parts not kept: %v", r.Narrative)
	}
	if r.Narrative[PartProblems] != Drafts(in)[PartProblems] || len(r.Narrative) != 3 {
		t.Errorf("blank part not drafted: %v", r.Narrative)
	}
	if got := r.Incomplete(); !reflect.DeepEqual(got, []string{"5"}) {
		t.Errorf("incomplete %v", got)
	}
	// Nothing published, no applications at all.
	in = Input{Year: 2026, Agency: Agency{Name: "某单位"}}
	r = Build(in)
	for _, s := range []string{"2026年，我单位在政府信息公开专栏未主动公开政府信息。", "我单位未收到政府信息公开申请。"} {
		if !strings.Contains(r.Narrative[PartOverview], s) {
			t.Errorf("一 lacks %q:\n%s", s, r.Narrative[PartOverview])
		}
	}
	if strings.Contains(r.Narrative[PartOverview], "工作考核") {
		t.Errorf("a non-government organ's 一 asks for 工作考核")
	}
	// Notices sent but nothing collected is still reported.
	in.FeeNotices, in.FeeNoticeAmount = 1, 100
	if !strings.HasSuffix(Build(in).Narrative[PartOther], "本年度共发出收费通知1件，金额100元，实际收取0元。") {
		t.Errorf("六 %q", Build(in).Narrative[PartOther])
	}
}
