// Package auth checks passwords, issues and revokes session tokens, and
// slows down repeated failed logins. The HTTP API's bearer tokens and the
// web UI's cookie sessions both live in the sessions table it manages.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongkai/models"
)

// Errors a login or token check can end in. ErrBadCredentials deliberately
// does not say whether the username or the password was wrong.
var (
	ErrBadCredentials = errors.New("bad username or password")
	ErrThrottled      = errors.New("too many failed logins")
	ErrInvalidToken   = errors.New("invalid, expired or revoked token")
)

// MinPasswordLength is enforced when passwords are set.
const MinPasswordLength = 8

// Throttle settings: after freeFailures consecutive failures for one
// username from one address, each further attempt must wait, doubling from
// one second up to maxDelay.
const (
	freeFailures = 5
	maxDelay     = 15 * time.Minute
)

// Service is the login and session store.
type Service struct {
	DB  *gorm.DB
	TTL time.Duration
	Now func() time.Time // for tests; nil means time.Now
}

// Principal is an authenticated caller.
type Principal struct {
	User      *models.User
	Agency    *models.Agency
	SessionID uint
	// AgencyIDs is the scope of every query the caller makes: the own agency,
	// plus the agencies below it for admins (a county admin sees townships).
	AgencyIDs []uint
}

// ThrottledError says how long the caller must wait.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return ErrThrottled.Error() }
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// HashPassword hashes with bcrypt at the default cost.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLength {
		return "", fmt.Errorf("password must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > 72 {
		return "", errors.New("password must be at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// dummyHash is compared against when the username is unknown, so both
// failures take the same time and reveal nothing.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("gongkai-no-such-user"), bcrypt.DefaultCost)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Login checks the password and returns a new token. clientAddr keys the
// throttle together with the username.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (string, *Principal, error) {
	key := username + "|" + clientAddr
	if err := s.checkThrottle(ctx, key); err != nil {
		return "", nil, err
	}
	u, err := models.UserByUsername(ctx, s.DB, username)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return "", nil, err
	}
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil || u.Disabled {
		if err := s.recordFailure(ctx, key); err != nil {
			return "", nil, err
		}
		return "", nil, ErrBadCredentials
	}
	if err := s.DB.WithContext(ctx).Delete(&models.LoginThrottle{Key: key}).Error; err != nil {
		return "", nil, err
	}
	token, sess, err := s.newSession(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	p, err := s.principal(ctx, u, sess.ID)
	return token, p, err
}

func (s *Service) checkThrottle(ctx context.Context, key string) error {
	var th models.LoginThrottle
	err := s.DB.WithContext(ctx).Where("throttle_key = ?", key).First(&th).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if th.Failures < freeFailures {
		return nil
	}
	wait := time.Second << min(th.Failures-freeFailures, 20)
	if wait > maxDelay {
		wait = maxDelay
	}
	if left := th.LastFailed.Add(wait).Sub(s.now()); left > 0 {
		return &ThrottledError{RetryAfter: left}
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, key string) error {
	now := s.now()
	return s.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "throttle_key"}},
		DoUpdates: clause.Assignments(map[string]any{
			"failures":    gorm.Expr("failures + 1"),
			"last_failed": now,
		}),
	}).Create(&models.LoginThrottle{Key: key, Failures: 1, LastFailed: now}).Error
}

func (s *Service) newSession(ctx context.Context, userID uint) (string, *models.Session, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	sess := &models.Session{TokenHash: hashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.TTL)}
	if err := s.DB.WithContext(ctx).Create(sess).Error; err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Authenticate resolves a token to its caller.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, ErrInvalidToken
	}
	// The session and its user in one query: every API request pays for it.
	var row struct {
		SessionID uint
		models.User
	}
	err := s.DB.WithContext(ctx).Table("sessions").Select("sessions.id AS session_id, users.*").
		Joins("JOIN users ON users.id = sessions.user_id").
		Where("sessions.token_hash = ? AND sessions.revoked_at IS NULL AND sessions.expires_at > ? AND users.disabled = ?",
			hashToken(token), s.now(), false).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	u := &row.User
	if err := s.DB.WithContext(ctx).Where("user_id = ?", u.ID).Find(&u.Roles).Error; err != nil {
		return nil, err
	}
	return s.principal(ctx, u, row.SessionID)
}

// Logout revokes the session behind the token.
func (s *Service) Logout(ctx context.Context, sessionID uint) error {
	now := s.now()
	return s.DB.WithContext(ctx).Model(&models.Session{}).
		Where("id = ? AND revoked_at IS NULL", sessionID).Update("revoked_at", now).Error
}

func (s *Service) principal(ctx context.Context, u *models.User, sessionID uint) (*Principal, error) {
	var a models.Agency
	if err := s.DB.WithContext(ctx).First(&a, u.AgencyID).Error; err != nil {
		return nil, fmt.Errorf("agency of user %s: %w", u.Username, err)
	}
	ids := []uint{a.ID}
	if u.HasRole(models.RoleAdmin) {
		var err error
		if ids, err = models.AgencyTree(ctx, s.DB, a.ID); err != nil {
			return nil, err
		}
	}
	return &Principal{User: u, Agency: &a, SessionID: sessionID, AgencyIDs: ids}, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
