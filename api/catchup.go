package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"gongkai/models"
	"gongkai/workflows"
)

// An item's transitions run as local activities, inside the workflow task
// of the Update that asks for them. If the process dies after a transition
// has committed to the records and before Temporal has recorded that
// workflow task, the records are one transition ahead of the workflow: the
// next step's task is open in the inbox, but the workflow still waits on
// the step before, and refuses decisions on the new one.
//
// catchUpItem finds such a transition (its audit event carries the key of
// the workflow's next transition) and sends the workflow the same decision
// again, as its recorded actor. The transition's activity finds its key
// applied and answers as the first time, so the workflow takes the step the
// records took, and nothing is written twice.

// catchUpItem reports whether it brought the item's workflow up to its
// records. A failure is logged: the caller answers the request as it would
// have anyway.
func (s *Server) catchUpItem(ctx context.Context, itemID uint) bool {
	caught, err := s.catchUp(ctx, itemID)
	if err != nil {
		s.log.WarnContext(ctx, "catching up an item's workflow", "item_id", itemID, "err", err)
	}
	return caught
}

func (s *Server) catchUp(ctx context.Context, itemID uint) (bool, error) {
	wfID := workflows.ItemWorkflowID(itemID)
	v, err := s.Temporal.QueryWorkflow(ctx, wfID, "", workflows.QueryItemState)
	if err != nil {
		return false, err
	}
	var st workflows.ItemState
	if err := v.Get(&st); err != nil {
		return false, err
	}
	prefix := fmt.Sprintf("%s/t%d/", wfID, st.Transitions+1)
	var ev models.AuditEvent
	err = s.DB.WithContext(ctx).Where("event_key IN ?", models.TransitionKeys(prefix)).Take(&ev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil // in step
	}
	if err != nil {
		return false, err
	}
	if ev.ActorID == nil {
		return false, fmt.Errorf("transition %s has no actor", *ev.EventKey)
	}
	actor, err := models.UserByID(ctx, s.DB, *ev.ActorID)
	if err != nil {
		return false, err
	}
	who := workflows.Actor{UserID: actor.ID, Roles: actor.RoleList()}
	var rec struct {
		Comment string
		Assign  *struct{ AssigneeID uint }
	}
	_ = json.Unmarshal([]byte(ev.After), &rec)

	update := models.ItemTransitionActions[ev.Action]
	var arg any
	switch update {
	case workflows.UpdateApprove, workflows.UpdateReturn:
		arg = workflows.DecisionRequest{Actor: who, TaskID: st.TaskID, Comment: rec.Comment}
	case workflows.UpdateWithdraw:
		arg = workflows.WithdrawRequest{Actor: who}
	case workflows.UpdateAssign:
		if rec.Assign == nil {
			return false, fmt.Errorf("transition %s records no assignee", *ev.EventKey)
		}
		assignee, err := models.UserByID(ctx, s.DB, rec.Assign.AssigneeID)
		if err != nil {
			return false, err
		}
		arg = workflows.AssignRequest{Actor: who, TaskID: st.TaskID, AssigneeID: assignee.ID, AssigneeRoles: assignee.RoleList()}
	case workflows.UpdateSubmit:
		var it models.Item
		if err := s.DB.WithContext(ctx).First(&it, itemID).Error; err != nil {
			return false, err
		}
		req, err := s.submitRequest(ctx, &it, who)
		if err != nil {
			return false, err
		}
		arg = req
	default:
		return false, fmt.Errorf("transition %s: action %q is made by no known Update", *ev.EventKey, ev.Action)
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wfID, UpdateName: update, UpdateID: "catch-up/" + *ev.EventKey, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return false, fmt.Errorf("catch up %s: %w", *ev.EventKey, err)
	}
	s.log.WarnContext(ctx, "item workflow caught up with its records", "item_id", itemID, "transition", *ev.EventKey)
	return true, nil
}
