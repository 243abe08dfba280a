package main

import (
	"container/heap"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// Backend models the dependency the clients call.
type Backend struct {
	FailureRate float64       // chance that an attempt fails TRANSIENT outside the outage
	OutageStart time.Duration // the outage window, from the start of the run:
	OutageEnd   time.Duration // every attempt in it fails SERVER_ERROR
	Latency     time.Duration // how long an attempt takes
	Capacity    int           // attempts in flight it serves; beyond, it fails SERVER_ERROR at once (0: no limit)
}

// Load is the traffic: Clients each make a call, wait for it to end, think
// for Think, and call again, for Duration of virtual time.
type Load struct {
	Clients  int
	Think    time.Duration
	Duration time.Duration
	Seed     uint64
}

// Result is what a run measured.
type Result struct {
	Label        string
	Calls        int             // calls made by the clients
	Sent         int             // attempts that reached the backend
	Succeeded    int             // calls that succeeded
	Latencies    []time.Duration // of every call, sorted
	BreakerOpen  time.Duration   // time the breaker spent open
	BudgetDenied int             // retries the budget refused
	Rejected     int             // calls the open breaker refused
	Load         []int           // attempts reaching the backend per Bucket
	Bucket       time.Duration
}

// Amplification returns attempts sent per call made.
func (r Result) Amplification() float64 { return float64(r.Sent) / math.Max(1, float64(r.Calls)) }

// SuccessRate returns the share of calls that succeeded.
func (r Result) SuccessRate() float64 { return float64(r.Succeeded) / math.Max(1, float64(r.Calls)) }

// Percentile returns the p-th percentile (0 to 1) of call latency.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[min(len(r.Latencies)-1, int(p*float64(len(r.Latencies))))]
}

// event is something that happens at a virtual instant.
type event struct {
	at     time.Duration
	seq    int // ties keep the order they were scheduled in
	client int
	kind   eventKind
}

type eventKind uint8

const (
	startCall eventKind = iota
	sendAttempt
	attemptDone
)

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// call is one client's call in progress.
type call struct {
	start   time.Duration
	attempt int
	tracker retry.Tracker
	ticket  breaker.Ticket
	result  classifier.Class // of the attempt in flight
	ok      bool
}

