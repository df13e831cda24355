package workflows_test

// Replay of recorded ItemReview and ApplicationCase histories. A change to the workflow code
// that would make a running chain take another path on replay (a reordered,
// added or removed activity, timer or signal wait) fails
// TestReplayStoredHistories; such changes must go behind workflow.GetVersion.
//
// The histories in testdata/histories were recorded from a real (embedded)
// Temporal server, worker and SQLite database by TestRecordHistories:
//
//	go test ./workflows/ -run TestRecordHistories -record
//
// Record again only to add scenarios, never to make a failing replay pass:
// the stored files stand for workflows already running in production. Before
// a workflow change goes behind workflow.GetVersion, rename the current
// files NAME.json to NAME.vK-WHAT.json (kept, still replayed) and record the
// new version's: *.v0-activities.json ran each transition as a regular
// activity, the unsuffixed ones as local activities.

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"gongkai/activities"
	"gongkai/calendar"
	"gongkai/dbtest"
	"gongkai/demo"
	"gongkai/models"
	"gongkai/temporaltest"
	"gongkai/worker"
	"gongkai/workflows"
)

var recordHistories = flag.Bool("record", false, "TestRecordHistories: run the scenarios on an embedded Temporal server and rewrite testdata/histories")

const historiesDir = "testdata/histories"

// recordedScenarios are the histories TestRecordHistories writes and
// TestReplayStoredHistories requires (file name without .json).
var recordedScenarios = []string{
	"full_chain",
	"submit_with_start",
	"return_resubmit_unchanged",
	"return_resubmit_changed",
	"withdraw",
	"assign_then_approve",
	"calendar_change_mid_review",
}

// applicationScenarios are ApplicationCase histories, recorded through the
// HTTP API by TestRecordApplicationHistories in package api:
//
//	go test ./api/ -run TestRecordApplicationHistories -record
var applicationScenarios = []string{
	"application_reply_sent_archived",
	"application_correction_consultation_extension",
	"application_withdrawn",
}

// scheduledScenarios are the two workflows Temporal Schedules start, run
// once each by TestRecordScheduledHistories (with -record).
var scheduledScenarios = []string{"daily_digest", "annual_reports"}

func TestReplayStoredHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(historiesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Concat(recordedScenarios, applicationScenarios, scheduledScenarios) {
		if !slices.Contains(files, filepath.Join(historiesDir, name+".json")) {
			t.Errorf("%s/%s.json is missing (go test ./workflows/ -run TestRecordHistories -record)", historiesDir, name)
		}
	}
	replayer := sdkworker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(workflows.ItemReview, workflow.RegisterOptions{Name: workflows.ItemReviewWorkflow})
	replayer.RegisterWorkflowWithOptions(workflows.ApplicationCase, workflow.RegisterOptions{Name: workflows.ApplicationWorkflow})
	replayer.RegisterWorkflowWithOptions(workflows.DailyDigest, workflow.RegisterOptions{Name: workflows.DailyDigestWorkflow})
	replayer.RegisterWorkflowWithOptions(workflows.AnnualReports, workflow.RegisterOptions{Name: workflows.AnnualReportsWorkflow})
	logger := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Errorf("replaying %s: %v\nA workflow change that alters the commands of running workflows must go behind workflow.GetVersion.", f, err)
			}
		})
	}
}

// --- the generator -----------------------------------------------------

// recorder drives ItemReview workflows on an embedded Temporal server with
// the real worker and activities, building requests the way the API does.
type recorder struct {
	t      *testing.T
	ctx    context.Context
	db     *gorm.DB
	tc     client.Client
	queue  string
	agency *models.Agency
}

