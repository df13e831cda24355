package calendar

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOverlayFormats(t *testing.T) {
	jsonArr := `[{"date":"2026-03-20","region":"宁夏","working":false,"name":"开斋节","source":"宁政办发〔2026〕1号"}]`
	jsonObj := `{"overrides":` + jsonArr + `}`
	csvText := "\ufeffdate,region,working,name,source\n2026-03-20,宁夏,放假,开斋节,宁政办发〔2026〕1号\n"
	for _, tc := range []struct{ name, format, text string }{
		{"json array", FormatJSON, jsonArr}, {"json object", FormatJSON, jsonObj}, {"csv with BOM", FormatCSV, csvText},
	} {
		got, err := ParseOverlay(strings.NewReader(tc.text), tc.format)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := Override{Date: Date{2026, 3, 20}, Region: "宁夏", Working: false, Name: "开斋节", Source: "宁政办发〔2026〕1号"}
		if len(got) != 1 || got[0] != want {
			t.Fatalf("%s: %+v", tc.name, got)
		}
	}
}

func TestParseOverlayErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ format, text, field string }{
		{FormatJSON, `[{"date":"2026-02-30","working":false,"name":"x"}]`, "overrides[0].date"},
		{FormatJSON, `[{"date":"2026-02-03","region":"火星","working":false,"name":"x"}]`, "overrides[0].region"},
		{FormatJSON, `[{"date":"2026-02-03","name":"x"}]`, "overrides[0].working"},
		{FormatJSON, `[{"date":"2026-02-03","working":true}]`, "overrides[0].name"},
		{FormatJSON, `[{"date":"2026-02-03","working":true,"name":"a"},{"date":"2026-02-03","working":false,"name":"b"}]`, "overrides[1].date"},
		{FormatJSON, `[]`, "overrides"},
		{FormatJSON, `{not json`, "overrides"},
		{FormatCSV, "date,working\n", "line 1"},
		{FormatCSV, "date,working,name\n2026-02-03,maybe,x\n", "line 2: working"},
		{FormatCSV, "date,working,name\n2026-02-03,1,x\n2026-13-01,1,y\n", "line 3: date"},
	} {
		_, err := ParseOverlay(strings.NewReader(tc.text), tc.format)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%q: error %v, want field %q", tc.text, err, tc.field)
		}
	}
}

func TestMergeReplacesSameDateAndRegion(t *testing.T) {
	base := []Override{
		{Date: Date{2026, 3, 20}, Region: "宁夏", Name: "旧"},
		{Date: Date{2026, 3, 20}, Region: "", Name: "全国"},
	}
	got := Merge(base, []Override{{Date: Date{2026, 3, 20}, Region: "宁夏", Name: "新"}})
	if len(got) != 2 || got[0].Name != "全国" || got[1].Name != "新" {
		t.Fatalf("merge = %+v", got)
	}
	if _, err := New(got); err != nil {
		t.Fatalf("merged overlay invalid: %v", err)
	}
}
