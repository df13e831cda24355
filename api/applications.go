package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"gongkai/calendar"
	"gongkai/models"
	"gongkai/workflows"
)

// Who may see an application's personal data (name, ID document, contact).
var personalDataRoles = []string{models.RoleClerk, models.RoleReviewer, models.RoleLeader}

func (s *Server) applicationRoutes(g *gin.RouterGroup) {
	g.POST("/applications", s.requireRole(models.RoleClerk), s.registerApplication)
	g.GET("/applications", s.listApplications)
	g.GET("/applications/:id", s.getApplication)
	clerk := g.Group("/applications/:id", s.requireRole(models.RoleClerk))
	for path, update := range map[string]string{
		"/correction-notice": workflows.UpdateCorrectionNotice, "/corrected": workflows.UpdateCorrected,
		"/consultations": workflows.UpdateConsult, "/extension": workflows.UpdateExtension,
		"/fee-notice": workflows.UpdateFeeNotice, "/fee-paid": workflows.UpdateFeePaid, "/excessive": workflows.UpdateExcessive,
		"/reply": workflows.UpdateReply, "/sent": workflows.UpdateSent, "/archive": workflows.UpdateArchive,
		"/withdraw": workflows.UpdateAppWithdraw,
	} {
		clerk.POST(path, s.applicationAction(update))
	}
	clerk.POST("/consultations/:cid/reply", s.applicationAction(workflows.UpdateConsultReply))
}

type registerRequest struct {
	ApplicantKind string `json:"applicant_kind"`
	ApplicantName string `json:"applicant_name"`
	IDDocument    string `json:"id_document"`
	Contact       string `json:"contact"`
	Description   string `json:"description"`
	DeliveryForm  string `json:"delivery_form"`
	Channel       string `json:"channel"`
	SubmittedOn   string `json:"submitted_on"`
	SignedOn      string `json:"signed_on"`
	ConfirmedOn   string `json:"confirmed_on"`
}

// receiptDate is the date Art.31 makes the receipt date for the channel.
func (r registerRequest) receiptDate() string {
	return map[string]string{"submitted_on": r.SubmittedOn, "signed_on": r.SignedOn, "confirmed_on": r.ConfirmedOn}[models.ReceiptField[r.Channel]]
}

