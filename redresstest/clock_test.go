package redresstest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/redresstest"
)

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

func TestWaitForSleepersContext(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	ctx, cancel := context.WithCancelCause(context.Background())
	errGaveUp := errors.New("gave up")
	cancel(errGaveUp)
	if err := clk.WaitForSleepersContext(ctx, 1); !errors.Is(err, errGaveUp) {
		t.Errorf("with no sleeper and a done context: err = %v, want %v", err, errGaveUp)
	}
	if err := clk.WaitForSleepersContext(ctx, 0); err != nil {
		t.Errorf("waiting for 0 sleepers: err = %v, want nil", err)
	}

	woke := make(chan struct{})
	go func() {
		<-clk.NewTimer(time.Second).C()
		close(woke)
	}()
	if err := clk.WaitForSleepersContext(t.Context(), 1); err != nil {
		t.Fatalf("with a sleeper: err = %v, want nil", err)
	}
	// A sleeper is pending, so even a done context reports success.
	if err := clk.WaitForSleepersContext(ctx, 1); err != nil {
		t.Errorf("with a sleeper and a done context: err = %v, want nil", err)
	}
	clk.Advance(time.Second)
	<-woke
}

func TestWaitForSleepersContextWakesOnLaterSleeper(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	waited := make(chan error)
	go func() { waited <- clk.WaitForSleepersContext(t.Context(), 2) }()
	first := clk.NewTimer(time.Second)
	select {
	case err := <-waited:
		t.Fatalf("returned %v with one sleeper of two", err)
	default:
	}
	second := clk.NewTimer(time.Second)
	if err := <-waited; err != nil {
		t.Errorf("err = %v, want nil", err)
	}
	first.Stop()
	second.Stop()
}

func TestUntilNextAndAdvanceToNext(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	if d, ok := clk.UntilNext(); ok || d != 0 {
		t.Errorf("UntilNext() with no timer = %v, %v; want 0, false", d, ok)
	}
	if d := clk.AdvanceToNext(); d != 0 {
		t.Errorf("AdvanceToNext() with no timer = %v, want 0", d)
	}
	var fired []string
	clk.AfterFunc(3*time.Second, func() { fired = append(fired, "3s") })
	clk.AfterFunc(time.Second, func() { fired = append(fired, "1s") })
	sleep := clk.NewTimer(2 * time.Second)

	type step struct {
		Until  time.Duration
		Moved  time.Duration
		Fired  []string
		Woke   bool
		Offset time.Duration
	}
	var got []step
	for range 3 {
		until, _ := clk.UntilNext()
		moved := clk.AdvanceToNext()
		woke := false
		select {
		case <-sleep.C():
			woke = true
		default:
		}
		got = append(got, step{until, moved, append([]string(nil), fired...), woke, clk.Now().Sub(epoch)})
	}
	want := []step{
		{Until: time.Second, Moved: time.Second, Fired: []string{"1s"}, Offset: time.Second},
		{Until: time.Second, Moved: time.Second, Fired: []string{"1s"}, Woke: true, Offset: 2 * time.Second},
		{Until: time.Second, Moved: time.Second, Fired: []string{"1s", "3s"}, Offset: 3 * time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

func TestWakeSleepers(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	if d := clk.WakeSleepers(); d != 0 {
		t.Errorf("WakeSleepers() with no sleeper = %v, want 0", d)
	}
	late := false
	clk.AfterFunc(time.Hour, func() { late = true })
	a := clk.NewTimer(time.Second)
	b := clk.NewTimer(3 * time.Second)
	if d := clk.WakeSleepers(); d != 3*time.Second {
		t.Errorf("WakeSleepers() = %v, want 3s", d)
	}
	for i, tm := range []interface{ C() <-chan time.Time }{a, b} {
		select {
		case <-tm.C():
		default:
			t.Errorf("sleeper %d still asleep", i)
		}
	}
	if late {
		t.Error("an AfterFunc due after the last sleep fired")
	}
	if got := clk.Sleepers(); got != 0 {
		t.Errorf("Sleepers() = %d, want 0", got)
	}
	if got, want := clk.Now(), epoch.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}
