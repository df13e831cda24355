package content

import (
	"slices"
	"strings"
)

// Line operations in a diff.
const (
	OpEqual  = "equal"
	OpInsert = "insert"
	OpDelete = "delete"
)

// Line is one line of a diff: a line of both texts (OpEqual), only of the
// new one (OpInsert) or only of the old one (OpDelete).
type Line struct {
	Op   string
	Text string
}

// MaxDiffCells bounds the work of one diff. Lines common to the start and
// the end of both texts are matched first at linear cost; if the part that
// remains has more than MaxDiffCells line pairs (5,000 × 5,000), it is not
// compared line by line but shown as all its old lines deleted and then all
// its new lines inserted. Item bodies are far below this; the bound is there
// so that a pasted data dump cannot tie up the server.
const MaxDiffCells = 5000 * 5000

// DiffText compares two texts line by line and returns a shortest edit
// script (a longest common subsequence of lines is kept as OpEqual).
// Within each changed block the deleted lines come before the inserted ones,
// which is how reviewers read a replacement.
//
// Lines are split on "\n"; "\r\n" counts as "\n", and a final newline does
// not start an extra empty line, so "a\n" and "a" are the same single line.
// Taking the OpEqual and OpInsert lines in order gives the lines of to;
// taking the OpEqual and OpDelete lines gives those of from.
//
// Time is O(N·M) in the lines that differ, memory O(N+M) (Hirschberg's
// divide and conquer rather than a full table, which at the bound would take
// hundreds of megabytes).
func DiffText(from, to string) []Line {
	a, b := splitLines(from), splitLines(to)

	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}

	out := make([]Line, 0, len(a)+len(b)-pre-suf)
	for _, s := range a[:pre] {
		out = append(out, Line{OpEqual, s})
	}
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if int64(len(midA))*int64(len(midB)) > MaxDiffCells {
		for _, s := range midA {
			out = append(out, Line{OpDelete, s})
		}
		for _, s := range midB {
			out = append(out, Line{OpInsert, s})
		}
	} else {
		out = newDiffer(midA, midB, out).run()
	}
	for _, s := range a[len(a)-suf:] {
		out = append(out, Line{OpEqual, s})
	}
	return out
}

// splitLines splits text into lines as DiffText documents.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// differ runs Hirschberg's algorithm: split the old lines in half, find
// where the new lines split so that the two halves' longest common
// subsequences add up to the whole one (one forward and one backward pass
// of the LCS length table, keeping a single row each), and recurse.
type differ struct {
	a, b       []string
	ai, bi     []int // lines as small integers: comparing ints, not strings
	fwd, bwd   []int // LCS length rows, len(b)+1
	tmp        []int
	out        []Line
	dels, inss []Line // the current changed block, flushed at the next equal line
}

func newDiffer(a, b []string, out []Line) *differ {
	ids := make(map[string]int, len(a)+len(b))
	intern := func(lines []string) []int {
		r := make([]int, len(lines))
		for i, s := range lines {
			id, ok := ids[s]
			if !ok {
				id = len(ids)
				ids[s] = id
			}
			r[i] = id
		}
		return r
	}
	n := len(b) + 1
	return &differ{
		a: a, b: b, ai: intern(a), bi: intern(b),
		fwd: make([]int, n), bwd: make([]int, n), tmp: make([]int, n),
		out: out,
	}
}

func (d *differ) run() []Line {
	d.diff(0, len(d.a), 0, len(d.b))
	d.flush()
	return d.out
}

func (d *differ) equal(i int) {
	d.flush()
	d.out = append(d.out, Line{OpEqual, d.a[i]})
}

func (d *differ) del(i int) { d.dels = append(d.dels, Line{OpDelete, d.a[i]}) }

func (d *differ) ins(lo, hi int) {
	for j := lo; j < hi; j++ {
		d.inss = append(d.inss, Line{OpInsert, d.b[j]})
	}
}