func TestRecordHistories(t *testing.T) {
	if !*recordHistories {
		t.Skip("regenerate the stored histories with: go test ./workflows/ -run TestRecordHistories -record")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRecorder(t, ctx)
	tc := r.tc

	scenarios := map[string]func(it *models.Item) string{
		// submit → 负责人审核 → 分管领导审批: published.
		"full_chain": func(it *models.Item) string {
			res := r.submit(it)
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "同意发布")
			return res.Status
		},
		// The item's workflow was not started at creation (Temporal was
		// down): the submission starts it (update-with-start), so the submit
		// Update arrives with the workflow's first task.
		"submit_with_start": func(it *models.Item) string {
			res := r.submit(it)
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "")
			return res.Status
		},
		// Returned at 分管领导审批, resubmitted unchanged: resumes there.
		"return_resubmit_unchanged": func(it *models.Item) string {
			res := r.submit(it)
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			r.decide(it, workflows.UpdateReturn, "leader", res.TaskID, "请核实发布范围")
			res = r.submit(it)
			if res.Step != "approve" {
				r.t.Errorf("unchanged resubmission resumed at %q, want approve", res.Step)
			}
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "")
			return res.Status
		},
		// Returned at 负责人审核, edited and resubmitted: the chain restarts.
		"return_resubmit_changed": func(it *models.Item) string {
			res := r.submit(it)
			r.decide(it, workflows.UpdateReturn, "reviewer", res.TaskID, "请补充附件说明")
			r.edit(it, it.Body+"\n\n（已补充附件说明）")
			res = r.submit(it)
			if res.Step != "review" {
				r.t.Errorf("changed resubmission opened %q, want review", res.Step)
			}
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "")
			return res.Status
		},
		// Withdrawn by its author while 分管领导审批 is open.
		"withdraw": func(it *models.Item) string {
			res := r.submit(it)
			r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			return r.update(it, workflows.UpdateWithdraw, workflows.WithdrawRequest{Actor: r.actor("editor")}).Status
		},
		// The reviewer delegates 负责人审核 to reviewer_b, the admin hands it
		// back, reviewer approves; the leader claims 分管领导审批 and approves.
		"assign_then_approve": func(it *models.Item) string {
			res := r.submit(it)
			r.assign(it, "reviewer", res.TaskID, "reviewer_b")
			r.assign(it, "admin", res.TaskID, "reviewer")
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			r.assign(it, "leader", res.TaskID, "leader")
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "")
			return res.Status
		},
		// The next working day becomes a holiday while 负责人审核 is open:
		// the workflow recomputes its dates, then the chain completes.
		"calendar_change_mid_review": func(it *models.Item) string {
			res := r.submit(it)
			r.changeCalendar(it)
			res = r.decide(it, workflows.UpdateApprove, "reviewer", res.TaskID, "")
			res = r.decide(it, workflows.UpdateApprove, "leader", res.TaskID, "")
			return res.Status
		},
	}
	want := map[string]string{"withdraw": models.ItemWithdrawn}
	for _, name := range recordedScenarios {
		t.Run(name, func(t *testing.T) {
			r.t = t
			it := r.createItem(name, name != "submit_with_start")
			status := scenarios[name](it)
			if t.Failed() {
				return
			}
			wantStatus := cmpOr(want[name], models.ItemPublished)
			if status != wantStatus {
				t.Fatalf("scenario ended %q, want %q", status, wantStatus)
			}
			var result workflows.ItemResult
			if err := tc.GetWorkflow(ctx, workflows.ItemWorkflowID(it.ID), "").Get(ctx, &result); err != nil || result.Status != wantStatus {
				t.Fatalf("workflow result %+v, %v", result, err)
			}
			temporaltest.WriteHistory(t, tc, workflows.ItemWorkflowID(it.ID), filepath.Join(historiesDir, name+".json"))
		})
	}
}

// TestRecordScheduledHistories runs DailyDigest and AnnualReports once each
// (AnnualReports for last year, whose reminder dates have passed, so it ends
// at once) and stores their histories.
func TestRecordScheduledHistories(t *testing.T) {
	if !*recordHistories {
		t.Skip("regenerate with: go test ./workflows/ -run TestRecordScheduledHistories -record")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := newRecorder(t, ctx)
	for _, w := range []struct{ name, workflowType string }{
		{"daily_digest", workflows.DailyDigestWorkflow},
		{"annual_reports", workflows.AnnualReportsWorkflow},
	} {
		run, err := r.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "record-" + w.name, TaskQueue: r.queue}, w.workflowType)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		temporaltest.WriteHistory(t, r.tc, run.GetID(), filepath.Join(historiesDir, w.name+".json"))
	}
}

