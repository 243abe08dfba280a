package benchmarks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresshttp"
)

// BenchmarkHTTPGet sends a GET to a loopback server that answers a short
// 200 and reads the whole answer: through a bare http.Client, through
// redresshttp's Transport (the default policy, and a prebuilt policy with a
// breaker and a budget), and through hashicorp/go-retryablehttp's client.
// Every client sends over the same http.Transport, so the differences are
// what each library adds. The counts include the server's allocations,
// which are the same for every row: read them as differences from "bare".
func BenchmarkHTTPGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()

	retryable := retryablehttp.NewClient()
	retryable.HTTPClient = &http.Client{Transport: base}
	retryable.Logger = nil // it logs every request by default

	clients := []struct {
		name string
		get  func(url string) (*http.Response, error)
	}{
		{"bare", (&http.Client{Transport: base}).Get},
		{"redresshttp/default", (&http.Client{Transport: &redresshttp.Transport{Base: base}}).Get},
		{"redresshttp/prebuilt", (&http.Client{Transport: &redresshttp.Transport{Base: base,
			Policy: prebuilt(b)}}).Get},
		{"redresshttp/prebuilt/without-deadline", (&http.Client{Transport: &redresshttp.Transport{Base: base,
			Policy: prebuilt(b, redress.WithoutDeadline())}}).Get},
		{"go-retryablehttp", retryable.Get},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.get(srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d, want 200", resp.StatusCode)
				}
			}
		})
	}
}
