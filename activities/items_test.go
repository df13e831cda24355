package activities_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"gongkai/activities"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
)

// stuckSender never answers until its context ends, like a mail server
// that accepted the connection and went quiet.
type stuckSender struct{ err chan error }

func (s stuckSender) Send(ctx context.Context, _ models.Notification, _ *models.User) error {
	<-ctx.Done()
	s.err <- ctx.Err()
	return ctx.Err()
}

// A transition runs inside a workflow task (a local activity): a sender that
// hangs is cut off, and the transition still completes.
func TestTransitionDoesNotWaitForAStuckSender(t *testing.T) {
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "demo12345"); err != nil {
		t.Fatal(err)
	}
	cg, _ := models.AgencyByCode(ctx, db, "chengguan")
	editor, _ := models.UserByUsername(ctx, db, "editor")
	reviewer, _ := models.UserByUsername(ctx, db, "reviewer")
	sender := stuckSender{err: make(chan error, 1)}
	a := &activities.Activities{DB: db, Logger: slog.New(slog.DiscardHandler), Sender: sender}
	done := make(chan error, 1)
	go func() {
		_, err := a.ApplyItemTransition(ctx, activities.ItemTransition{
			Key: "item-1/t1/return", ItemID: 1, AgencyID: cg.ID, Action: "return", ActorID: reviewer.ID, Comment: "x",
			Notify: []activities.Notice{{UserIDs: []uint{editor.ID}, Kind: "returned", Message: "信息被退回"}},
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the transition waited on the stuck sender")
	}
	select {
	case err := <-sender.err:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the sender's context ended with %v, want its deadline", err)
		}
	default:
		t.Fatal("the notice never reached the sender")
	}
	var n int64
	db.Model(&models.Notification{}).Where("user_id = ? AND kind = ?", editor.ID, "returned").Count(&n)
	if n != 1 {
		t.Fatalf("%d in-app notifications, want 1: the record stands whatever the sender does", n)
	}
}