func (d *differ) flush() {
	d.out = append(d.out, d.dels...)
	d.out = append(d.out, d.inss...)
	d.dels, d.inss = d.dels[:0], d.inss[:0]
}

// diff emits the edit script turning a[alo:ahi] into b[blo:bhi].
func (d *differ) diff(alo, ahi, blo, bhi int) {
	switch {
	case alo == ahi:
		d.ins(blo, bhi)
		return
	case blo == bhi:
		for i := alo; i < ahi; i++ {
			d.del(i)
		}
		return
	case ahi-alo == 1:
		if j := slices.Index(d.bi[blo:bhi], d.ai[alo]); j >= 0 {
			d.ins(blo, blo+j)
			d.equal(alo)
			d.ins(blo+j+1, bhi)
		} else {
			d.del(alo)
			d.ins(blo, bhi)
		}
		return
	}

	mid := (alo + ahi) / 2
	n := bhi - blo
	fwd := d.lcsForward(alo, mid, blo, bhi)  // fwd[k]: LCS of a[alo:mid], b[blo:blo+k]
	bwd := d.lcsBackward(mid, ahi, blo, bhi) // bwd[k]: LCS of a[mid:ahi], b[bhi-k:bhi]
	best, split := -1, blo
	for k := 0; k <= n; k++ {
		if v := fwd[k] + bwd[n-k]; v > best {
			best, split = v, blo+k
		}
	}
	d.diff(alo, mid, blo, split)
	d.diff(mid, ahi, split, bhi)
}

// lcsForward returns the last row of the LCS length table of a[alo:ahi]
// against every prefix of b[blo:bhi]. The result lives in d.fwd and is only
// valid until the next call.
func (d *differ) lcsForward(alo, ahi, blo, bhi int) []int {
	n := bhi - blo
	prev, cur := d.fwd[:n+1], d.tmp[:n+1]
	clear(prev)
	for i := alo; i < ahi; i++ {
		x := d.ai[i]
		cur[0] = 0
		for j := 1; j <= n; j++ {
			if x == d.bi[blo+j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	copy(d.fwd[:n+1], prev) // prev may be d.tmp after an odd number of rows
	return d.fwd[:n+1]
}

// lcsBackward is lcsForward on the reversed sequences: the last row of the
// LCS length table of a[alo:ahi] against every suffix of b[blo:bhi],
// indexed by suffix length. The result lives in d.bwd.
func (d *differ) lcsBackward(alo, ahi, blo, bhi int) []int {
	n := bhi - blo
	prev, cur := d.bwd[:n+1], d.tmp[:n+1]
	clear(prev)
	for i := ahi - 1; i >= alo; i-- {
		x := d.ai[i]
		cur[0] = 0
		for k := 1; k <= n; k++ {
			if x == d.bi[bhi-k] {
				cur[k] = prev[k-1] + 1
			} else {
				cur[k] = max(prev[k], cur[k-1])
			}
		}
		prev, cur = cur, prev
	}
	copy(d.bwd[:n+1], prev)
	return d.bwd[:n+1]
}

// FieldDiff is the diff of one named field (title, summary, body, ...).
type FieldDiff struct {
	Field   string
	Changed bool // some line was inserted or deleted
	Lines   []Line
}

// DiffFields diffs every field present in either revision, in sorted field
// name order so that the result is stable; callers that want a display
// order (title before body) reorder the slice. A field missing from one
// side counts as empty there. Changed follows the lines, so a change only in
// line endings or a final newline does not count.
func DiffFields(from, to map[string]string) []FieldDiff {
	names := make([]string, 0, len(from)+len(to))
	for k := range from {
		names = append(names, k)
	}
	for k := range to {
		if _, ok := from[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)

	out := make([]FieldDiff, 0, len(names))
	for _, name := range names {
		lines := DiffText(from[name], to[name])
		changed := slices.ContainsFunc(lines, func(l Line) bool { return l.Op != OpEqual })
		out = append(out, FieldDiff{Field: name, Changed: changed, Lines: lines})
	}
	return out
}