// newRecorder starts an embedded Temporal server and the real worker on a
// fresh SQLite database with the demo data and a second reviewer.
func newRecorder(t *testing.T, ctx context.Context) *recorder {
	quiet := slog.New(slog.DiscardHandler)
	db := dbtest.SQLite(t)
	if err := demo.Seed(ctx, db, "record-histories-1"); err != nil {
		t.Fatal(err)
	}
	agency, err := models.AgencyByCode(ctx, db, "chengguan")
	if err != nil {
		t.Fatal(err)
	}
	if err := models.CreateUser(ctx, db, &models.User{AgencyID: agency.ID, Username: "reviewer_b", DisplayName: "reviewer_b", PasswordHash: "x"},
		[]string{models.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	tc := temporaltest.Client(t)
	const queue = "gongkai"
	w := worker.New(tc, queue, &activities.Activities{DB: db, Logger: quiet})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	if err := os.MkdirAll(historiesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &recorder{t: t, ctx: ctx, db: db, tc: tc, queue: queue, agency: agency}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *recorder) user(username string) *models.User {
	r.t.Helper()
	u, err := models.UserByUsername(r.ctx, r.db, username)
	if err != nil {
		r.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func (r *recorder) actor(username string) workflows.Actor {
	u := r.user(username)
	return workflows.Actor{UserID: u.ID, Roles: u.RoleList()}
}

// createItem stores a draft by the demo editor as the API's createItem
// does. With start it starts the item's workflow, as the API does, and
// waits for its first date refresh: the editor submits later.
func (r *recorder) createItem(name string, start bool) *models.Item {
	r.t.Helper()
	editor := r.user("editor")
	today := calendar.Today(time.Now())
	it := &models.Item{
		AgencyID: r.agency.ID, Title: "回放测试：" + name, Summary: "概述", Body: "正文：" + name, Column: "通知公告",
		FormedOn: today.String(), Status: models.ItemDraft, Version: 1, Revision: 1, AuthorID: editor.ID,
	}
	err := r.db.WithContext(r.ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if it.IndexNo, err = models.NextIndexNo(tx, r.agency, today.Year); err != nil {
			return err
		}
		if err := tx.Create(it).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.ItemRevision{ItemID: it.ID, Revision: 1, Title: it.Title, Summary: it.Summary, Body: it.Body,
			Column: it.Column, FormedOn: it.FormedOn, EditorID: editor.ID, ContentHash: contentHash(it)}).Error; err != nil {
			return err
		}
		return models.Audit(r.ctx, tx, models.AuditEvent{ActorID: &editor.ID, AgencyID: &r.agency.ID, Action: "create",
			ObjectType: "item", ObjectID: strconv.FormatUint(uint64(it.ID), 10)}, nil, nil)
	})
	if err != nil {
		r.t.Fatalf("create item: %v", err)
	}
	if start {
		if _, err := r.tc.ExecuteWorkflow(r.ctx, r.startOptions(it), workflows.ItemReviewWorkflow, r.input(it)); err != nil {
			r.t.Fatalf("start workflow: %v", err)
		}
		r.waitRefreshes(it, 1)
	}
	return it
}

func (r *recorder) input(it *models.Item) workflows.ItemInput {
	return workflows.ItemInput{ItemID: it.ID, AgencyID: it.AgencyID, AuthorID: it.AuthorID, Region: r.agency.Region, FormedOn: it.FormedOn}
}

// startOptions are the API's (api/temporal.go itemStartOptions).
func (r *recorder) startOptions(it *models.Item) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID: workflows.ItemWorkflowID(it.ID), TaskQueue: r.queue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
}

func contentHash(it *models.Item) string {
	return models.ContentHash(it.Title, it.Summary, it.Body, it.Column, it.FormedOn, nil)
}

// edit saves a new revision of a returned item, as the API's editItem does.
func (r *recorder) edit(it *models.Item, body string) {
	r.t.Helper()
	editor := r.user("editor")
	it.Body, it.Revision, it.Version = body, it.Revision+1, it.Version+1
	err := r.db.WithContext(r.ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.Item{}).Where("id = ?", it.ID).
			Updates(map[string]any{"body": it.Body, "revision": it.Revision, "version": it.Version}).Error; err != nil {
			return err
		}
		return tx.Create(&models.ItemRevision{ItemID: it.ID, Revision: it.Revision, Title: it.Title, Summary: it.Summary, Body: it.Body,
			Column: it.Column, FormedOn: it.FormedOn, EditorID: editor.ID, ContentHash: contentHash(it)}).Error
	})
	if err != nil {
		r.t.Fatalf("edit item: %v", err)
	}
}

