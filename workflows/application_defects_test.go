package workflows_test

// ApplicationCase defects: scenarios the workflow gets wrong, each written
// to pass once the defect is fixed. The harness is in application_test.go.
//
// Several of them are actions the validators accept although the clock
// event they add is one the calendar refuses to evaluate (calendar.ErrInvalid:
// events out of date order, a second open pause, an extension after
// override_due, an override_due not after its date). ApplyApplicationTransition
// then fails with a plain, retryable error. In production the activity's
// retry policy has no MaximumAttempts, so it is retried for ever while the
// handler holds the workflow's mutex and nothing else (Updates, deadlines,
// chain results) runs again. The SDK's test environment caps retries at 10
// attempts, so here the Update fails with the activity error instead; the
// tests assert the refusal the validator should have given.

import (
	"testing"

	"gongkai/models"
	"gongkai/workflows"
)

// A withdrawal dated before the open fee notice (the applicant's letter of
// Sun 09-20, recorded after the notice of Mon 09-21) puts a resume before
// the pause in the clock. It must be refused with validation_failed on its
// date, not accepted and wedged.
func TestApplicationDefect_WithdrawDatedBeforeOpenPause(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	notice := h.act(appAt("2026-09-21 10:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.Method, a.Pages = "per_page", 50
		return a
	})
	early := h.act(appAt("2026-09-22 10:00"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-09-20") })
	wd := h.act(appAt("2026-09-22 10:10"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-09-22") })
	arch := h.act(appAt("2026-09-22 10:20"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-09-22") })
	h.stopBy(appAt("2026-09-22 10:40"))

	res := h.run()

	h.ok(notice, "fee notice")
	h.refused(early, workflows.ErrValidation, "on", "a withdrawal dated before the fee notice")
	h.ok(wd, "withdrawal dated today")
	h.ok(arch, "archive")
	if res.Status != models.AppArchived || res.Outcome != "other" {
		t.Errorf("workflow result %+v, want archived", res)
	}
}

// An answer to a consultation dated before the consultation was sent
// (typed 09-21 for a letter sent 09-22) must be refused on replied_on.
func TestApplicationDefect_ConsultReplyDatedBeforeConsultation(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	consult := h.act(appAt("2026-09-22 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "宁夏某建筑公司", "2026-09-23"
		return a
	})
	answer := func(on string) func() workflows.AppAction {
		return func() workflows.AppAction {
			a := h.clerk(on)
			if cs := h.consultations(); len(cs) == 1 {
				a.ConsultationID = cs[0].ID
			}
			a.Opinion = "同意公开"
			return a
		}
	}
	early := h.act(appAt("2026-09-29 10:00"), workflows.UpdateConsultReply, answer("2026-09-21"))
	ok := h.act(appAt("2026-09-29 10:10"), workflows.UpdateConsultReply, answer("2026-09-29"))
	wd, arch := h.closeOut(appAt("2026-09-29 10:20"))

	res := h.run()

	h.ok(consult, "consult")
	h.refused(early, workflows.ErrValidation, "replied_on", "an answer dated before the consultation")
	h.ok(ok, "answer dated today")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	if res.Status != models.AppArchived {
		t.Errorf("workflow result %+v, want archived", res)
	}
}

// A fee notice while a consultation is open (status consulting, which
// checkFeeNotice accepts as "processing") appends a second pause to a clock
// that is already paused. Either it is refused (invalid_state), or it is
// taken without wedging the workflow.
func TestApplicationDefect_FeeNoticeWhileConsulting(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	consult := h.act(appAt("2026-09-22 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "宁夏某建筑公司", "2026-09-23"
		return a
	})
	fee := h.act(appAt("2026-09-23 10:00"), workflows.UpdateFeeNotice, func() workflows.AppAction {
		a := h.clerk("2026-09-23")
		a.Method, a.Pages = "per_page", 250
		return a
	})
	wd, arch := h.closeOut(appAt("2026-09-23 10:20"))

	res := h.run()

	h.ok(consult, "consult")
	switch {
	case fee.rejected != nil:
		h.refused(fee, workflows.ErrInvalidState, "", "a fee notice while consulting")
	case !fee.completed:
		t.Errorf("a fee notice while consulting was accepted and never completed: the clock has two open pauses and every transition fails from then on")
	default:
		h.ok(fee, "fee notice while consulting")
	}
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	if res.Status != models.AppArchived {
		t.Errorf("workflow result %+v, want archived", res)
	}
}

// After an Art.35 due date (override_due) the calendar refuses an extend
// event ("extension after override_due"). The extension request must be
// refused up front; if it is taken and approved, the chain result's
// transition fails for ever under the mutex.
func TestApplicationDefect_ExtensionAfterArt35DueDate(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	art35 := h.act(appAt("2026-09-21 10:00"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-09-21")
		a.DueOn, a.Reason = "2026-11-30", "一个月内申请 40 件"
		return a
	})
	ext := h.act(appAt("2026-09-22 10:00"), workflows.UpdateExtension, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Workdays, a.Reason = 20, "所需信息需从县档案馆调取"
		return a
	})
	h.approveBy(appAt("2026-09-22 10:10"), replyItem(ext), "reviewer") // only if the request was taken
	wd, arch := h.closeOut(appAt("2026-09-22 10:30"))

	res := h.run()

	h.ok(art35, "Art.35 due date")
	h.refused(ext, workflows.ErrInvalidState, "", "an extension after an Art.35 due date")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	if res.Status != models.AppArchived || res.DueOn != "2026-11-30" {
		t.Errorf("workflow result %+v, want archived due 2026-11-30", res)
	}
}

// On an overdue application (due 10-22), an Art.35 due date of 10-23 set on
// 10-26 is "later than the current due date" but not later than the day it
// is set: the calendar refuses the override_due. It must be refused on
// due_on.
func TestApplicationDefect_Art35DueDateInThePast(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	art35 := h.act(appAt("2026-10-26 10:00"), workflows.UpdateExcessive, func() workflows.AppAction {
		a := h.clerk("2026-10-26")
		a.DueOn, a.Reason = "2026-10-23", "一个月内申请 40 件"
		return a
	})
	wd, arch := h.closeOut(appAt("2026-10-26 10:20"))

	res := h.run()

	h.refused(art35, workflows.ErrValidation, "due_on", "an Art.35 due date before the day it is set")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	if res.Status != models.AppArchived {
		t.Errorf("workflow result %+v, want archived", res)
	}
}

// Two consultations: a third party received Wed 09-23 (15 working days end
// Wed 10-21) and another organ received Mon 10-12 (end Mon 11-02). When the
// first runs out only it closes: the clock stays paused for the organ until
// 11-02, and resumes on 11-03 at 00:00. Excluded 09-23..11-02 (24 working
// days): due Wed 11-25. (The workflow closes every open consultation at the
// earliest end.)
func TestApplicationDefect_ConsultationTimeoutClosesOnlyExpired(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	first := h.act(appAt("2026-09-22 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-09-22")
		a.Kind, a.Party, a.ReceivedOn = "third_party", "宁夏某建筑公司", "2026-09-23"
		return a
	})
	second := h.act(appAt("2026-10-12 10:00"), workflows.UpdateConsult, func() workflows.AppAction {
		a := h.clerk("2026-10-09")
		a.Kind, a.Party, a.ReceivedOn = "organ", "隆德县自然资源局", "2026-10-12"
		return a
	})
	var afterFirst workflows.AppState
	h.callback(appAt("2026-10-22 00:01"), func() { afterFirst = h.appState() })
	h.rowAt(appAt("2026-10-22 00:01"), "the third party's period over, the organ's running", appRowWant{models.AppConsulting, "", "-", "paused", ""})
	h.rowAt(appAt("2026-11-03 00:01"), "both periods over", appRowWant{models.AppRegistered, "", "2026-11-25", "running", ""})
	wd, arch := h.closeOut(appAt("2026-11-03 10:00"))

	res := h.run()

	h.ok(first, "first consultation")
	h.ok(second, "second consultation")
	h.ok(wd, "withdraw")
	h.ok(arch, "archive")
	open := 0
	for _, c := range afterFirst.Consultations {
		if c.Open {
			open++
		}
	}
	if len(afterFirst.Consultations) != 2 || open != 1 {
		t.Errorf("after the first period: consultations %+v, want the organ's still open", afterFirst.Consultations)
	}
	if res.Status != models.AppArchived || res.DueOn != "2026-11-25" {
		t.Errorf("workflow result %+v, want archived due 2026-11-25", res)
	}
}

// The clerk records the applicant's withdrawal while the reply is in its
// chain (checkWithdraw allows reply_review). When the chain then approves
// the reply, the chain-result goroutine sets the closed application back
// to reply_ready (and a withdrawn chain would set it to registered): a
// concluded application must stay concluded. (Refusing the withdrawal
// while the reply is in review would be a fix too: then the reply goes out.)
func TestApplicationDefect_ReplyChainAfterWithdrawalReopens(t *testing.T) {
	h := newAppHarness(t, appAt("2026-09-18 09:00"))
	reply := h.act(appAt("2026-10-12 10:00"), workflows.UpdateReply, func() workflows.AppAction {
		a := h.clerk("2026-10-12")
		a.Outcome, a.Text = "disclosed", "现向您提供所申请的信息。"
		return a
	})
	wd := h.act(appAt("2026-10-12 11:00"), workflows.UpdateAppWithdraw, func() workflows.AppAction { return h.clerk("2026-10-12") })
	rev := h.approveBy(appAt("2026-10-13 09:00"), replyItem(reply), "reviewer")
	fin := h.approveBy(appAt("2026-10-13 10:00"), replyItem(reply), "leader")
	var afterChain models.Application
	h.callback(appAt("2026-10-13 10:05"), func() { afterChain = h.row() })
	sent := h.act(appAt("2026-10-13 10:30"), workflows.UpdateSent, func() workflows.AppAction {
		a := h.clerk("2026-10-13")
		a.Method = "邮寄"
		return a
	})
	arch := h.act(appAt("2026-10-13 11:00"), workflows.UpdateArchive, func() workflows.AppAction { return h.clerk("2026-10-13") })
	h.stopBy(appAt("2026-10-13 12:00"))

	res := h.run()

	h.ok(reply, "reply")
	h.ok(rev, "reviewer approves")
	h.ok(fin, "leader approves")
	h.ok(arch, "archive")
	if wd.rejected != nil {
		// Fixed by refusing the withdrawal: the reply is approved and sent.
		h.refused(wd, workflows.ErrInvalidState, "", "withdrawal while the reply is in review")
		h.ok(sent, "sent")
		if res.Status != models.AppArchived || res.Outcome != "disclosed" {
			t.Errorf("workflow result %+v, want archived disclosed", res)
		}
		return
	}
	h.ok(wd, "withdrawal while the reply is in review")
	if afterChain.Status != models.AppClosed || afterChain.Outcome != "other" || afterChain.ConcludedOn != "2026-10-12" {
		t.Errorf("after the reply chain approved: status %s outcome %s concluded_on %s; want the withdrawn application to stay closed (other, 2026-10-12)",
			afterChain.Status, afterChain.Outcome, afterChain.ConcludedOn)
	}
	h.refused(sent, workflows.ErrInvalidState, "", "sending the reply of a withdrawn application")
	if res.Status != models.AppArchived || res.Outcome != "other" {
		t.Errorf("workflow result %+v, want archived other", res)
	}
}
