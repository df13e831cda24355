package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Item kinds.
const (
	KindPublication = "publication"
	KindReply       = "reply"
	KindExtension   = "extension"
)

// Item statuses.
const (
	ItemDraft       = "draft"
	ItemInReview    = "in_review"   // at the chain's first step (负责人审核)
	ItemInApproval  = "in_approval" // at a later step (分管领导审批)
	ItemReturned    = "returned"
	ItemPublished   = "published"
	ItemWithdrawn   = "withdrawn"
	ItemUnpublished = "unpublished" // 撤稿
	ItemApproved    = "approved"    // a reply or extension request through its chain
)

// Item is one piece of government information on its way to (or in) the
// public catalogue. Its content fields mirror the current revision.
type Item struct {
	ID         uint   `gorm:"primaryKey" json:"id"`
	AgencyID   uint   `gorm:"not null;index:idx_item_agency_status,priority:1" json:"agency_id"`
	IndexNo    string `gorm:"size:64;not null;uniqueIndex" json:"index_no"` // 索引号
	Title      string `gorm:"size:300;not null" json:"title"`               // 名称
	Summary    string `gorm:"size:1000;not null;default:''" json:"summary"` // 内容概述
	Body       string `gorm:"type:text" json:"body"`                        // Markdown
	Column     string `gorm:"size:64;not null;index" json:"column"`         // 栏目
	FormedOn   string `gorm:"size:10;not null" json:"formed_on"`            // 生成日期
	Status     string `gorm:"size:16;not null;index:idx_item_agency_status,priority:2" json:"status"`
	Version    int    `gorm:"not null" json:"version"`  // bumps on every save; edits must name it
	Revision   int    `gorm:"not null" json:"revision"` // current revision number
	AuthorID   uint   `gorm:"not null;index" json:"author_id"`
	PublishDue string `gorm:"size:10;not null;default:''" json:"publish_due"` // Art.26: formed_on + 20 working days
	// Kind is publication (the catalogue's items), reply (a disclosure
	// application's answer) or extension (a request to extend its deadline);
	// the last two go through a chain but are never published.
	Kind          string `gorm:"size:16;not null;default:'publication'" json:"kind"`
	ApplicationID *uint  `gorm:"index" json:"application_id,omitempty"`
	// DocType marks 规章 and 行政规范性文件 for the annual report's table 1,
	// with the dates they were issued and repealed.
	DocType    string `gorm:"size:32;not null;default:''" json:"doc_type,omitempty"`
	IssuedOn   string `gorm:"size:10;not null;default:''" json:"issued_on,omitempty"`
	RepealedOn string `gorm:"size:10;not null;default:''" json:"repealed_on,omitempty"`
	// Repeals is the document this item's publication repeals.
	Repeals     *uint      `json:"repeals,omitempty"`
	PublishedAt *time.Time `gorm:"index" json:"published_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ItemRevision is one saved version of an item's content; nothing is
// overwritten. ContentHash binds an approval to exactly what was approved.
type ItemRevision struct {
	ID          uint      `gorm:"primaryKey" json:"id"`
	ItemID      uint      `gorm:"not null;uniqueIndex:idx_rev_item_rev,priority:1" json:"item_id"`
	Revision    int       `gorm:"not null;uniqueIndex:idx_rev_item_rev,priority:2" json:"revision"`
	Title       string    `gorm:"size:300;not null" json:"title"`
	Summary     string    `gorm:"size:1000;not null;default:''" json:"summary"`
	Body        string    `gorm:"type:text" json:"body"`
	Column      string    `gorm:"size:64;not null" json:"column"`
	FormedOn    string    `gorm:"size:10;not null" json:"formed_on"`
	EditorID    uint      `gorm:"not null" json:"editor_id"`
	ContentHash string    `gorm:"size:64;not null" json:"content_hash"`
	CreatedAt   time.Time `json:"created_at"`
}

// ContentHash is the hash of everything a reviewer approves.
func ContentHash(title, summary, body, column, formedOn string, attachmentHashes []string) string {
	h := sha256.New()
	for _, s := range append([]string{title, summary, body, column, formedOn}, attachmentHashes...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// IndexCounter hands out 索引号 sequence numbers per agency and year.
type IndexCounter struct {
	AgencyID uint `gorm:"primaryKey;autoIncrement:false"`
	Year     int  `gorm:"primaryKey;autoIncrement:false"`
	Last     int  `gorm:"not null"`
}

// Task states.
const (
	TaskOpen      = "open"
	TaskApproved  = "approved"
	TaskReturned  = "returned"
	TaskCancelled = "cancelled" // closed by withdrawal
)

// Task is one step of one submission round of an item's chain: the inbox
// row for everyone who may act on it. Title and Column are copied from the
// item so the inbox is one indexed query.
type Task struct {
	ID         uint       `gorm:"primaryKey" json:"id"`
	AgencyID   uint       `gorm:"not null;index:idx_task_queue,priority:1;index:idx_task_assigned,priority:3" json:"agency_id"`
	ItemID     uint       `gorm:"not null;uniqueIndex:idx_task_step,priority:1" json:"item_id"`
	Round      int        `gorm:"not null;uniqueIndex:idx_task_step,priority:2" json:"round"`
	Step       int        `gorm:"not null;uniqueIndex:idx_task_step,priority:3" json:"step"`
	StepName   string     `gorm:"size:32;not null" json:"step_name"`
	Role       string     `gorm:"size:16;not null;index:idx_task_queue,priority:3" json:"role"`
	State      string     `gorm:"size:16;not null;index:idx_task_queue,priority:2;index:idx_task_assigned,priority:2" json:"state"`
	DueOn      string     `gorm:"size:10;not null;index:idx_task_queue,priority:5;index:idx_task_assigned,priority:4" json:"due_on"`
	AssigneeID *uint      `gorm:"index:idx_task_queue,priority:4;index:idx_task_assigned,priority:1" json:"assignee_id,omitempty"`
	AssignedBy *uint      `json:"assigned_by,omitempty"`
	Revision   int        `gorm:"not null" json:"revision"`
	Title      string     `gorm:"size:300;not null" json:"title"`
	Column     string     `gorm:"size:64;not null" json:"column"`
	OpenedAt   time.Time  `gorm:"not null" json:"opened_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ActorID    *uint      `gorm:"index" json:"actor_id,omitempty"`
	Comment    string     `gorm:"type:text" json:"comment,omitempty"`
	// For the chains of a disclosure application's reply or extension.
	ApplicationID     *uint  `json:"application_id,omitempty"`
	ApplicationNumber string `gorm:"size:40;not null;default:''" json:"application_number,omitempty"`
}

