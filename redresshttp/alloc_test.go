package redresshttp_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/redresshttp"
)

// maxExtraAllocs is the most allocations a GET through a Transport may
// make beyond the same GET through a bare http.Client.
const maxExtraAllocs = 12

// TestTransportAllocations checks that a successful GET through a
// Transport costs at most maxExtraAllocs allocations more than through
// the http.Transport it wraps, with the default policy and with a
// prebuilt policy with a breaker and a budget. The counts include the
// loopback server's, the same for both.
func TestTransportAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	srv, base := getServer(t)
	allocs := func(rt http.RoundTripper) float64 {
		client := &http.Client{Transport: rt}
		get(t, client, srv.URL) // a connection to reuse
		return testing.AllocsPerRun(2000, func() { get(t, client, srv.URL) })
	}
	bare := allocs(base)
	tests := []struct {
		name string
		give *redresshttp.Transport
	}{
		{name: "default policy", give: &redresshttp.Transport{Base: base}},
		{name: "breaker and budget", give: &redresshttp.Transport{Base: base, Policy: redress.MustNew(
			redress.WithBreaker(breaker.New()), redress.WithBudget(budget.New(100, time.Minute)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := math.Round(allocs(tt.give) - bare)
			t.Logf("%v allocations per GET beyond a bare client's %v", extra, bare)
			if extra > maxExtraAllocs {
				t.Errorf("a GET through the Transport allocates %v times more than a bare client; want at most %d", extra, maxExtraAllocs)
			}
		})
	}
}
