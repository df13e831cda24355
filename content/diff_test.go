package content

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/quick"
)

// ops renders a diff compactly: " a" equal, "+a" insert, "-a" delete.
func ops(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		prefix := map[string]string{OpEqual: " ", OpInsert: "+", OpDelete: "-"}[l.Op]
		if prefix == "" {
			prefix = "?" + l.Op
		}
		out[i] = prefix + l.Text
	}
	return out
}

// sides rebuilds both texts' lines from a diff.
func sides(lines []Line) (from, to []string) {
	for _, l := range lines {
		if l.Op != OpInsert {
			from = append(from, l.Text)
		}
		if l.Op != OpDelete {
			to = append(to, l.Text)
		}
	}
	return from, to
}

func TestDiffText(t *testing.T) {
	cases := []struct {
		name     string
		from, to string
		want     []string
	}{
		{"identical", "甲\n乙\n丙", "甲\n乙\n丙", []string{" 甲", " 乙", " 丙"}},
		{"both empty", "", "", []string{}},
		{"from empty", "", "a\nb", []string{"+a", "+b"}},
		{"to empty", "a\nb\n", "", []string{"-a", "-b"}},
		{"insert in middle", "a\nb\nc", "a\nb\nx\nc", []string{" a", " b", "+x", " c"}},
		{"delete in middle", "a\nb\nx\nc", "a\nb\nc", []string{" a", " b", "-x", " c"}},
		{"replace in middle", "a\nb\nc\nd", "a\nB\nC\nd", []string{" a", "-b", "-c", "+B", "+C", " d"}},
		{"replace all", "a\nb", "c\nd", []string{"-a", "-b", "+c", "+d"}},
		{"insert at start and end", "b", "a\nb\nc", []string{"+a", " b", "+c"}},
		{"moved line", "a\nb\nc", "b\nc\na", []string{"-a", " b", " c", "+a"}},
		{
			"chinese",
			"关于公开预算的通知\n各有关单位：\n现将2023年度预算公开如下。\n特此通知。",
			"关于公开预算的通知\n各有关单位：\n现将2024年度预算公开如下。\n联系电话：12345\n特此通知。",
			[]string{" 关于公开预算的通知", " 各有关单位：", "-现将2023年度预算公开如下。", "+现将2024年度预算公开如下。", "+联系电话：12345", " 特此通知。"},
		},
		{"crlf is lf", "a\r\nb\r\n", "a\nb", []string{" a", " b"}},
		{"final newline ignored", "a\n", "a", []string{" a"}},
		{"blank lines are lines", "a\n\nb", "a\nb", []string{" a", "-", " b"}},
		{
			// Interleaved changes come out grouped per block, deletes first.
			"grouped blocks", "1\nx\n2\ny\n3", "1\nX\n2\nY\n3",
			[]string{" 1", "-x", "+X", " 2", "-y", "+Y", " 3"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ops(DiffText(c.from, c.to))
			if !slices.Equal(got, c.want) {
				t.Errorf("DiffText(%q, %q)\n got %q\nwant %q", c.from, c.to, got, c.want)
			}
		})
	}
}

// lcsLen is the textbook full-table LCS length, to check that DiffText's
// linear-space version finds a longest common subsequence.
func lcsLen(a, b []string) int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				t[i][j] = t[i-1][j-1] + 1
			} else {
				t[i][j] = max(t[i-1][j], t[i][j-1])
			}
		}
	}
	return t[len(a)][len(b)]
}

// checkDiff verifies the properties every diff must have: it rebuilds both
// sides, keeps a longest common subsequence, and groups each changed block
// as deletes then inserts.
func checkDiff(t *testing.T, from, to string) bool {
	t.Helper()
	d := DiffText(from, to)
	a, b := splitLines(from), splitLines(to)
	gotA, gotB := sides(d)
	if !slices.Equal(gotA, a) || !slices.Equal(gotB, b) {
		t.Errorf("DiffText(%q, %q) = %q does not rebuild both sides", from, to, ops(d))
		return false
	}
	equal := 0
	for i, l := range d {
		switch l.Op {
		case OpEqual:
			equal++
		case OpInsert:
		case OpDelete:
			if i > 0 && d[i-1].Op == OpInsert {
				t.Errorf("DiffText(%q, %q) = %q: delete after insert in a block", from, to, ops(d))
				return false
			}
		default:
			t.Errorf("unknown op %q", l.Op)
			return false
		}
	}
	if want := lcsLen(a, b); equal != want {
		t.Errorf("DiffText(%q, %q) keeps %d equal lines, LCS is %d", from, to, equal, want)
		return false
	}
	return true
}

// textGen generates texts over a small alphabet of lines, so that random
// pairs share many lines and the diff has real work to do.
type textGen string

