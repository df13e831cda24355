package report

import (
	"fmt"
	"strings"
)

// Placeholder marks what the office must write itself in a draft. A report
// whose narrative still holds it is not ready to publish (see Incomplete).
const Placeholder = "（请填写）"

// DefaultPlatform is where items are said to be published when
// Input.Platform is empty.
const DefaultPlatform = "政府信息公开专栏"

// Incomplete lists the narrative parts (NarrativeParts order) that still
// contain Placeholder.
func (r Report) Incomplete() []string {
	var out []string
	for _, p := range NarrativeParts {
		if strings.Contains(r.Narrative[p], Placeholder) {
			out = append(out, p)
		}
	}
	return out
}

// Self is how the narrative names the organ: 我镇/我乡 for a township, 我县
// for a county, 我局 (我委, 我办…, after the short name's ending) for a
// department, 我单位 otherwise.
func Self(a Agency) string {
	name := a.ShortName
	if name == "" {
		name = a.Name
	}
	switch a.Kind {
	case KindTownship:
		if strings.HasSuffix(name, "乡") {
			return "我乡"
		}
		return "我镇"
	case KindCounty:
		return "我县"
	case KindDepartment:
		switch {
		case strings.HasSuffix(name, "委员会"), strings.HasSuffix(name, "委"):
			return "我委"
		case strings.HasSuffix(name, "办公室"), strings.HasSuffix(name, "办"):
			return "我办"
		case strings.HasSuffix(name, "厅"):
			return "我厅"
		case strings.HasSuffix(name, "署"):
			return "我署"
		}
		return "我局"
	}
	return "我单位"
}

// isGovernment tells whether the organ is a 人民政府, whose report also
// covers 工作考核、社会评议和责任追究结果情况 (条例 Art.50(四)).
func isGovernment(a Agency) bool { return a.Kind == KindTownship || a.Kind == KindCounty }

// outcomeGroups are the (一)…(六) blocks of 三 with their short names.
var outcomeGroups = []struct {
	name  string
	match func(Row) bool
}{
	{"予以公开", func(r Row) bool { return r.Key == "disclosed" }},
	{"部分公开", func(r Row) bool { return r.Key == "partially_disclosed" }},
	{"不予公开", func(r Row) bool { return r.Group == groupWithheld }},
	{"无法提供", func(r Row) bool { return r.Group == groupUnavailable }},
	{"不予处理", func(r Row) bool { return r.Group == groupNotProcessed }},
	{"其他处理", func(r Row) bool { return r.Group == groupOther }},
}

// drafts generates the narrative parts from the input and the built tables.
func drafts(in Input, r Report) map[string]string {
	return map[string]string{
		PartOverview: draftOverview(in, r),
		PartProblems: draftProblems(in),
		PartOther:    draftOther(in),
	}
}

func shortName(a Agency) string {
	if a.ShortName != "" {
		return a.ShortName
	}
	return a.Name
}

func draftOverview(in Input, r Report) string {
	y, self := in.Year, Self(in.Agency)
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	line("%d年，%s认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政府信息公开工作。%s", y, shortName(in.Agency), Placeholder)

	line("（一）主动公开政府信息的情况。")
	platform := in.Platform
	if platform == "" {
		platform = DefaultPlatform
	}
	total := 0
	var cols []string
	for _, c := range in.PublishedByColumn {
		total += c.Count
		if c.Count > 0 {
			cols = append(cols, fmt.Sprintf("在%s栏目中，发布信息%d条", c.Column, c.Count))
		}
	}
	if total == 0 && len(cols) == 0 {
		line("%d年，%s在%s未主动公开政府信息。", y, self, platform)
	} else {
		s := fmt.Sprintf("%d年，%s在%s主动公开信息共计%d条。", y, self, platform, total)
		if len(cols) > 0 {
			s += "其中，" + strings.Join(cols, "；") + "。"
		}
		line("%s", s)
	}

	line("（二）依申请公开情况。")
	a := r.Applications
	received, carried := a.Row(RowReceived)[6], a.Row(RowCarriedIn)[6]
	done, fwd := a.Row(RowConcludedTotal)[6], a.Row(RowCarriedForward)[6]
	period := fmt.Sprintf("%d年1月1日至%d年12月31日，", y, y)
	if received == 0 && carried == 0 && done == 0 && fwd == 0 {
		line("%s%s未收到政府信息公开申请。", period, self)
	} else {
		s := fmt.Sprintf("%s%s共收到政府信息公开申请%d件，上年结转%d件，办结%d件，结转下年度继续办理%d件。", period, self, received, carried, done, fwd)
		var parts []string
		for _, g := range outcomeGroups {
			n := 0
			for _, row := range Rows {
				if isOutcome(row.Key) && g.match(row) {
					n += a.Row(row.Key)[6]
				}
			}
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s%d件", g.name, n))
			}
		}
		if len(parts) > 0 {
			s += "办结的申请中，" + strings.Join(parts, "，") + "。"
		}
		line("%s", s)
	}

	line("（三）政府信息管理情况。")
	line("%s", Placeholder)
	line("（四）平台建设情况。")
	line("%s", Placeholder)
	line("（五）监督保障情况。")
	line("%s严格执行信息发布审核机制，信息发布须经编辑人员编辑、负责人审核、分管领导审批。%s", self, Placeholder)
	if isGovernment(in.Agency) {
		line("工作考核、社会评议和责任追究结果情况：%s", Placeholder)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func draftProblems(in Input) string {
	self := Self(in.Agency)
	return fmt.Sprintf("%d年，%s政府信息公开工作存在的主要问题：%s\n%d年，%s将针对上述问题采取以下改进措施：%s",
		in.Year, self, Placeholder, in.Year+1, self, Placeholder)
}

func draftOther(in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "（一）%d年政务公开工作要点落实情况。\n%s\n", in.Year, Placeholder)
	b.WriteString("（二）收取信息处理费情况。\n")
	b.WriteString("按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）规定的收费标准，")
	if in.FeeNotices == 0 && in.FeeNoticeAmount == 0 && in.FeesCollected == 0 {
		b.WriteString("本年度未收取信息处理费。")
	} else {
		fmt.Fprintf(&b, "本年度共发出收费通知%d件，金额%d元，实际收取%d元。", in.FeeNotices, in.FeeNoticeAmount, in.FeesCollected)
	}
	return b.String()
}
