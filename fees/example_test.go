package fees_test

import (
	"fmt"

	"gongkai/fees"
)

func ExampleCompute_perPage() {
	c, err := fees.Compute(fees.PerPage, 0, 250)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Method.Label(), c.Amount)
	for _, s := range c.Steps {
		fmt.Println(s)
	}
	fmt.Println(c.Citation)
	// Output:
	// 按量计收 4700
	// 1—30 页：免费
	// 31—100 页：70 页 × 10 元 = 700 元
	// 101—200 页：100 页 × 20 元 = 2000 元
	// 201—250 页：50 页 × 40 元 = 2000 元
	// 合计 4700 元
	// 《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）第五条第（一）项至第（四）项
}

func ExampleCompute_perItem() {
	c, err := fees.Compute(fees.PerItem, 12, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Amount)
	fmt.Println(c.Basis)
	// Output:
	// 100
	// 本月第 12 件，按件计收：11—30 件部分 100 元/件，本件收费 100 元
}

func ExampleMonthItemsTotal() {
	// 35 applications from one applicant in one month: 20 × 100 + 5 × 200.
	fmt.Println(fees.MonthItemsTotal(35))
	// Output: 3000
}
