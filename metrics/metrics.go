// Package metrics exposes gongkai's Prometheus metrics: HTTP requests, and
// the Temporal SDK's client and worker metrics through a MetricsHandler
// adapter.
package metrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	sdkclient "go.temporal.io/sdk/client"
)

// Registry holds every metric a process exports.
type Registry struct {
	Prom         *prometheus.Registry
	HTTPRequests *prometheus.CounterVec
	HTTPDuration *prometheus.HistogramVec
	temporal     *temporalCollector
}

// New creates a registry with Go runtime, process, HTTP and Temporal metrics.
func New() *Registry {
	r := &Registry{
		Prom: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongkai_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gongkai_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		temporal: &temporalCollector{series: map[string]*series{}},
	}
	r.Prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.HTTPRequests, r.HTTPDuration, r.temporal)
	return r
}

// TemporalHandler is passed to client.Options.MetricsHandler.
func (r *Registry) TemporalHandler() sdkclient.MetricsHandler {
	return &handler{c: r.temporal}
}

// The SDK names metrics freely and attaches changing tag sets, which
// Prometheus' fixed-label vectors cannot take; so the SDK's metrics are kept
// as series in an unchecked collector and emitted as const metrics.

var timerBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

type kind int

const (
	kindCounter kind = iota
	kindGauge
	kindTimer
)

type series struct {
	name    string
	kind    kind
	labels  map[string]string
	value   float64  // counter total or gauge value
	count   uint64   // timer observations
	sum     float64  // timer seconds
	buckets []uint64 // timer cumulative counts per timerBuckets
}

type temporalCollector struct {
	mu     sync.Mutex
	series map[string]*series
}

func (c *temporalCollector) Describe(chan<- *prometheus.Desc) {} // unchecked

func (c *temporalCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.series {
		keys := make([]string, 0, len(s.labels))
		for k := range s.labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vals := make([]string, len(keys))
		for i, k := range keys {
			vals[i] = s.labels[k]
		}
		desc := prometheus.NewDesc(s.name, "Temporal SDK metric "+s.name+".", keys, nil)
		var m prometheus.Metric
		var err error
		switch s.kind {
		case kindCounter:
			m, err = prometheus.NewConstMetric(desc, prometheus.CounterValue, s.value, vals...)
		case kindGauge:
			m, err = prometheus.NewConstMetric(desc, prometheus.GaugeValue, s.value, vals...)
		case kindTimer:
			b := make(map[float64]uint64, len(timerBuckets))
			for i, ub := range timerBuckets {
				b[ub] = s.buckets[i]
			}
			m, err = prometheus.NewConstHistogram(desc, s.count, s.sum, b, vals...)
		}
		if err == nil {
			ch <- m
		}
	}
}

func (c *temporalCollector) get(name string, k kind, labels map[string]string) *series {
	name = "temporal_" + strings.TrimPrefix(sanitize(name), "temporal_")
	if k == kindTimer {
		name += "_seconds"
	}
	var key strings.Builder
	key.WriteString(name)
	keys := make([]string, 0, len(labels))
	for l := range labels {
		keys = append(keys, l)
	}
	sort.Strings(keys)
	for _, l := range keys {
		key.WriteString("|" + l + "=" + labels[l])
	}
	s, ok := c.series[key.String()]
	if !ok {
		clean := make(map[string]string, len(labels))
		for l, v := range labels {
			clean[sanitize(l)] = v
		}
		s = &series{name: name, kind: k, labels: clean}
		if k == kindTimer {
			s.buckets = make([]uint64, len(timerBuckets))
		}
		c.series[key.String()] = s
	}
	return s
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// handler implements the SDK's metrics.Handler.
type handler struct {
	c    *temporalCollector
	tags map[string]string
}

func (h *handler) WithTags(tags map[string]string) sdkclient.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &handler{c: h.c, tags: merged}
}

func (h *handler) Counter(name string) sdkclient.MetricsCounter { return counter{h, name} }
func (h *handler) Gauge(name string) sdkclient.MetricsGauge     { return gauge{h, name} }
func (h *handler) Timer(name string) sdkclient.MetricsTimer     { return timer{h, name} }

type counter struct {
	h    *handler
	name string
}

func (m counter) Inc(d int64) {
	m.h.c.mu.Lock()
	m.h.c.get(m.name, kindCounter, m.h.tags).value += float64(d)
	m.h.c.mu.Unlock()
}

type gauge struct {
	h    *handler
	name string
}

func (m gauge) Update(v float64) {
	m.h.c.mu.Lock()
	m.h.c.get(m.name, kindGauge, m.h.tags).value = v
	m.h.c.mu.Unlock()
}

type timer struct {
	h    *handler
	name string
}

func (m timer) Record(d time.Duration) {
	secs := d.Seconds()
	m.h.c.mu.Lock()
	s := m.h.c.get(m.name, kindTimer, m.h.tags)
	s.count++
	s.sum += secs
	for i, ub := range timerBuckets {
		if secs <= ub {
			s.buckets[i]++
		}
	}
	m.h.c.mu.Unlock()
}