func (s *Server) registerApplication(c *gin.Context) {
	var in registerRequest
	if !bindJSON(c, &in) {
		return
	}
	in.ApplicantName, in.Description = strings.TrimSpace(in.ApplicantName), strings.TrimSpace(in.Description)
	if !slices.Contains(models.ApplicantKinds, in.ApplicantKind) {
		abortField(c, "applicant_kind", "申请人类型应为 "+strings.Join(models.ApplicantKinds, "、")+" 之一")
		return
	}
	if !required(c, "applicant_name", in.ApplicantName, "description", in.Description, "channel", in.Channel) {
		return
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"applicant_name", in.ApplicantName, 200}, {"id_document", in.IDDocument, 100}, {"contact", in.Contact, 200}, {"delivery_form", in.DeliveryForm, 50}, {"description", in.Description, 20000}} {
		if utf8.RuneCountInString(f.v) > f.max {
			abortField(c, f.name, fmt.Sprintf("字段 %s 超过 %d 字", f.name, f.max))
			return
		}
	}
	field, ok := models.ReceiptField[in.Channel]
	if !ok {
		abortField(c, "channel", "收到渠道应为 in_person、post_signed、post_ordinary、online、fax 之一")
		return
	}
	received := in.receiptDate()
	if received == "" {
		abortField(c, field, "渠道 "+in.Channel+" 须填写 "+field+"（条例第三十一条：以该日为收到申请之日）")
		return
	}
	d, err := calendar.ParseDate(received)
	if err != nil {
		abortField(c, field, "日期无效（格式 YYYY-MM-DD）："+received)
		return
	}
	if d.After(calendar.Today(time.Now())) {
		abortField(c, field, "收到申请之日不能晚于今天")
		return
	}
	p := principal(c)
	app := models.Application{
		AgencyID: p.Agency.ID, QueryCode: models.NewQueryCode(), ApplicantKind: in.ApplicantKind, ApplicantName: in.ApplicantName,
		IDDocument: strings.TrimSpace(in.IDDocument), Contact: strings.TrimSpace(in.Contact), Description: in.Description,
		DeliveryForm: strings.TrimSpace(in.DeliveryForm), Channel: in.Channel, SubmittedOn: in.SubmittedOn, SignedOn: in.SignedOn,
		ConfirmedOn: in.ConfirmedOn, ReceivedOn: received, Status: models.AppRegistered, CreatedBy: p.User.ID,
	}
	err = s.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		var err error
		if app.Number, err = models.NextApplicationNumber(tx, p.Agency, d.Year); err != nil {
			return err
		}
		if err := tx.Create(&app).Error; err != nil {
			return err
		}
		// The audit trail keeps the registration without the personal data.
		return models.Audit(c.Request.Context(), tx, models.AuditEvent{ActorID: &p.User.ID, AgencyID: &p.Agency.ID, Action: "register",
			ObjectType: "application", ObjectID: strconv.FormatUint(uint64(app.ID), 10), RequestID: requestID(c)},
			nil, gin.H{"number": app.Number, "channel": app.Channel, "received_on": app.ReceivedOn, "applicant_kind": app.ApplicantKind})
	})
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	if _, err := s.Temporal.ExecuteWorkflow(c.Request.Context(), *s.appStartOptions(&app), workflows.ApplicationWorkflow, s.appInput(c, &app)); err != nil {
		// Stored: the first action starts the workflow instead (update-with-start).
		s.log.WarnContext(c.Request.Context(), "start application workflow", "application_id", app.ID, "request_id", requestID(c), "err", err)
	}
	v, ok := s.applicationView(c, &app, true)
	if !ok {
		return
	}
	v.QueryCode = app.QueryCode
	c.JSON(http.StatusCreated, v)
}

func (s *Server) appInput(c *gin.Context, app *models.Application) workflows.ApplicationInput {
	return workflows.ApplicationInput{ApplicationID: app.ID, AgencyID: app.AgencyID, Number: app.Number,
		Region: s.agencyRegion(c, app.AgencyID), ReceivedOn: app.ReceivedOn, ClerkID: app.CreatedBy}
}

// applicationView is an application as the API shows it; personal data
// only to the roles that may see it.
type applicationView struct {
	*models.Application
	QueryCode     string                `json:"query_code,omitempty"`
	Clock         *clockView            `json:"clock"`
	Consultations []models.Consultation `json:"consultations,omitempty"`
	Fees          []models.FeeNotice    `json:"fees,omitempty"`
	History       []models.AuditEvent   `json:"history,omitempty"`
}

type clockView struct {
	Due          string   `json:"due"`
	WorkdaysLeft int      `json:"workdays_left"`
	State        string   `json:"state"`
	Provisional  bool     `json:"provisional"`
	Explanation  []string `json:"explanation"`
}

// evaluateClock reads the clock the workflow stored and evaluates it today.
// Before the workflow has stored one, the clock is the receipt date + 20.
func evaluateClock(cal *calendar.Calendar, region string, app *models.Application) (*clockView, error) {
	var clock calendar.Clock
	if app.Clock != "" {
		if err := json.Unmarshal([]byte(app.Clock), &clock); err != nil {
			return nil, err
		}
	} else {
		d, err := calendar.ParseDate(app.ReceivedOn)
		if err != nil {
			return nil, err
		}
		clock = calendar.Clock{Region: region, Workdays: workflows.ReplyWorkdays, MaxExtension: workflows.MaxExtensionWorkdays,
			Events: []calendar.ClockEvent{{Kind: calendar.EventStart, Date: d, Reason: "收到申请"}}}
	}
	st, err := cal.Evaluate(clock, calendar.Today(time.Now()))
	if err != nil {
		return nil, err
	}
	return &clockView{Due: st.Due.String(), WorkdaysLeft: st.WorkdaysLeft, State: string(st.State), Provisional: st.Provisional, Explanation: st.Explanation}, nil
}

