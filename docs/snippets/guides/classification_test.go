package guides_test

// The code of docs/classification.md.

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// statusError is an HTTP client's error: the default classifier reads its
// StatusCode and RetryAfter methods.
type statusError struct {
	code       int
	retryAfter time.Duration
}

func (e statusError) Error() string             { return http.StatusText(e.code) }
func (e statusError) StatusCode() int           { return e.code }
func (e statusError) RetryAfter() time.Duration { return e.retryAfter }

func ExampleClassifier_default() {
	err := error(statusError{code: 429, retryAfter: 2 * time.Second})
	c := classifier.Default.Classify(err)
	fmt.Println(c.Class, c.RetryAfter, c.Details) // RATE_LIMIT 2s map[http.status:429]
	// Output: RATE_LIMIT 2s map[http.status:429]
}

var (
	errInvalidInput    = errors.New("invalid input")
	errConnReset       = errors.New("connection reset")
	errSlowDown        = errors.New("slow down")
	errVersionConflict = errors.New("version conflict")
)

// markErr states the class of an operation's own errors.
func markErr(err error) error {
	switch {
	case errors.Is(err, errInvalidInput):
		return classifier.MarkPermanent(err) // never retried
	case errors.Is(err, errConnReset):
		return classifier.MarkTransient(err) // TRANSIENT
	case errors.Is(err, errSlowDown):
		return classifier.MarkRateLimited(err, 2*time.Second) // RATE_LIMIT, retry after 2s
	case errors.Is(err, errVersionConflict):
		return classifier.Mark(err, classifier.Concurrency) // any class
	}
	return err
}

func TestClassificationGuideMarkers(t *testing.T) {
	for _, tt := range []struct {
		give error
		want classifier.Classification
	}{
		{errInvalidInput, classifier.Classification{Class: classifier.Permanent}},
		{errConnReset, classifier.Classification{Class: classifier.Transient}},
		{errSlowDown, classifier.Classification{Class: classifier.RateLimit, RetryAfter: 2 * time.Second}},
		{errVersionConflict, classifier.Classification{Class: classifier.Concurrency}},
	} {
		marked := markErr(tt.give)
		got := classifier.Default.Classify(marked)
		if got.Class != tt.want.Class || got.RetryAfter != tt.want.RetryAfter || !errors.Is(marked, tt.give) {
			t.Errorf("markErr(%v): %v %v, want %v %v, still unwrapping to it", tt.give, got.Class, got.RetryAfter, tt.want.Class, tt.want.RetryAfter)
		}
	}
}

var errQuotaExceeded = errors.New("quota exceeded")

func TestClassificationGuideChain(t *testing.T) {
	quota := classifier.Func(func(err error) classifier.Classification {
		if errors.Is(err, errQuotaExceeded) {
			return classifier.Classification{Class: classifier.RateLimit, RetryAfter: time.Minute}
		}
		return classifier.Classification{} // not mine: let the next one decide
	})
	policy, err := redress.New(redress.WithClassifier(classifier.Chain(quota, classifier.Default)))
	if err != nil || policy == nil {
		t.Fatal(err)
	}
	chain := classifier.Chain(quota, classifier.Default)
	if got := chain.Classify(fmt.Errorf("billing: %w", errQuotaExceeded)); got.Class != classifier.RateLimit || got.RetryAfter != time.Minute {
		t.Errorf("quota error: %v %v, want RATE_LIMIT 1m", got.Class, got.RetryAfter)
	}
	if got := chain.Classify(statusError{code: 503}); got.Class != classifier.ServerError {
		t.Errorf("503 = %v, want SERVER_ERROR from Default", got.Class)
	}
}

func TestClassificationGuideHTTPResponse(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://api.example.com/v1/jobs?token=secret", nil)
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"3"}}}
	c, failed := classifier.HTTPResponse(req.Method, req.URL.Host, resp.StatusCode, resp.Header, time.Now())
	// c.Class from HTTPStatus; c.RetryAfter from the headers below;
	// c.Details: http.status, http.method, http.host.
	want := map[string]string{classifier.DetailHTTPStatus: "503", classifier.DetailHTTPMethod: "POST", classifier.DetailHTTPHost: "api.example.com"}
	if !failed || c.Class != classifier.ServerError || c.RetryAfter != 3*time.Second || fmt.Sprint(c.Details) != fmt.Sprint(want) {
		t.Errorf("HTTPResponse = %v, %v, want SERVER_ERROR 3s %v", c, failed, want)
	}
}
