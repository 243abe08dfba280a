package redressprom_test

// The code of docs/observability.md for this module; internal/docsync's
// TestGuides finds the guide's blocks in this file.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/redress-go/redress"
	redressprom "github.com/redress-go/redress/contrib/prometheus"
)

// usersPolicy is the policy serveMetrics builds.
var usersPolicy *redress.Policy

// serveMetrics wires the metrics of a policy to /metrics.
func serveMetrics() error {
	metrics, err := redressprom.New(prometheus.DefaultRegisterer)
	if err != nil {
		return err
	}
	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(metrics),
	)
	http.Handle("/metrics", promhttp.Handler())
	usersPolicy = policy
	return nil
}

func TestObservabilityGuide(t *testing.T) {
	if err := serveMetrics(); err != nil {
		t.Fatal(err)
	}
	if err := redress.Do(context.Background(), func(context.Context) error { return nil }, usersPolicy); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body := rec.Body.String(); !strings.Contains(body, `redress_retry_duration_seconds_count{error_class="",operation="users.get",stop_reason=""} 1`) {
		t.Errorf("/metrics does not count the call:\n%s", body)
	}
}
