package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// logGate quiets a server's logs while it stops and silences them once it
// has stopped. Stopping makes Temporal's internal clients log warnings as
// the services go away one by one (GOAWAY, connection refused) and errors
// for every call cut short (context canceled). Worse, a few of the server's
// own system workers (the scanners and the parent-close-policy processor in
// service/worker) are never stopped upstream: they keep polling the dead
// frontend, with backoff, for the life of the process, and log each
// failure. None of that is news to an operator.
type logGate struct {
	state atomic.Int32
}

const (
	gateOpen     int32 = iota
	gateStopping       // errors only, and not cancellations
	gateClosed         // nothing
)

func (g *logGate) set(state int32) { g.state.Store(state) }

func (g *logGate) allows(l slog.Level) bool {
	switch g.state.Load() {
	case gateOpen:
		return true
	case gateStopping:
		return l >= slog.LevelError
	default:
		return false
	}
}

// minLevelHandler drops records below min before they reach the wrapped
// handler. Temporal is chatty at info level (shard moves, membership, task
// queue loading), so the embedded server only passes warn and above by
// default, whatever level the application's own handler accepts.
type minLevelHandler struct {
	min  slog.Leveler
	gate *logGate
	h    slog.Handler
}

func (m minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min.Level() && m.gate.allows(l) && m.h.Enabled(ctx, l)
}

func (m minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return m.h.Handle(ctx, r)
}

func (m minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{min: m.min, gate: m.gate, h: m.h.WithAttrs(attrs)}
}

func (m minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{min: m.min, gate: m.gate, h: m.h.WithGroup(name)}
}

// slogLogger adapts a *slog.Logger to Temporal's log.Logger interface.
type slogLogger struct {
	l    *slog.Logger
	gate *logGate
}

var (
	_ log.Logger      = slogLogger{}
	_ log.WithLogger  = slogLogger{}
	_ log.SLogWrapper = slogLogger{}
)

// newTemporalLogger returns a Temporal logger writing to base, filtered to
// records at min or above and by gate. Callers tag base themselves (gongkai
// passes log.With("component", ...)); Temporal adds service=frontend etc.
func newTemporalLogger(base *slog.Logger, min slog.Leveler, gate *logGate) slogLogger {
	h := minLevelHandler{min: min, gate: gate, h: base.Handler()}
	return slogLogger{l: slog.New(h), gate: gate}
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic panics only in Temporal's development builds; here it is an error.
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// Panic and Fatal keep the contract the server code relies on: they do not
// return. Temporal's own zap logger behaves the same way.
func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}

func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	os.Exit(1)
}

// With returns a logger with tags attached to every record, so Temporal
// does not have to fall back to its slower tag-prepending wrapper.
func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	args := make([]any, len(tags))
	for i, t := range tags {
		args[i] = slog.Any(t.Key(), t.Value())
	}
	return slogLogger{l: s.l.With(args...), gate: s.gate}
}

// SLog lets Temporal code that wants a *slog.Logger (log.NewSlogLogger) use
// ours directly, level filter and gate included.
func (s slogLogger) SLog() *slog.Logger { return s.l }

func (s slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return // skip converting tags for records that would be dropped
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		v := t.Value()
		if s.gate.state.Load() == gateStopping && strings.Contains(fmt.Sprint(v), "context canceled") {
			return // a call cut short by the stop itself
		}
		attrs[i] = slog.Any(t.Key(), v)
	}
	s.l.LogAttrs(ctx, level, msg, attrs...)
}