// submit submits the item's current revision as the API's submitItem does.
func (r *recorder) submit(it *models.Item) workflows.ItemResult {
	r.t.Helper()
	var revs []models.ItemRevision
	if err := r.db.WithContext(r.ctx).Where("item_id = ?", it.ID).Order("revision").Find(&revs).Error; err != nil || len(revs) == 0 {
		r.t.Fatalf("revisions: %v", err)
	}
	steps, err := models.ChainFor(r.ctx, r.db, it.AgencyID, it.Column)
	if err != nil {
		r.t.Fatal(err)
	}
	var editors []uint
	for _, rev := range revs {
		editors = append(editors, rev.EditorID)
	}
	cur := revs[len(revs)-1]
	req := workflows.SubmitRequest{
		Actor: r.actor("editor"), Revision: cur.Revision, ContentHash: cur.ContentHash, EditorIDs: editors,
		Steps: steps, Title: it.Title, Column: it.Column,
	}
	// Update-with-start, as the API submits: it starts the workflow if the
	// start at creation failed.
	op := r.tc.NewWithStartWorkflowOperation(r.startOptions(it), workflows.ItemReviewWorkflow, r.input(it))
	h, err := r.tc.UpdateWithStartWorkflow(r.ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: client.UpdateWorkflowOptions{
		WorkflowID: workflows.ItemWorkflowID(it.ID), UpdateName: workflows.UpdateSubmit, Args: []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}})
	var res workflows.ItemResult
	if err == nil {
		err = h.Get(r.ctx, &res)
	}
	if err != nil {
		r.t.Fatalf("submit: %v", err)
	}
	return res
}

func (r *recorder) decide(it *models.Item, update, username string, taskID uint, comment string) workflows.ItemResult {
	r.t.Helper()
	return r.update(it, update, workflows.DecisionRequest{Actor: r.actor(username), TaskID: taskID, Comment: comment})
}

func (r *recorder) assign(it *models.Item, by string, taskID uint, to string) workflows.ItemResult {
	r.t.Helper()
	assignee := r.user(to)
	return r.update(it, workflows.UpdateAssign, workflows.AssignRequest{
		Actor: r.actor(by), TaskID: taskID, AssigneeID: assignee.ID, AssigneeRoles: assignee.RoleList(),
	})
}

// update sends one Update and waits for its answer, failing on a refusal.
func (r *recorder) update(it *models.Item, name string, arg any) workflows.ItemResult {
	r.t.Helper()
	h, err := r.tc.UpdateWorkflow(r.ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ItemWorkflowID(it.ID), UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res workflows.ItemResult
	if err == nil {
		err = h.Get(r.ctx, &res)
	}
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	return res
}

// changeCalendar makes the next working day after today a holiday in the
// agency's region, signals the workflow as the API does, and waits until
// the workflow has recomputed its dates.
func (r *recorder) changeCalendar(it *models.Item) {
	r.t.Helper()
	cal, err := models.LoadCalendar(r.ctx, r.db)
	if err != nil {
		r.t.Fatal(err)
	}
	d := calendar.Today(time.Now()).AddDays(1)
	for !cal.Day(r.agency.Region, d).Working {
		d = d.AddDays(1)
	}
	changed, err := models.ImportCalendarOverlay(r.ctx, r.db, nil, "record", []calendar.Override{
		{Date: d, Region: r.agency.Region, Working: false, Name: "回放测试假日", Source: "测试通知"},
	})
	if err != nil || len(changed) == 0 {
		r.t.Fatalf("import overlay: %v (changed %v)", err, changed)
	}
	id := workflows.ItemWorkflowID(it.ID)
	if err := r.tc.SignalWorkflow(r.ctx, id, "", calendar.OverlayChangedSignal, calendar.OverlayChanged{Ranges: changed}); err != nil {
		r.t.Fatal(err)
	}
	// The first refresh ran at the start; wait for the second.
	r.waitRefreshes(it, 2)
}

// waitRefreshes waits until the item's workflow has completed n
// RefreshItemDates activities.
func (r *recorder) waitRefreshes(it *models.Item, n int) {
	r.t.Helper()
	id := workflows.ItemWorkflowID(it.ID)
	deadline := time.Now().Add(30 * time.Second)
	for refreshes(temporaltest.History(r.t, r.tc, id)) < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: fewer than %d date refreshes after 30s", id, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// refreshes counts the completed RefreshItemDates activities in h.
// refreshes counts completed RefreshItemDates runs, as regular activities
// or as local activities (a marker whose data names the activity type).
func refreshes(h *historypb.History) int {
	types := map[int64]string{}
	n := 0
	for _, e := range h.Events {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			types[e.EventId] = a.GetActivityType().GetName()
		}
		if a := e.GetActivityTaskCompletedEventAttributes(); a != nil && types[a.GetScheduledEventId()] == "RefreshItemDates" {
			n++
		}
		if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" && m.GetFailure() == nil {
			for _, p := range m.GetDetails()["data"].GetPayloads() {
				var data struct{ ActivityType string }
				if json.Unmarshal(p.GetData(), &data) == nil && data.ActivityType == "RefreshItemDates" {
					n++
				}
			}
		}
	}
	return n
}