// InboxTask is one row of the inbox as GET /api/v1/tasks answers it; the
// API writes it and the web UI reads it.
type InboxTask struct {
	ID         uint   `json:"id"`
	ItemID     uint   `json:"item_id"`
	Title      string `json:"title"`
	Column     string `json:"column"`
	Step       string `json:"step"`
	Role       string `json:"role"`
	DueOn      string `json:"due_on"`
	Overdue    bool   `json:"overdue"`
	Assignee   *uint  `json:"assignee"`
	Revision   int    `json:"revision"`
	OpenedAt   string `json:"opened_at"`
	StepNumber int    `json:"step_number"`
	// Set on the steps of a disclosure application's reply or extension.
	ApplicationID     *uint  `json:"application_id,omitempty"`
	ApplicationNumber string `json:"application_number,omitempty"`
}

// Notification is an in-app message to one user. DedupeKey makes each
// reminder threshold land once however often its activity runs.
type Notification struct {
	ID            uint       `gorm:"primaryKey" json:"id"`
	UserID        uint       `gorm:"not null;index:idx_notif_user,priority:1" json:"user_id"`
	Kind          string     `gorm:"size:32;not null" json:"kind"`
	Message       string     `gorm:"type:text" json:"message"`
	ItemID        *uint      `json:"item_id,omitempty"`
	TaskID        *uint      `json:"task_id,omitempty"`
	ApplicationID *uint      `json:"application_id,omitempty"`
	CreatedAt     time.Time  `gorm:"index:idx_notif_user,priority:2" json:"created_at"`
	ReadAt        *time.Time `json:"read_at,omitempty"`
	DedupeKey     string     `gorm:"size:191;not null;uniqueIndex" json:"-"`
}