func (s *Server) applicationView(c *gin.Context, app *models.Application, full bool) (*applicationView, bool) {
	cal, ok := s.loadCalendar(c)
	if !ok {
		return nil, false
	}
	return s.applicationViewOn(c, cal, s.agencyRegion(c, app.AgencyID), app, full)
}

// applicationViewOn is applicationView on a calendar already loaded, so a
// list evaluates every row's clock on one calendar.
func (s *Server) applicationViewOn(c *gin.Context, cal *calendar.Calendar, region string, app *models.Application, full bool) (*applicationView, bool) {
	p := principal(c)
	clock, err := evaluateClock(cal, region, app)
	if err != nil {
		s.abortInternal(c, err)
		return nil, false
	}
	a := *app
	if !full || !slices.ContainsFunc(personalDataRoles, p.User.HasRole) {
		maskPersonal(&a)
	}
	return &applicationView{Application: &a, Clock: clock}, true
}

// maskPersonal keeps enough to recognise an applicant, no more.
func maskPersonal(a *models.Application) {
	a.ApplicantName = maskKeep(a.ApplicantName, 1, 0)
	a.IDDocument = maskKeep(a.IDDocument, 0, 4)
	a.Contact = maskKeep(a.Contact, 3, 2)
}

func maskKeep(s string, head, tail int) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= head+tail {
		return string(r[:1]) + strings.Repeat("*", len(r)-1)
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

func (s *Server) loadApplication(c *gin.Context) (*models.Application, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err == nil {
		var app *models.Application
		if app, err = models.ApplicationInAgencies(c.Request.Context(), s.DB, uint(id), principal(c).AgencyIDs); err == nil {
			return app, true
		}
		if !errors.Is(err, models.ErrNotFound) {
			s.abortInternal(c, err)
			return nil, false
		}
	}
	abort(c, http.StatusNotFound, CodeNotFound, "申请不存在")
	return nil, false
}

func (s *Server) getApplication(c *gin.Context) {
	app, ok := s.loadApplication(c)
	if !ok {
		return
	}
	v, ok := s.applicationView(c, app, true)
	if !ok {
		return
	}
	db := s.DB.WithContext(c.Request.Context())
	if err := db.Where("application_id = ?", app.ID).Order("id").Find(&v.Consultations).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	if err := db.Where("application_id = ?", app.ID).Order("id").Find(&v.Fees).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	var err error
	if v.History, err = models.AuditTrail(c.Request.Context(), s.DB, "application", strconv.FormatUint(uint64(app.ID), 10)); err != nil {
		s.abortInternal(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// listApplications lists the agency's applications by due date, with the
// clock of each and personal data masked.
func (s *Server) listApplications(c *gin.Context) {
	q := s.DB.WithContext(c.Request.Context()).Model(&models.Application{}).Where("agency_id IN ?", principal(c).AgencyIDs)
	if st := c.Query("status"); st != "" {
		q = q.Where("status = ?", st)
	}
	today := calendar.Today(time.Now()).String()
	open := []string{models.AppRegistered, models.AppCorrection, models.AppConsulting, models.AppFeePending, models.AppReplyReview, models.AppReplyReady}
	if c.Query("overdue") == "true" {
		q = q.Where("status IN ? AND due_on < ? AND clock_state <> ?", open, today, string(calendar.StatePaused))
	}
	if due := c.Query("due_before"); due != "" {
		if _, err := calendar.ParseDate(due); err != nil {
			abortField(c, "due_before", "日期无效（格式 YYYY-MM-DD）")
			return
		}
		q = q.Where("status IN ? AND due_on < ?", open, due)
	}
	if text := strings.TrimSpace(c.Query("q")); text != "" {
		like := "%" + models.EscapeLike(text) + "%"
		q = q.Where("(number LIKE ? ESCAPE '!' OR description LIKE ? ESCAPE '!')", like, like)
	}
	limit, offset := paging(c)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	var rows []models.Application
	if err := q.Order("due_on, id").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		s.abortInternal(c, err)
		return
	}
	cal, ok := s.loadCalendar(c)
	if !ok {
		return
	}
	regions := map[uint]string{}
	out := make([]*applicationView, 0, len(rows))
	for i := range rows {
		region, seen := regions[rows[i].AgencyID]
		if !seen {
			region = s.agencyRegion(c, rows[i].AgencyID)
			regions[rows[i].AgencyID] = region
		}
		v, ok := s.applicationViewOn(c, cal, region, &rows[i], false)
		if !ok {
			return
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"applications": out, "total": total, "limit": limit, "offset": offset})
}

// actionBody carries every action's fields; each action reads its own.
type actionBody struct {
	SentOn         string `json:"sent_on"`
	ReceivedOn     string `json:"received_on"`
	RepliedOn      string `json:"replied_on"`
	NotifiedOn     string `json:"notified_on"`
	PaidOn         string `json:"paid_on"`
	On             string `json:"on"`
	Items          string `json:"items"`
	PeriodWorkdays int    `json:"period_workdays"`
	Kind           string `json:"kind"`
	Party          string `json:"party"`
	Opinion        string `json:"opinion"`
	Workdays       int    `json:"workdays"`
	Reason         string `json:"reason"`
	DueOn          string `json:"due_on"`
	Close          bool   `json:"close"`
	Method         string `json:"method"`
	Pages          int    `json:"pages"`
	Outcome        string `json:"outcome"`
	Text           string `json:"text"`
}

// applicationAction sends one action to the application's workflow.
func (s *Server) applicationAction(update string) gin.HandlerFunc {
	return func(c *gin.Context) {
		app, ok := s.loadApplication(c)
		if !ok {
			return
		}
		if app.Status == models.AppArchived { // its workflow has ended: nothing more can happen to it
			abort(c, http.StatusConflict, CodeInvalidState, "申请已归档，不能再办理（当前状态 archived）")
			return
		}
		var b actionBody
		if c.Request.ContentLength != 0 && !bindJSON(c, &b) {
			return
		}
		a := workflows.AppAction{
			Actor: actorOf(principal(c)), Items: b.Items, PeriodWorkdays: b.PeriodWorkdays, Kind: b.Kind, Party: b.Party,
			Opinion: b.Opinion, Workdays: b.Workdays, Reason: b.Reason, DueOn: b.DueOn, Close: b.Close, Method: b.Method,
			Pages: b.Pages, Outcome: b.Outcome, Text: b.Text,
		}
		// The date each action records, under its own field name.
		a.On = map[string]string{
			workflows.UpdateCorrectionNotice: b.SentOn, workflows.UpdateCorrected: b.ReceivedOn, workflows.UpdateConsult: b.SentOn,
			workflows.UpdateConsultReply: b.RepliedOn, workflows.UpdateFeeNotice: b.NotifiedOn, workflows.UpdateFeePaid: b.PaidOn,
			workflows.UpdateSent: b.SentOn,
		}[update]
		if update == workflows.UpdateConsult {
			a.ReceivedOn = b.ReceivedOn
		}
		if a.On == "" {
			a.On = b.On
		}
		if a.On == "" {
			a.On = calendar.Today(time.Now()).String()
		}
		if cid := c.Param("cid"); cid != "" {
			n, _ := strconv.ParseUint(cid, 10, 32)
			a.ConsultationID = uint(n)
		}
		in := s.appInput(c, app)
		var res workflows.AppResult
		if !s.update(c, workflows.ApplicationWorkflowID(app.ID), s.appStartOptions(app), workflows.ApplicationWorkflow, in,
			update, s.updateID(c, update, app.ID, 0), a, &res) {
			return
		}
		c.JSON(http.StatusOK, res)
	}
}

// --- the applicant's page ------------------------------------------------------

// guessLimiter slows down guessing query codes: per client address, at
// most publicLookups lookups per minute.
type guessLimiter struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

const publicLookups = 20

func (g *guessLimiter) allow(addr string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hits == nil {
		g.hits = map[string][]time.Time{}
	}
	recent := g.hits[addr][:0]
	for _, t := range g.hits[addr] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= publicLookups {
		g.hits[addr] = recent
		return false
	}
	g.hits[addr] = append(recent, now)
	if len(g.hits) > 10000 { // forget idle addresses rather than grow without bound
		for k, v := range g.hits {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= time.Minute {
				delete(g.hits, k)
			}
		}
	}
	return true
}

// publicApplication is the applicant's own view: status, timeline and due
// date with its explanation, nothing personal beyond what they gave.
func (s *Server) publicApplication(c *gin.Context) {
	if !s.guesses.allow(c.ClientIP(), time.Now()) {
		c.Header("Retry-After", "60")
		abort(c, http.StatusTooManyRequests, CodeTooManyRequests, "查询过于频繁，请一分钟后再试")
		return
	}
	var app models.Application
	err := s.DB.WithContext(c.Request.Context()).Where("number = ?", c.Param("number")).First(&app).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !equalCode(app.QueryCode, c.Query("code"))) {
		abort(c, http.StatusNotFound, CodeNotFound, "申请编号或查询码不正确")
		return
	}
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	cal, ok := s.loadCalendar(c)
	if !ok {
		return
	}
	clock, err := evaluateClock(cal, s.agencyRegion(c, app.AgencyID), &app)
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	trail, err := models.AuditTrail(c.Request.Context(), s.DB, "application", strconv.FormatUint(uint64(app.ID), 10))
	if err != nil {
		s.abortInternal(c, err)
		return
	}
	timeline := make([]gin.H, 0, len(trail))
	for _, e := range trail {
		timeline = append(timeline, gin.H{"at": e.At, "action": e.Action, "label": actionLabels[e.Action]})
	}
	c.JSON(http.StatusOK, gin.H{
		"number": app.Number, "status": app.Status, "outcome": app.Outcome, "outcome_label": models.OutcomeNames[app.Outcome],
		"received_on": app.ReceivedOn, "description": app.Description, "clock": clock, "timeline": timeline,
		"sent_on": app.SentOn,
	})
}

// equalCode compares query codes in constant time.
func equalCode(want, got string) bool {
	if len(want) != len(got) || want == "" {
		return false
	}
	var diff byte
	for i := range len(want) {
		diff |= want[i] ^ strings.ToUpper(got)[i]
	}
	return diff == 0
}

// actionLabels names the timeline's steps for the applicant.
var actionLabels = map[string]string{
	"register": "登记", workflows.UpdateCorrectionNotice: "发出补正告知", workflows.UpdateCorrected: "收到补正后的申请",
	workflows.UpdateConsult: "征求意见（期间不计入答复期限）", workflows.UpdateConsultReply: "收到意见", "consultation_timed_out": "征求意见期限届满",
	workflows.UpdateExtension: "申请延长答复期限", "extension_approved": "延长答复期限", "extension_refused": "未延长答复期限",
	workflows.UpdateFeeNotice: "发出收费通知（期间不计入答复期限）", workflows.UpdateFeePaid: "已缴费",
	workflows.UpdateExcessive: "按条例第三十五条处理", workflows.UpdateReply: "起草答复", "reply_approved": "答复经审批",
	"reply_withdrawn": "答复撤回修改", workflows.UpdateSent: "送达答复", workflows.UpdateArchive: "归档",
	workflows.UpdateAppWithdraw: "申请人撤回申请", "correction_lapsed": "逾期未补正，不再处理", "fee_lapsed": "逾期未缴费，不再处理",
	"calendar_changed": "节假日调整，重新计算期限",
}
