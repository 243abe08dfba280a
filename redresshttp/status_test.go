package redresshttp_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
)

func TestCheckResponse(t *testing.T) {
	now := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)
	tests := []struct {
		name       string
		giveCode   int
		giveHeader http.Header
		want       error
	}{
		{name: "200", giveCode: 200, want: nil},
		{name: "204", giveCode: 204, want: nil},
		{name: "304", giveCode: 304, want: nil},
		{name: "404", giveCode: 404, want: &redresshttp.StatusError{Code: 404, Status: "404 Not Found"}},
		{name: "500 with Retry-After: read, the server asks", giveCode: 500, giveHeader: http.Header{"Retry-After": {"5"}},
			want: &redresshttp.StatusError{Code: 500, Status: "500 Internal Server Error", Wait: 5 * time.Second}},
		{name: "429 with Retry-After-Ms before Retry-After", giveCode: 429,
			giveHeader: http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"7"}},
			want:       &redresshttp.StatusError{Code: 429, Status: "429 Too Many Requests", Wait: 1500 * time.Millisecond}},
		{name: "429 with seconds", giveCode: 429, giveHeader: http.Header{"Retry-After": {"7"}},
			want: &redresshttp.StatusError{Code: 429, Status: "429 Too Many Requests", Wait: 7 * time.Second}},
		{name: "503 with a date, relative to now", giveCode: 503,
			giveHeader: http.Header{"Retry-After": {"Sun, 06 Nov 1994 08:50:37 GMT"}},
			want:       &redresshttp.StatusError{Code: 503, Status: "503 Service Unavailable", Wait: time.Minute}},
		{name: "503 with a date, relative to the response's Date", giveCode: 503,
			giveHeader: http.Header{"Date": {"Sun, 06 Nov 1994 08:50:00 GMT"}, "Retry-After": {"Sun, 06 Nov 1994 08:50:37 GMT"}},
			want:       &redresshttp.StatusError{Code: 503, Status: "503 Service Unavailable", Wait: 37 * time.Second}},
		{name: "503 with a bad Date: relative to now", giveCode: 503,
			giveHeader: http.Header{"Date": {"yesterday"}, "Retry-After": {"Sun, 06 Nov 1994 08:50:37 GMT"}},
			want:       &redresshttp.StatusError{Code: 503, Status: "503 Service Unavailable", Wait: time.Minute}},
		{name: "429 with a bad Retry-After", giveCode: 429, giveHeader: http.Header{"Retry-After": {"soon"}},
			want: &redresshttp.StatusError{Code: 429, Status: "429 Too Many Requests"}},
		{name: "429 with a hostile Retry-After, uncapped", giveCode: 429, giveHeader: http.Header{"Retry-After": {"99999999999"}},
			want: &redresshttp.StatusError{Code: 429, Status: "429 Too Many Requests", Wait: time.Duration(1<<63 - 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &closeCounter{Reader: strings.NewReader("body")}
			resp := &http.Response{StatusCode: tt.giveCode, Header: tt.giveHeader, Body: body,
				Status: strconv.Itoa(tt.giveCode) + " " + http.StatusText(tt.giveCode)}

			err := redresshttp.CheckResponse(resp, now)
			if diff := cmp.Diff(tt.want, err); diff != "" {
				t.Errorf("CheckResponse (-want +got):\n%s", diff)
			}
			if body.closed != 0 {
				t.Errorf("CheckResponse closed the body")
			}
		})
	}
}

// classifier.Default classifies a StatusError by its status, even wrapped.
func TestStatusErrorIsClassifiedByDefault(t *testing.T) {
	tests := []struct {
		name string
		give error
		want classifier.Classification
	}{
		{
			name: "503",
			give: &redresshttp.StatusError{Code: 503},
			want: classifier.Classification{Class: classifier.ServerError, Details: map[string]string{"http.status": "503"}},
		},
		{
			name: "429 with a wait, wrapped",
			give: errors.Join(errors.New("fetching"), &redresshttp.StatusError{Code: 429, Wait: 3 * time.Second}),
			want: classifier.Classification{Class: classifier.RateLimit, RetryAfter: 3 * time.Second,
				Details: map[string]string{"http.status": "429"}},
		},
		{
			name: "404",
			give: &redresshttp.StatusError{Code: 404},
			want: classifier.Classification{Class: classifier.Permanent, Details: map[string]string{"http.status": "404"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, classifier.Default.Classify(tt.give)); diff != "" {
				t.Errorf("Default.Classify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusErrorMessage(t *testing.T) {
	tests := []struct {
		give *redresshttp.StatusError
		want string
	}{
		{give: &redresshttp.StatusError{Code: 503, Status: "503 Service Unavailable"}, want: "redresshttp: status 503 Service Unavailable"},
		{give: &redresshttp.StatusError{Code: 418}, want: "redresshttp: status 418 I'm a teapot"},
	}
	for _, tt := range tests {
		if got := tt.give.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}

func TestNewClientRejectsInvalidOptions(t *testing.T) {
	client, err := redresshttp.NewClient(redress.WithDeadline(-time.Second))
	if client != nil || !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("NewClient = %v, %v; want an error matching ErrInvalidConfig", client, err)
	}
}
