package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"gongkai/models"
)

type userView struct {
	ID          uint     `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	AgencyID    uint     `json:"agency_id"`
	Roles       []string `json:"roles"`
	Disabled    bool     `json:"disabled"`
}

func newUserView(u *models.User) userView {
	roles := u.RoleList()
	if roles == nil {
		roles = []string{}
	}
	return userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID, Roles: roles, Disabled: u.Disabled}
}

type agencyView struct {
	ID       uint   `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	ParentID *uint  `json:"parent_id,omitempty"`
}

func newAgencyView(a *models.Agency) *agencyView {
	return &agencyView{ID: a.ID, Code: a.Code, Name: a.Name, Region: a.Region, ParentID: a.ParentID}
}

// getAgency answers only for agencies in the caller's scope; any other code,
// existing or not, is the same 404.
func (s *Server) getAgency(c *gin.Context) {
	a, err := models.AgencyByCode(c.Request.Context(), s.DB, c.Param("code"))
	if errors.Is(err, models.ErrNotFound) || (err == nil && !slices.Contains(principal(c).AgencyIDs, a.ID)) {
		abort(c, http.StatusNotFound, CodeNotFound, "机关不存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, newAgencyView(a))
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := models.UsersInAgencies(c.Request.Context(), s.DB, principal(c).AgencyIDs)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	out := make([]userView, len(us))
	for i := range us {
		out[i] = newUserView(&us[i])
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
}

// getUser lets anyone read their own record and admins read the users in
// their scope; everything else is 404.
func (s *Server) getUser(c *gin.Context) {
	p := principal(c)
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil {
		abort(c, http.StatusNotFound, CodeNotFound, "用户不存在")
		return
	}
	if uint(id) != p.User.ID && !p.User.HasRole(models.RoleAdmin) {
		abort(c, http.StatusNotFound, CodeNotFound, "用户不存在")
		return
	}
	u, err := models.UserInAgencies(c.Request.Context(), s.DB, uint(id), p.AgencyIDs)
	if errors.Is(err, models.ErrNotFound) {
		abort(c, http.StatusNotFound, CodeNotFound, "用户不存在")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, newUserView(u))
}