// ChainStep is one step of a review chain.
type ChainStep struct {
	Name     string `json:"name"`     // e.g. "review", "approve"
	Role     string `json:"role"`     // who may decide it
	Workdays int    `json:"workdays"` // working days allowed for it
}

// DefaultChain is 负责人审核 (2 working days) then 分管领导审批 (3).
var DefaultChain = []ChainStep{
	{Name: "review", Role: RoleReviewer, Workdays: 2},
	{Name: "approve", Role: RoleLeader, Workdays: 3},
}

// ChainConfig is an agency's chain for one column ("" = every other column).
type ChainConfig struct {
	ID        uint   `gorm:"primaryKey" json:"id"`
	AgencyID  uint   `gorm:"not null;uniqueIndex:idx_chain_agency_column,priority:1" json:"agency_id"`
	Column    string `gorm:"size:64;not null;default:'';uniqueIndex:idx_chain_agency_column,priority:2" json:"column"`
	Steps     string `gorm:"type:text;not null" json:"-"` // JSON []ChainStep
	UpdatedAt time.Time
}

// ValidateChain checks a chain has 2–4 steps, each with a reviewing role
// and 1–60 working days.
func ValidateChain(steps []ChainStep) error {
	if len(steps) < 2 || len(steps) > 4 {
		return fmt.Errorf("a chain has 2 to 4 steps, got %d", len(steps))
	}
	for i, s := range steps {
		if strings.TrimSpace(s.Name) == "" {
			return fmt.Errorf("step %d: name is required", i+1)
		}
		if !ValidRole(s.Role) || s.Role == RoleEditor {
			return fmt.Errorf("step %d: role %q cannot decide a step", i+1, s.Role)
		}
		if s.Workdays < 1 || s.Workdays > 60 {
			return fmt.Errorf("step %d: workdays must be 1..60", i+1)
		}
	}
	return nil
}

// ExtensionChain decides a reply-deadline extension: the office's 负责人
// (条例 Art.33), within one working day.
var ExtensionChain = []ChainStep{{Name: "extension", Role: RoleReviewer, Workdays: 1}}

// ValidateChainFor checks a chain for an item of kind: extension requests
// take ExtensionChain's single step, everything else ValidateChain's rules.
func ValidateChainFor(kind string, steps []ChainStep) error {
	if kind == KindExtension {
		if len(steps) != 1 || steps[0].Role != RoleReviewer || steps[0].Workdays < 1 {
			return errors.New("an extension request is decided in one step by a reviewer")
		}
		return nil
	}
	return ValidateChain(steps)
}

// ChainFor returns the agency's chain for column: the column's own, else
// the agency default, else DefaultChain.
func ChainFor(ctx context.Context, db *gorm.DB, agencyID uint, column string) ([]ChainStep, error) {
	var cfgs []ChainConfig
	if err := db.WithContext(ctx).Where("agency_id = ? AND `column` IN ?", agencyID, []string{column, ""}).Find(&cfgs).Error; err != nil {
		return nil, err
	}
	pick := func(col string) *ChainConfig {
		for i := range cfgs {
			if cfgs[i].Column == col {
				return &cfgs[i]
			}
		}
		return nil
	}
	c := pick(column)
	if c == nil {
		c = pick("")
	}
	if c == nil {
		return DefaultChain, nil
	}
	var steps []ChainStep
	if err := json.Unmarshal([]byte(c.Steps), &steps); err != nil {
		return nil, fmt.Errorf("chain config %d: %w", c.ID, err)
	}
	return steps, nil
}