func (textGen) Generate(r *rand.Rand, size int) reflect.Value {
	alphabet := []string{"甲", "乙", "丙", "a", "b", "", "第三条"}
	n := r.Intn(size + 1)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = alphabet[r.Intn(len(alphabet))]
	}
	s := strings.Join(lines, "\n")
	if r.Intn(4) == 0 {
		s += "\n"
	}
	return reflect.ValueOf(textGen(s))
}

func TestDiffTextProperties(t *testing.T) {
	f := func(from, to textGen) bool { return checkDiff(t, string(from), string(to)) }
	if err := quick.Check(f, &quick.Config{MaxCount: 2000, MaxCountScale: 0}); err != nil {
		t.Error(err)
	}
}

func FuzzDiffText(f *testing.F) {
	f.Add("", "")
	f.Add("a\nb\nc", "a\nc")
	f.Add("甲\n乙\n丙\n", "丙\n乙\n甲")
	f.Add("a\r\nb", "a\nb\n\n")
	f.Add("x\ny\nx\ny\nx", "y\nx\ny")
	f.Fuzz(func(t *testing.T, from, to string) {
		if len(from) > 4000 || len(to) > 4000 {
			return // keep the full-table check in lcsLen cheap
		}
		checkDiff(t, from, to)
	})
}

func TestDiffTextLargeFallsBack(t *testing.T) {
	// Common head and tail, and a middle of 5,001 × 5,001 distinct lines:
	// over MaxDiffCells, so the middle is replaced wholesale.
	var a, b []string
	a = append(a, "头")
	b = append(b, "头")
	for i := range 5001 {
		a = append(a, fmt.Sprint("old ", i))
		b = append(b, fmt.Sprint("new ", i))
	}
	a = append(a, "尾")
	b = append(b, "尾")
	d := DiffText(strings.Join(a, "\n"), strings.Join(b, "\n"))

	if len(d) != 2+5001*2 {
		t.Fatalf("len = %d", len(d))
	}
	if d[0] != (Line{OpEqual, "头"}) || d[len(d)-1] != (Line{OpEqual, "尾"}) {
		t.Errorf("head/tail not kept: %v … %v", d[0], d[len(d)-1])
	}
	for i, l := range d[1 : len(d)-1] {
		want := OpDelete
		if i >= 5001 {
			want = OpInsert
		}
		if l.Op != want {
			t.Fatalf("line %d: op %q, want %q", i+1, l.Op, want)
		}
	}
	gotA, gotB := sides(d)
	if !slices.Equal(gotA, a) || !slices.Equal(gotB, b) {
		t.Error("fallback does not rebuild both sides")
	}
}

func TestDiffTextLargeWithinBound(t *testing.T) {
	// 4,000 lines with every tenth changed: inside the bound, so a real
	// line-by-line diff.
	var a, b []string
	for i := range 4000 {
		a = append(a, fmt.Sprint("line ", i))
		if i%10 == 5 {
			b = append(b, fmt.Sprint("changed ", i))
		} else {
			b = append(b, fmt.Sprint("line ", i))
		}
	}
	d := DiffText(strings.Join(a, "\n"), strings.Join(b, "\n"))
	equal := 0
	for _, l := range d {
		if l.Op == OpEqual {
			equal++
		}
	}
	if equal != 3600 || len(d) != 4400 {
		t.Errorf("equal = %d, len = %d; want 3600, 4400", equal, len(d))
	}
}

func TestDiffFields(t *testing.T) {
	from := map[string]string{"title": "关于预算的通知", "summary": "摘要", "body": "第一段\n第二段", "old": "删掉的字段"}
	to := map[string]string{"title": "关于2024年预算的通知", "summary": "摘要", "body": "第一段\n第二段\n第三段", "new": "新字段"}
	got := DiffFields(from, to)

	var names []string
	for _, f := range got {
		names = append(names, f.Field)
	}
	if want := []string{"body", "new", "old", "summary", "title"}; !slices.Equal(names, want) {
		t.Fatalf("fields = %v, want %v (sorted)", names, want)
	}
	want := map[string]struct {
		changed bool
		lines   []string
	}{
		"body":    {true, []string{" 第一段", " 第二段", "+第三段"}},
		"new":     {true, []string{"+新字段"}},
		"old":     {true, []string{"-删掉的字段"}},
		"summary": {false, []string{" 摘要"}},
		"title":   {true, []string{"-关于预算的通知", "+关于2024年预算的通知"}},
	}
	for _, f := range got {
		w := want[f.Field]
		if f.Changed != w.changed || !slices.Equal(ops(f.Lines), w.lines) {
			t.Errorf("%s: changed=%v lines=%q; want %v %q", f.Field, f.Changed, ops(f.Lines), w.changed, w.lines)
		}
	}

	// Only line endings differ: not a change.
	if d := DiffFields(map[string]string{"body": "a\r\nb\r\n"}, map[string]string{"body": "a\nb"}); d[0].Changed {
		t.Error("a change of line endings counted as a change")
	}
	if d := DiffFields(nil, nil); len(d) != 0 {
		t.Errorf("DiffFields(nil, nil) = %v", d)
	}
}
