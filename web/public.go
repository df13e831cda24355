package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

// The 政府信息公开目录 needs no login: it shows what the public API shows,
// published items only (条例 Art.12: 索引、名称、内容概述、生成日期).

type publicItem struct {
	IndexNo     string        `json:"index_no"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	FormedOn    string        `json:"formed_on"`
	PublishedOn string        `json:"published_on"`
	Column      string        `json:"column"`
	BodyHTML    template.HTML `json:"body_html"` // sanitised by the API (content.RenderMarkdown)
	Attachments []struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"url"`
	} `json:"attachments"`
}

type publicList struct {
	Agency struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"agency"`
	Items []publicItem `json:"items"`
	Total int64        `json:"total"`
}

type publicListData struct {
	Code   string
	Column string
	Items  []publicItem
	Pager  pager
}

type publicItemData struct {
	Code string
	Item publicItem
}

func publicPath(code string) string { return "/api/v1/public/" + url.PathEscape(code) + "/items" }

func (ui *UI) publicList(c *gin.Context) {
	code := c.Param("agency")
	page := pageParam(c)
	column := c.Query("column")
	q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa((page - 1) * pageSize)}}
	base := "/public/" + url.PathEscape(code)
	if column != "" {
		q.Set("column", column)
		base += "?column=" + url.QueryEscape(column)
	}
	var l publicList
	if err := ui.api(c, "").get(publicPath(code)+"?"+q.Encode(), &l); err != nil {
		ui.publicFail(c, err)
		return
	}
	d := publicListData{Code: l.Agency.Code, Column: column, Items: l.Items, Pager: newPager(page, l.Total, base)}
	ui.render(c, http.StatusOK, "public_list", &view{Title: "政府信息公开目录 - " + l.Agency.Name,
		Public: &publicHeader{Code: l.Agency.Code, Name: l.Agency.Name}, Data: d})
}

func (ui *UI) publicItem(c *gin.Context) {
	code := c.Param("agency")
	a := ui.api(c, "")
	var it publicItem
	if err := a.get(publicPath(code)+"/"+url.PathEscape(c.Param("index_no")), &it); err != nil {
		ui.publicFail(c, err)
		return
	}
	var l publicList
	if err := a.get(publicPath(code)+"?limit=1", &l); err != nil {
		ui.publicFail(c, err)
		return
	}
	ui.render(c, http.StatusOK, "public_item", &view{Title: it.Title,
		Public: &publicHeader{Code: l.Agency.Code, Name: l.Agency.Name}, Data: publicItemData{Code: l.Agency.Code, Item: it}})
}

func (ui *UI) publicFail(c *gin.Context, err error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		back := ""
		if ae.Message != "机关不存在" {
			back = "/public/" + url.PathEscape(c.Param("agency"))
		}
		ui.render(c, http.StatusNotFound, "error", &view{Title: "未找到",
			Data: errorData{Status: http.StatusNotFound, Message: ae.Message + "。", Back: back}})
		return
	}
	ui.fail(c, err, "")
}
