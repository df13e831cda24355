package calendar

import "slices"

// regions is read-only; Regions hands out copies.
var regions = [...]string{
	"北京", "天津", "河北", "山西", "内蒙古",
	"辽宁", "吉林", "黑龙江",
	"上海", "江苏", "浙江", "安徽", "福建", "江西", "山东",
	"河南", "湖北", "湖南", "广东", "广西", "海南",
	"重庆", "四川", "贵州", "云南", "西藏",
	"陕西", "甘肃", "青海", "宁夏", "新疆",
	"香港", "澳门", "台湾",
}

// Regions returns the short names of the 34 province-level divisions, the
// valid values of Override.Region and of region arguments ("" = national).
func Regions() []string { return slices.Clone(regions[:]) }

// ValidRegion reports whether region is "" (national) or one of Regions().
func ValidRegion(region string) bool {
	return region == "" || slices.Contains(regions[:], region)
}
