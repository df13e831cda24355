package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrUsernameTaken is returned when creating a user whose name exists.
var ErrUsernameTaken = errors.New("username already exists")

// CreateUser stores the user with its roles in one transaction.
func CreateUser(ctx context.Context, db *gorm.DB, u *User, roles []string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u.Roles = nil
		if err := tx.Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrUsernameTaken
			}
			return fmt.Errorf("create user %s: %w", u.Username, err)
		}
		return setRoles(tx, u, roles)
	})
}

// SetUserRoles replaces the user's roles.
func SetUserRoles(ctx context.Context, db *gorm.DB, u *User, roles []string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", u.ID).Delete(&UserRole{}).Error; err != nil {
			return err
		}
		return setRoles(tx, u, roles)
	})
}

func setRoles(tx *gorm.DB, u *User, roles []string) error {
	u.Roles = make([]UserRole, 0, len(roles))
	for _, r := range roles {
		u.Roles = append(u.Roles, UserRole{UserID: u.ID, Role: r})
	}
	if len(u.Roles) == 0 {
		return nil
	}
	return tx.Create(&u.Roles).Error
}

// UserByUsername loads a user with roles, or ErrNotFound.
func UserByUsername(ctx context.Context, db *gorm.DB, username string) (*User, error) {
	return firstUser(db.WithContext(ctx).Where("username = ?", username))
}

// UserByID loads a user with roles, or ErrNotFound.
func UserByID(ctx context.Context, db *gorm.DB, id uint) (*User, error) {
	return firstUser(db.WithContext(ctx).Where("id = ?", id))
}

// UserInAgencies loads a user only if it belongs to one of agencyIDs: the
// caller's scope. Anything else is ErrNotFound, never the other agency's data.
func UserInAgencies(ctx context.Context, db *gorm.DB, id uint, agencyIDs []uint) (*User, error) {
	return firstUser(db.WithContext(ctx).Where("id = ? AND agency_id IN ?", id, agencyIDs))
}

// UsersInAgencies lists the users of the given agencies by username.
func UsersInAgencies(ctx context.Context, db *gorm.DB, agencyIDs []uint) ([]User, error) {
	var us []User
	err := db.WithContext(ctx).Preload("Roles").Where("agency_id IN ?", agencyIDs).Order("username").Find(&us).Error
	return us, err
}

func firstUser(q *gorm.DB) (*User, error) {
	var u User
	err := q.Preload("Roles").First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// RoleHolders lists the enabled users of agencyID who hold role, by
// username: those a task of that role may be assigned to.
func RoleHolders(ctx context.Context, db *gorm.DB, agencyID uint, role string) ([]User, error) {
	var us []User
	err := db.WithContext(ctx).Preload("Roles").
		Where("agency_id = ? AND disabled = ? AND id IN (SELECT user_id FROM user_roles WHERE role = ?)", agencyID, false, role).
		Order("username").Find(&us).Error
	return us, err
}
