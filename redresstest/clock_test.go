package redresstest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/redresstest"
)

var epoch = time.Unix(0, 0)

func TestClockAdvanceFiresTimersInOrder(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	var got []string
	var mu sync.Mutex
	record := func(s string) func() {
		return func() { mu.Lock(); got = append(got, s+"@"+clk.Now().Sub(epoch).String()); mu.Unlock() }
	}
	clk.AfterFunc(3*time.Second, record("c"))
	clk.AfterFunc(time.Second, record("a"))
	clk.AfterFunc(time.Second, record("b"))
	stopped := clk.AfterFunc(2*time.Second, record("stopped"))
	if !stopped.Stop() {
		t.Error("Stop of a pending timer = false, want true")
	}
	if stopped.Stop() {
		t.Error("second Stop = true, want false")
	}
	clk.Advance(2 * time.Second)
	if diff := cmp.Diff([]string{"a@1s", "b@1s"}, got); diff != "" {
		t.Errorf("after 2s (-want +got):\n%s", diff)
	}
	clk.Advance(time.Second)
	if diff := cmp.Diff([]string{"a@1s", "b@1s", "c@3s"}, got); diff != "" {
		t.Errorf("after 3s (-want +got):\n%s", diff)
	}
	if got, want := clk.Now(), epoch.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

func TestClockSleepBlocksUntilAdvance(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	woke := make(chan time.Time)
	go func() {
		tm := clk.NewTimer(5 * time.Second)
		woke <- <-tm.C()
	}()
	clk.WaitForSleepers(1)
	clk.Advance(4 * time.Second)
	select {
	case at := <-woke:
		t.Fatalf("woke at %v before its time", at)
	default:
	}
	if got := clk.Sleepers(); got != 1 {
		t.Errorf("Sleepers() = %d, want 1", got)
	}
	clk.Advance(time.Second)
	if at := <-woke; !at.Equal(epoch.Add(5 * time.Second)) {
		t.Errorf("woke at %v, want %v", at, epoch.Add(5*time.Second))
	}
	if got := clk.Sleepers(); got != 0 {
		t.Errorf("Sleepers() after waking = %d, want 0", got)
	}
	if diff := cmp.Diff([]time.Duration{5 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("Sleeps() (-want +got):\n%s", diff)
	}
}

func TestClockStoppedSleepIsNotPending(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	tm := clk.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop = false, want true")
	}
	if got := clk.Sleepers(); got != 0 {
		t.Errorf("Sleepers() = %d, want 0", got)
	}
	clk.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Error("a stopped timer fired")
	default:
	}
}

func TestClockZeroSleepFiresAtOnce(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	tm := clk.NewTimer(0)
	select {
	case <-tm.C():
	default:
		t.Error("a zero sleep did not fire at once")
	}
	if got := clk.Now(); !got.Equal(epoch) {
		t.Errorf("Now() = %v, want %v", got, epoch)
	}
}

func TestAutoClockAdvancesOnSleep(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	fired := false
	clk.AfterFunc(1500*time.Millisecond, func() { fired = true })
	for _, d := range []time.Duration{time.Second, 2 * time.Second} {
		tm := clk.NewTimer(d)
		select {
		case <-tm.C():
		default:
			t.Fatalf("sleep of %v did not return at once", d)
		}
	}
	if !fired {
		t.Error("a timer due during an auto-advanced sleep did not fire")
	}
	if got, want := clk.Now(), epoch.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("Sleeps() (-want +got):\n%s", diff)
	}
}

func TestClockConcurrentSleepers(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-clk.NewTimer(time.Duration(i+1) * time.Millisecond).C()
		}()
	}
	clk.WaitForSleepers(n)
	clk.Advance(n * time.Millisecond)
	wg.Wait()
	if got := len(clk.Sleeps()); got != n {
		t.Errorf("len(Sleeps()) = %d, want %d", got, n)
	}
}

func TestSequence(t *testing.T) {
	tests := []struct {
		name string
		give []time.Duration
		want []time.Duration // delays after attempts 1..4
	}{
		{"exact then last repeats", []time.Duration{time.Second, 2 * time.Second}, []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{"empty is zero", nil, []time.Duration{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := redresstest.Sequence(tt.give...)
			var got []time.Duration
			for n := 1; n <= 4; n++ {
				got = append(got, s.Delay(backoffInput(n)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("delays (-want +got):\n%s", diff)
			}
		})
	}
}
