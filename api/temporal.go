package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"gongkai/config"
	"gongkai/models"
	"gongkai/workflows"
)

// TaskQueue is where the worker polls; Deps.TaskQueue overrides it.
const defaultTaskQueue = config.DefaultTaskQueue

func (s *Server) taskQueue() string {
	if s.TaskQueue != "" {
		return s.TaskQueue
	}
	return defaultTaskQueue
}

func itemStartOptions(s *Server, in workflows.ItemInput) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       workflows.ItemWorkflowID(in.ItemID),
		TaskQueue:                s.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
}

// startItemWorkflow starts the item's chain, or finds it running.
func (s *Server) startItemWorkflow(ctx context.Context, in workflows.ItemInput) error {
	opts := itemStartOptions(s, in)
	// With a worker in this process (gongkai serve) the first workflow task
	// comes back with the start instead of through Temporal's task queues, so
	// the editor's submit right after creating does not wait for it.
	opts.EnableEagerStart = true
	_, err := s.Temporal.ExecuteWorkflow(ctx, opts, workflows.ItemReviewWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// updateItem sends a decision to the item's workflow and waits for its
// answer. With start set the workflow is started first if it is not running
// (an item whose start failed at creation still gets its chain).
func (s *Server) updateItem(c *gin.Context, start *workflows.ItemInput, itemID uint, name, updateID string, arg any) (workflows.ItemResult, bool) {
	var res workflows.ItemResult
	var opts *client.StartWorkflowOptions
	var input any
	if start != nil {
		o := itemStartOptions(s, *start)
		opts, input = &o, *start
	}
	send := func() error {
		return s.sendUpdate(c.Request.Context(), workflows.ItemWorkflowID(itemID), opts, workflows.ItemReviewWorkflow, input, name, updateID, arg, &res)
	}
	err := send()
	if mayBeBehind(err) {
		// The records may be a transition ahead of the workflow (see
		// catchUpItem): bring it up to them and ask again.
		if s.catchUpItem(c.Request.Context(), itemID) {
			err = send()
		}
	}
	if err != nil {
		s.abortWorkflowError(c, err)
		return res, false
	}
	return res, true
}

// mayBeBehind: the workflow refused a decision the way it would if the
// records were a transition ahead of it.
func mayBeBehind(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return false
	}
	switch appErr.Type() {
	case workflows.ErrTaskClosed, workflows.ErrInvalidState, models.ErrTransitionConflict:
		return true
	}
	return false
}

func (s *Server) appStartOptions(app *models.Application) *client.StartWorkflowOptions {
	return &client.StartWorkflowOptions{
		ID:                       workflows.ApplicationWorkflowID(app.ID),
		TaskQueue:                s.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
}

// update sends an Update to workflowID and decodes its answer into res.
// With start set, the workflow is started with input first if it is not
// running. updateID makes a retried request land once. On failure it has
// answered the request and returns false.
func (s *Server) update(c *gin.Context, workflowID string, start *client.StartWorkflowOptions, workflowType string, input any, name, updateID string, arg, res any) bool {
	if err := s.sendUpdate(c.Request.Context(), workflowID, start, workflowType, input, name, updateID, arg, res); err != nil {
		s.abortWorkflowError(c, err)
		return false
	}
	return true
}

// sendUpdate is update without the HTTP answer.
func (s *Server) sendUpdate(ctx context.Context, workflowID string, start *client.StartWorkflowOptions, workflowType string, input any, name, updateID string, arg, res any) error {
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   name,
		UpdateID:     updateID,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var h client.WorkflowUpdateHandle
	var err error
	if start != nil {
		op := s.Temporal.NewWithStartWorkflowOperation(*start, workflowType, input)
		h, err = s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: opts})
	} else {
		h, err = s.Temporal.UpdateWorkflow(ctx, opts)
	}
	if err == nil {
		err = h.Get(ctx, res)
	}
	return err
}

// abortWorkflowError maps a workflow's refusal to its HTTP answer.
func (s *Server) abortWorkflowError(c *gin.Context, err error) {
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &appErr):
		msg := appErr.Message()
		switch appErr.Type() {
		case workflows.ErrSeparationOfDuties:
			abort(c, http.StatusForbidden, CodeSeparationOfDuties, msg)
		case workflows.ErrNotPermitted:
			abort(c, http.StatusForbidden, CodeForbidden, msg)
		case workflows.ErrTaskClosed:
			abort(c, http.StatusConflict, CodeTaskClosed, msg)
		case workflows.ErrInvalidState:
			abort(c, http.StatusConflict, CodeInvalidState, msg)
		case workflows.ErrValidation:
			field := ""
			if appErr.HasDetails() {
				_ = appErr.Details(&field)
			}
			abortField(c, field, msg)
		default:
			s.abortInternal(c, err)
		}
	case errors.As(err, &notFound):
		// The workflow has ended (published or withdrawn): nothing is open.
		abort(c, http.StatusConflict, CodeTaskClosed, "该信息的流程已结束")
	default:
		s.abortInternal(c, err)
	}
}
