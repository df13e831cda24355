package models

import (
	"slices"
	"strings"
	"time"
)

// Agency is a 机关: a county, township or department office. Region names the
// holiday overlay that applies to it (e.g. 宁夏); Parent links a township to
// its county so the county's admins may see the township's records.
type Agency struct {
	ID       uint   `gorm:"primaryKey" json:"id"`
	Code     string `gorm:"size:64;not null;uniqueIndex" json:"code"`
	Name     string `gorm:"size:200;not null" json:"name"`
	Region   string `gorm:"size:32;not null;default:''" json:"region"`
	ParentID *uint  `gorm:"index" json:"parent_id,omitempty"`
	// ReportDeadline (MM-DD) is when the annual report is due the next year:
	// 条例 Art.49 names 1月31日 for county-level departments; for townships
	// the county sets it (statutory-rules.md §1.11).
	ReportDeadline string    `gorm:"size:5;not null;default:'01-31'" json:"report_deadline"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Roles a user may hold; small offices give one person several.
const (
	RoleEditor   = "editor"   // 编辑人员
	RoleReviewer = "reviewer" // 负责人
	RoleLeader   = "leader"   // 分管领导
	RoleClerk    = "clerk"    // 依申请公开经办
	RoleAdmin    = "admin"
)

// AllRoles lists the valid roles in display order.
var AllRoles = []string{RoleEditor, RoleReviewer, RoleLeader, RoleClerk, RoleAdmin}

// RoleNames are the Chinese names shown to users.
var RoleNames = map[string]string{
	RoleEditor:   "编辑人员",
	RoleReviewer: "负责人",
	RoleLeader:   "分管领导",
	RoleClerk:    "依申请公开经办人",
	RoleAdmin:    "管理员",
}

// ValidRole tells whether r is one of AllRoles.
func ValidRole(r string) bool { return slices.Contains(AllRoles, r) }

// User belongs to one agency and holds one or more roles.
type User struct {
	ID           uint       `gorm:"primaryKey" json:"id"`
	AgencyID     uint       `gorm:"not null;index" json:"agency_id"`
	Username     string     `gorm:"size:64;not null;uniqueIndex" json:"username"`
	DisplayName  string     `gorm:"size:100;not null;default:''" json:"display_name"`
	PasswordHash string     `gorm:"size:100;not null" json:"-"`
	Disabled     bool       `gorm:"not null;default:false" json:"disabled"`
	Roles        []UserRole `gorm:"foreignKey:UserID" json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// UserRole is one role held by one user. A table rather than a list in a
// column, so that "who in agency A holds role R" is an indexed lookup.
type UserRole struct {
	UserID uint   `gorm:"primaryKey;autoIncrement:false"`
	Role   string `gorm:"primaryKey;size:16;index"`
}

// Name is how pages show the user: the display name, else the username.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// RoleList returns the user's roles in AllRoles order.
func (u *User) RoleList() []string {
	var out []string
	for _, r := range AllRoles {
		for _, ur := range u.Roles {
			if ur.Role == r {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// HasRole tells whether the user holds role r.
func (u *User) HasRole(r string) bool {
	for _, ur := range u.Roles {
		if ur.Role == r {
			return true
		}
	}
	return false
}

// ParseRoles splits "editor,reviewer" into valid, de-duplicated roles.
func ParseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !ValidRole(r) {
			return nil, &InvalidRoleError{Role: r}
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, &InvalidRoleError{}
	}
	return out, nil
}

// InvalidRoleError names a role that is not one of AllRoles.
type InvalidRoleError struct{ Role string }

func (e *InvalidRoleError) Error() string {
	if e.Role == "" {
		return "at least one role is required (" + strings.Join(AllRoles, ", ") + ")"
	}
	return "unknown role " + e.Role + " (want one of " + strings.Join(AllRoles, ", ") + ")"
}

// Session is a login: the API's bearer token and, later, the web UI's cookie
// share this store. Only a hash of the token is kept.
type Session struct {
	ID        uint      `gorm:"primaryKey"`
	TokenHash string    `gorm:"size:64;not null;uniqueIndex"`
	UserID    uint      `gorm:"not null;index"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
	RevokedAt *time.Time
}

// LoginThrottle counts consecutive failed logins for one username from one
// client address, so repeated guessing is slowed down across processes.
type LoginThrottle struct {
	Key        string    `gorm:"column:throttle_key;primaryKey;size:200"`
	Failures   int       `gorm:"not null"`
	LastFailed time.Time `gorm:"not null"`
}

// AuditEvent is one append-only record of who did what, when.
type AuditEvent struct {
	ID         uint64    `gorm:"primaryKey" json:"id"`
	At         time.Time `gorm:"not null;index" json:"at"`
	ActorID    *uint     `gorm:"index" json:"actor_id,omitempty"`
	AgencyID   *uint     `gorm:"index" json:"agency_id,omitempty"`
	Action     string    `gorm:"size:64;not null" json:"action"`
	ObjectType string    `gorm:"size:32;not null;index:idx_audit_object" json:"object_type"`
	ObjectID   string    `gorm:"size:64;not null;index:idx_audit_object" json:"object_id"`
	Before     string    `gorm:"type:text" json:"before,omitempty"`
	After      string    `gorm:"type:text" json:"after,omitempty"`
	RequestID  string    `gorm:"size:64;not null;default:''" json:"request_id,omitempty"`
	// EventKey makes an event written by a retried activity land once.
	EventKey *string `gorm:"size:128;uniqueIndex" json:"-"`
}
