package report

// Demo2023 is the input of the demonstration report: 隆德县城关镇, 2023, with
// the counts of the real example report (docs/statutory-rules.md §2.5): no
// documents, decisions, fees, applications or appeals, and 11 items
// published (财政资金 1, 新闻中心 10). Its Narrative is empty, so Build
// writes the drafts.
func Demo2023() Input {
	return Input{
		Year: 2023,
		Agency: Agency{
			Code:      "chengguan",
			Name:      "隆德县城关镇人民政府",
			ShortName: "城关镇",
			Kind:      KindTownship,
		},
		FeesWanYuan: "0.00",
		Platform:    "隆德县人民政府网站政务公开专栏",
		PublishedByColumn: []ColumnCount{
			{Column: "财政资金", Count: 1},
			{Column: "新闻中心", Count: 10},
		},
		Concluded: map[string][6]int{},
		Appeals:   map[string]AppealCounts{},
	}
}