// SetChain stores the agency's chain for column.
func SetChain(ctx context.Context, db *gorm.DB, agencyID uint, column string, steps []ChainStep) error {
	if err := ValidateChain(steps); err != nil {
		return err
	}
	b, _ := json.Marshal(steps)
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "agency_id"}, {Name: "column"}},
		DoUpdates: clause.AssignmentColumns([]string{"steps", "updated_at"}),
	}).Create(&ChainConfig{AgencyID: agencyID, Column: column, Steps: string(b)}).Error
}

// NextIndexNo allocates the next 索引号 for the agency in year, e.g.
// chengguan-2026-00012. Call inside the transaction that creates the item.
func NextIndexNo(tx *gorm.DB, agency *Agency, year int) (string, error) {
	res := tx.Model(&IndexCounter{}).Where("agency_id = ? AND year = ?", agency.ID, year).
		Update("last", gorm.Expr("last + 1"))
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected == 0 {
		if err := tx.Create(&IndexCounter{AgencyID: agency.ID, Year: year, Last: 1}).Error; err != nil {
			return "", err
		}
	}
	var c IndexCounter
	if err := tx.Where("agency_id = ? AND year = ?", agency.ID, year).First(&c).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%05d", agency.Code, year, c.Last), nil
}

// ItemInAgencies loads an item only if it is in the caller's scope.
func ItemInAgencies(ctx context.Context, db *gorm.DB, id uint, agencyIDs []uint) (*Item, error) {
	var it Item
	err := db.WithContext(ctx).Where("id = ? AND agency_id IN ?", id, agencyIDs).First(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &it, err
}

// IdempotencyRecord remembers the answer to a request that carried an
// Idempotency-Key, so a retry gets the same answer and changes nothing.
type IdempotencyRecord struct {
	UserID    uint      `gorm:"primaryKey;autoIncrement:false"`
	Key       string    `gorm:"column:idem_key;primaryKey;size:128"`
	Method    string    `gorm:"size:8;not null"`
	Path      string    `gorm:"size:255;not null"`
	Status    int       `gorm:"not null"`
	Body      string    `gorm:"type:text"`
	CreatedAt time.Time `gorm:"index"`
}

// Attachment is a file attached to an item. Adding or removing one is a
// save like any other: it makes a new revision, and the revision's content
// hash covers the attachments, so an approval binds to them too.
type Attachment struct {
	ID          uint      `gorm:"primaryKey" json:"id"`
	ItemID      uint      `gorm:"not null;index" json:"item_id"`
	Name        string    `gorm:"size:255;not null" json:"name"`
	Kind        string    `gorm:"size:8;not null" json:"kind"`
	ContentType string    `gorm:"size:100;not null" json:"content_type"`
	Size        int64     `gorm:"not null" json:"size"`
	SHA256      string    `gorm:"size:64;not null" json:"sha256"`
	Path        string    `gorm:"size:100;not null" json:"-"`
	AddedIn     int       `gorm:"not null" json:"added_in_revision"`
	RemovedIn   *int      `json:"removed_in_revision,omitempty"`
	UploadedBy  uint      `gorm:"not null" json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// CurrentAttachments lists the item's attachments not removed, oldest first.
func CurrentAttachments(ctx context.Context, db *gorm.DB, itemID uint) ([]Attachment, error) {
	as := []Attachment{}
	err := db.WithContext(ctx).Where("item_id = ? AND removed_in IS NULL", itemID).Order("id").Find(&as).Error
	return as, err
}

// AttachmentHashes are the content hashes of as, in order, for ContentHash.
func AttachmentHashes(as []Attachment) []string {
	hs := make([]string, len(as))
	for i, a := range as {
		hs[i] = a.SHA256
	}
	return hs
}
