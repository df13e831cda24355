package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"gongkai/auth"
	"gongkai/dbtest"
	"gongkai/models"
)

func setup(t *testing.T, db *gorm.DB) *auth.Service {
	t.Helper()
	ctx := context.Background()
	a, err := models.EnsureAgency(ctx, db, models.Agency{Code: "a", Name: "甲镇"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if err := models.CreateUser(ctx, db, &models.User{AgencyID: a.ID, Username: "alice", PasswordHash: h}, []string{models.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	return &auth.Service{DB: db, TTL: time.Hour}
}

func TestLoginTokenLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := setup(t, db)
		token, p, err := s.Login(ctx, "alice", "correct horse", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if p.User.Username != "alice" || p.Agency.Code != "a" || len(p.AgencyIDs) != 1 {
			t.Fatalf("principal = %+v", p)
		}
		p2, err := s.Authenticate(ctx, token)
		if err != nil || p2.User.ID != p.User.ID {
			t.Fatalf("Authenticate = %v, %v", p2, err)
		}
		// Expired: the same token an hour and a second later.
		later := &auth.Service{DB: db, TTL: time.Hour, Now: func() time.Time { return time.Now().Add(time.Hour + time.Second) }}
		if _, err := later.Authenticate(ctx, token); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("expired token: %v, want ErrInvalidToken", err)
		}
		if err := s.Logout(ctx, p.SessionID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("revoked token: %v, want ErrInvalidToken", err)
		}
		if _, err := s.Authenticate(ctx, "made-up"); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
	})
}

func TestBadCredentialsAreIndistinguishable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := setup(t, db)
		_, _, errPw := s.Login(context.Background(), "alice", "wrong password", "ip")
		_, _, errUser := s.Login(context.Background(), "nobody", "correct horse", "ip")
		if !errors.Is(errPw, auth.ErrBadCredentials) || !errors.Is(errUser, auth.ErrBadCredentials) || errPw.Error() != errUser.Error() {
			t.Fatalf("wrong password: %v; unknown user: %v — want the same ErrBadCredentials", errPw, errUser)
		}
	})
}

func TestRepeatedFailuresAreThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := setup(t, db)
		now := time.Now()
		s.Now = func() time.Time { return now }
		for i := range 5 {
			if _, _, err := s.Login(ctx, "alice", "guess", "1.2.3.4"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// Even the right password waits now, from that address.
		_, _, err := s.Login(ctx, "alice", "correct horse", "1.2.3.4")
		var th *auth.ThrottledError
		if !errors.As(err, &th) || th.RetryAfter <= 0 {
			t.Fatalf("6th attempt: %v, want ThrottledError", err)
		}
		// Another address is not held up by this one's failures.
		if _, _, err := s.Login(ctx, "alice", "correct horse", "5.6.7.8"); err != nil {
			t.Fatalf("other address: %v", err)
		}
		// After the wait the right password works and clears the count.
		now = now.Add(2 * time.Second)
		if _, _, err := s.Login(ctx, "alice", "correct horse", "1.2.3.4"); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		var n int64
		db.Model(&models.LoginThrottle{}).Count(&n)
		if n != 0 {
			t.Fatalf("throttle rows after success = %d, want 0", n)
		}
	})
}

func TestHashPasswordRejectsShort(t *testing.T) {
	if _, err := auth.HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
}
