package redressgrpc_test

import (
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// What a stream sends while it waits for a retry counts against the
// retry buffer too: past it, the stream is not retried, and what was sent
// is not kept to be sent again.
func TestStreamBufferLimitDuringBackoff(t *testing.T) {
	clk := redresstest.NewClock(time.Now())
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil,
		redress.WithClock(clk), redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second))))
	ctx := ctxWithTimeout(t, 10*time.Second)
	cs, err := conn.NewStream(ctx, chatDesc, chatMethod)
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "x")
	received := make(chan error, 1)
	go func() {
		_, err := recv(cs)
		received <- err
	}()
	clk.WaitForSleepers(1) // the first stream failed; the retry waits
	for i := range 1100 {
		if err := cs.SendMsg(wrapperspb.String(strconv.Itoa(i))); err != nil {
			break // io.EOF: the stream will not be retried
		}
	}
	clk.Advance(time.Second)
	_ = cs.CloseSend()
	if err := <-received; err == nil {
		t.Error("RecvMsg = nil; want the failure of the stream that was not retried")
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1: 1101 messages outgrow the retry buffer of 1024", got)
	}
}
