package calendar

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// FieldError is bad overlay input, naming the field (e.g. "overrides[2].date"
// or "line 3: working") so a person can find and fix it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// OverlayEntry is one override as people write it in JSON: Working is a
// pointer so that a missing value is an error, not "holiday".
type OverlayEntry struct {
	Date    string `json:"date"`
	Region  string `json:"region"`
	Working *bool  `json:"working"`
	Name    string `json:"name"`
	Source  string `json:"source"`
}

// Override validates the entry; field names in errors carry prefix.
func (e OverlayEntry) override(prefix string) (Override, error) {
	d, err := ParseDate(strings.TrimSpace(e.Date))
	if err != nil {
		return Override{}, &FieldError{prefix + "date", "日期无效（格式 YYYY-MM-DD）：" + e.Date}
	}
	region := strings.TrimSpace(e.Region)
	if !ValidRegion(region) {
		return Override{}, &FieldError{prefix + "region", "未知地区：" + region + "（留空为全国，或省级行政区简称，如 宁夏）"}
	}
	if e.Working == nil {
		return Override{}, &FieldError{prefix + "working", "缺少 working（true 为调休上班，false 为放假）"}
	}
	name := strings.TrimSpace(e.Name)
	if name == "" {
		return Override{}, &FieldError{prefix + "name", "缺少名称，如 开斋节"}
	}
	return Override{Date: d, Region: region, Working: *e.Working, Name: name, Source: strings.TrimSpace(e.Source)}, nil
}

// Override validates the entry and converts it.
func (e OverlayEntry) Override() (Override, error) { return e.override("") }

// Overlay file formats accepted by ParseOverlay.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// ParseOverlay reads a whole overlay file: a JSON array of entries (or an
// object {"overrides": [...]}), or CSV with the header
// date,region,working,name,source (working: true/false, 1/0, 上班/放假).
// Any bad row fails the whole file, so nothing is half-imported.
func ParseOverlay(r io.Reader, format string) ([]Override, error) {
	var entries []OverlayEntry
	var fields func(i int) string
	switch format {
	case FormatJSON:
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		trimmed := strings.TrimSpace(string(raw))
		if strings.HasPrefix(trimmed, "{") {
			var wrapped struct {
				Overrides []OverlayEntry `json:"overrides"`
			}
			err = json.Unmarshal(raw, &wrapped)
			entries = wrapped.Overrides
		} else {
			err = json.Unmarshal(raw, &entries)
		}
		if err != nil {
			return nil, &FieldError{"overrides", "不是有效的 JSON 数组：" + err.Error()}
		}
		fields = func(i int) string { return fmt.Sprintf("overrides[%d].", i) }
	case FormatCSV:
		var err error
		if entries, err = parseOverlayCSV(r); err != nil {
			return nil, err
		}
		fields = func(i int) string { return fmt.Sprintf("line %d: ", i+2) }
	default:
		return nil, fmt.Errorf("%w: unknown overlay format %q", ErrInvalid, format)
	}
	if len(entries) == 0 {
		return nil, &FieldError{"overrides", "文件中没有任何日期"}
	}
	out := make([]Override, len(entries))
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		o, err := e.override(fields(i))
		if err != nil {
			return nil, err
		}
		key := o.Region + "|" + o.Date.String()
		if j, dup := seen[key]; dup {
			return nil, &FieldError{fields(i) + "date", fmt.Sprintf("与第 %d 条重复（同一地区同一日期只能有一条）", j+1)}
		}
		seen[key] = i
		out[i] = o
	}
	return out, nil
}

func parseOverlayCSV(r io.Reader) ([]OverlayEntry, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FieldError{"overrides", "CSV 文件为空"}
	}
	if err != nil {
		return nil, &FieldError{"line 1", err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"date", "working", "name"} {
		if _, ok := col[need]; !ok {
			return nil, &FieldError{"line 1", "表头缺少 " + need + "（应为 date,region,working,name,source）"}
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var entries []OverlayEntry
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("line %d", line), err.Error()}
		}
		e := OverlayEntry{Date: get(rec, "date"), Region: get(rec, "region"), Name: get(rec, "name"), Source: get(rec, "source")}
		switch strings.ToLower(strings.TrimSpace(get(rec, "working"))) {
		case "true", "1", "上班", "yes":
			e.Working = new(true)
		case "false", "0", "放假", "no":
			e.Working = new(false)
		case "":
		default:
			return nil, &FieldError{fmt.Sprintf("line %d: working", line), "应为 true/false、1/0 或 上班/放假：" + get(rec, "working")}
		}
		entries = append(entries, e)
	}
}

// Merge returns base with add applied: an added override replaces the one
// for the same date and region.
func Merge(base, add []Override) []Override {
	key := func(o Override) string { return o.Region + "|" + o.Date.String() }
	replaced := make(map[string]bool, len(add))
	for _, o := range add {
		replaced[key(o)] = true
	}
	out := make([]Override, 0, len(base)+len(add))
	for _, o := range base {
		if !replaced[key(o)] {
			out = append(out, o)
		}
	}
	return append(out, add...)
}