// simulate runs load against backend through the policy p, whose clock
// must be clk. It is a discrete-event loop: the virtual clock jumps from
// one event to the next, so minutes of traffic take milliseconds. The
// decisions are the policy's own: its retry engine (p.Retry().Decide, the
// rules Execute applies), its breaker and its budget, each asked exactly
// where Execute asks them and told what Execute tells them.
func simulate(p *redress.Policy, clk *redresstest.Clock, be Backend, ld Load, bucket time.Duration, progress func(float64)) Result {
	rng := rand.New(rand.NewPCG(ld.Seed, ld.Seed^0x9e3779b97f4a7c15))
	res := Result{Bucket: bucket, Load: make([]int, int((ld.Duration+bucket-1)/bucket))}
	rp, br, bud := p.Retry(), p.Breaker(), p.Budget()
	learner, _ := bud.(budget.Learner)
	classAware, _ := bud.(budget.ClassAware)
	deadline, attemptTimeout := p.Deadline(), p.AttemptTimeout()
	t0 := clk.Now()
	now := time.Duration(0)
	var q queue
	seq := 0
	push := func(at time.Duration, c int, k eventKind) {
		seq++
		heap.Push(&q, event{at: at, seq: seq, client: c, kind: k})
	}
	calls := make([]call, ld.Clients)
	for c := range ld.Clients {
		// Clients start spread over one think time, as a fleet does.
		push(time.Duration(rng.Int64N(int64(max(ld.Think, 1)))), c, startCall)
	}
	inFlight := 0
	var openSince time.Duration = -1
	watchBreaker := func() {
		b, ok := br.(*breaker.Breaker)
		if !ok {
			return
		}
		switch open := b.State() == breaker.Open; {
		case open && openSince < 0:
			openSince = now
		case !open && openSince >= 0:
			res.BreakerOpen += now - openSince
			openSince = -1
		}
	}
	end := func(c int, ok bool, class classifier.Class, reason redress.StopReason) {
		cl := &calls[c]
		res.Calls++
		if ok {
			res.Succeeded++
		}
		res.Latencies = append(res.Latencies, now-cl.start)
		if br != nil && reason != redress.StopCircuitOpen {
			o := breaker.Success
			if !ok {
				o = breaker.Failure
			}
			br.Record(cl.ticket, o, class)
		}
		if now+ld.Think < ld.Duration {
			push(now+ld.Think, c, startCall)
		}
	}
	lastReport := 0.0
	for q.Len() > 0 {
		e := heap.Pop(&q).(event)
		if e.at > now {
			clk.Advance(e.at - now)
			now = e.at
		}
		if progress != nil && float64(now)/float64(ld.Duration) >= lastReport+0.01 {
			lastReport = float64(now) / float64(ld.Duration)
			progress(lastReport)
		}
		watchBreaker()
		cl := &calls[e.client]
		switch e.kind {
		case startCall:
			*cl = call{start: now}
			if br != nil {
				t, err := br.Allow()
				if err != nil {
					res.Rejected++
					end(e.client, false, classifier.Unknown, redress.StopCircuitOpen)
					continue
				}
				cl.ticket = t
			}
			if learner != nil {
				learner.RecordRequest()
			}
			push(now, e.client, sendAttempt)
		case sendAttempt:
			cl.attempt++
			res.Sent++
			if i := int(now / bucket); i < len(res.Load) {
				res.Load[i]++
			}
			took := be.Latency
			switch {
			case now >= be.OutageStart && now < be.OutageEnd:
				cl.ok, cl.result = false, classifier.ServerError
			case be.Capacity > 0 && inFlight >= be.Capacity:
				cl.ok, cl.result, took = false, classifier.ServerError, 0
			case rng.Float64() < be.FailureRate:
				cl.ok, cl.result = false, classifier.Transient
			default:
				cl.ok = true
			}
			if attemptTimeout > 0 && took > attemptTimeout {
				cl.ok, cl.result, took = false, classifier.Transient, attemptTimeout
			}
			if deadline > 0 && now+took > cl.start+deadline {
				took = max(0, cl.start+deadline-now)
				cl.ok, cl.result = false, classifier.Transient
			}
			inFlight++
			push(now+took, e.client, attemptDone)
		case attemptDone:
			inFlight--
			if learner != nil {
				learner.RecordOutcome(cl.ok)
			}
			if cl.ok {
				if classAware != nil {
					classAware.RecordSuccess(cl.attempt > 1, classifier.Classification{Class: cl.result}, nil)
				}
				end(e.client, true, 0, "")
				continue
			}
			w := retry.NoDeadline
			if deadline > 0 {
				w.Deadline = cl.start + deadline - now
			}
			d := rp.Decide(&cl.tracker, cl.attempt, classifier.Classification{Class: cl.result}, w)
			if !d.Retry {
				end(e.client, false, cl.result, redress.StopReason(d.Reason))
				continue
			}
			if bud != nil {
				var allowed bool
				var err error
				if classAware != nil {
					allowed, err = classAware.AllowRetryFor(context.Background(), errSim, classifier.Classification{Class: cl.result})
				} else {
					allowed, err = bud.AllowRetry(context.Background())
				}
				if !allowed || err != nil {
					res.BudgetDenied++
					end(e.client, false, cl.result, redress.StopBudgetExhausted)
					continue
				}
			}
			push(now+d.Delay, e.client, sendAttempt)
		}
	}
	if openSince >= 0 {
		res.BreakerOpen += now - openSince
	}
	slices.Sort(res.Latencies)
	_ = t0
	return res
}

var errSim = errors.New("simulated failure")
