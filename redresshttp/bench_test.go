package redresshttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/redresshttp"
)

// getServer starts a loopback server that answers every request with a
// short 200, and a client Transport for it, both closed when the test or
// benchmark ends.
func getServer(tb testing.TB) (*httptest.Server, *http.Transport) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	tb.Cleanup(srv.Close)
	base := &http.Transport{}
	tb.Cleanup(base.CloseIdleConnections)
	return srv, base
}

// get sends one GET through client and reads the whole answer.
func get(tb testing.TB, client *http.Client, url string) {
	resp, err := client.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// BenchmarkGet compares a GET through a bare http.Client with the same
// GET through a Transport: with the default policy (a 60 s deadline), and
// with a prebuilt policy with a breaker and a budget.
func BenchmarkGet(b *testing.B) {
	srv, base := getServer(b)
	policy := redress.MustNew(redress.WithBreaker(breaker.New()), redress.WithBudget(budget.New(100, time.Minute)))
	for _, bb := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"bare", base},
		{"transport/default", &redresshttp.Transport{Base: base}},
		{"transport/breaker+budget", &redresshttp.Transport{Base: base, Policy: policy}},
		{"transport/operation", &redresshttp.Transport{Base: base, Policy: policy,
			Operation: func(*http.Request) string { return "users.get" }}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			client := &http.Client{Transport: bb.rt}
			b.ReportAllocs()
			for b.Loop() {
				get(b, client, srv.URL)
			}
		})
	}
}
