package redressgrpc_test

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/redress-go/redress/classifier"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/retry"
)

// wantClass is the class of every status code: the table of docs/grpc.md.
var wantClass = map[codes.Code]classifier.Class{
	codes.OK:                 classifier.Unknown,
	codes.Canceled:           classifier.Permanent,
	codes.Unknown:            classifier.Unknown,
	codes.InvalidArgument:    classifier.Permanent,
	codes.DeadlineExceeded:   classifier.Transient,
	codes.NotFound:           classifier.Permanent,
	codes.AlreadyExists:      classifier.Permanent,
	codes.PermissionDenied:   classifier.Permission,
	codes.ResourceExhausted:  classifier.RateLimit,
	codes.FailedPrecondition: classifier.Permanent,
	codes.Aborted:            classifier.Concurrency,
	codes.OutOfRange:         classifier.Permanent,
	codes.Unimplemented:      classifier.Permanent,
	codes.Internal:           classifier.ServerError,
	codes.Unavailable:        classifier.Transient,
	codes.DataLoss:           classifier.ServerError,
	codes.Unauthenticated:    classifier.Auth,
}

func TestCodeClassCoversEveryCode(t *testing.T) {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		want, ok := wantClass[c]
		if !ok {
			t.Fatalf("no expected class for %v", c)
		}
		if got := redressgrpc.CodeClass(c); got != want {
			t.Errorf("CodeClass(%v) = %v, want %v", c, got, want)
		}
	}
	if got := redressgrpc.CodeClass(codes.Code(99)); got != classifier.Unknown {
		t.Errorf("CodeClass(99) = %v, want UNKNOWN", got)
	}
}

// trailerCarrier is a status error with a trailer, as the client
// interceptors carry them.
type trailerCarrier struct {
	err      error
	pushback []string
}

func (e *trailerCarrier) Error() string { return e.err.Error() }
func (e *trailerCarrier) Unwrap() error { return e.err }
func (e *trailerCarrier) Trailer() metadata.MD {
	return metadata.MD{redressgrpc.PushbackKey: e.pushback}
}

func retryInfo(d time.Duration) *errdetails.RetryInfo {
	return &errdetails.RetryInfo{RetryDelay: durationpb.New(d)}
}

func withDetails(code codes.Code, details ...*errdetails.RetryInfo) error {
	st := status.New(code, "x")
	for _, d := range details {
		var err error
		if st, err = st.WithDetails(d); err != nil {
			panic(err)
		}
	}
	return st.Err()
}

func TestClassifier(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "down")
	tests := []struct {
		name string
		give error
		want classifier.Classification
	}{
		{"nil", nil, classifier.Classification{}},
		{"status", unavailable, classifier.Classification{
			Class: classifier.Transient, Details: map[string]string{"grpc.code": "Unavailable"}}},
		{"wrapped status", fmt.Errorf("calling: %w", status.Error(codes.NotFound, "no")), classifier.Classification{
			Class: classifier.Permanent, Details: map[string]string{"grpc.code": "NotFound"}}},
		{"no status falls through to Default", io.ErrUnexpectedEOF, classifier.Classification{Class: classifier.Transient}},
		{"no status, nothing known", errors.New("boom"), classifier.Classification{Class: classifier.Unknown}},
		{"a marker wins", classifier.MarkPermanent(unavailable), classifier.Classification{Class: classifier.Permanent}},
		{"attempt timeout is TRANSIENT", fmt.Errorf("%w: %w", classifier.ErrAttemptTimeout, status.Error(codes.Canceled, "cut")),
			classifier.Classification{Class: classifier.Transient, Details: map[string]string{"grpc.code": "Canceled"}}},
		{"pushback", &trailerCarrier{unavailable, []string{"1500"}}, classifier.Classification{
			Class: classifier.Transient, RetryAfter: 1500 * time.Millisecond,
			Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "1500"}}},
		{"zero pushback", &trailerCarrier{unavailable, []string{"0"}}, classifier.Classification{
			Class: classifier.Transient, Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "0"}}},
		{"negative pushback: do not retry", &trailerCarrier{unavailable, []string{"-1"}}, classifier.Classification{
			Class: classifier.Permanent, Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "-1"}}},
		{"unreadable pushback: do not retry", &trailerCarrier{unavailable, []string{"1.5s"}}, classifier.Classification{
			Class: classifier.Permanent, Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "1.5s"}}},
		{"two pushbacks: do not retry", &trailerCarrier{unavailable, []string{"1", "2"}}, classifier.Classification{
			Class: classifier.Permanent, Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "1"}}},
		{"huge pushback is capped", &trailerCarrier{unavailable, []string{"99999999999999999999"}}, classifier.Classification{
			Class: classifier.Transient, RetryAfter: retry.DefaultMaxRetryAfter,
			Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "99999999999999999999"}}},
		{"RetryInfo", withDetails(codes.ResourceExhausted, retryInfo(3*time.Second)), classifier.Classification{
			Class: classifier.RateLimit, RetryAfter: 3 * time.Second, Details: map[string]string{"grpc.code": "ResourceExhausted"}}},
		{"RetryInfo is capped", withDetails(codes.Unavailable, retryInfo(time.Hour)), classifier.Classification{
			Class: classifier.Transient, RetryAfter: retry.DefaultMaxRetryAfter, Details: map[string]string{"grpc.code": "Unavailable"}}},
		{"negative RetryInfo counts as none", withDetails(codes.Unavailable, retryInfo(-time.Second)), classifier.Classification{
			Class: classifier.Transient, Details: map[string]string{"grpc.code": "Unavailable"}}},
		{"the longer of pushback and RetryInfo", &trailerCarrier{withDetails(codes.Unavailable, retryInfo(2*time.Second)), []string{"1000"}},
			classifier.Classification{Class: classifier.Transient, RetryAfter: 2 * time.Second,
				Details: map[string]string{"grpc.code": "Unavailable", "grpc.retry_pushback_ms": "1000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redressgrpc.Classifier.Classify(tt.give)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzClassifierPushback(f *testing.F) {
	for _, s := range []string{"0", "1500", "-1", "soon", "", "99999999999999999999", "-99999999999999999999", "+5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := redressgrpc.Classifier.Classify(&trailerCarrier{status.Error(codes.Unavailable, "x"), []string{v}})
		if c.RetryAfter < 0 || c.RetryAfter > retry.DefaultMaxRetryAfter {
			t.Errorf("RetryAfter %v out of [0, %v]", c.RetryAfter, retry.DefaultMaxRetryAfter)
		}
		if c.Class != classifier.Transient && c.Class != classifier.Permanent {
			t.Errorf("class %v, want TRANSIENT or PERMANENT", c.Class)
		}
		if c.Class == classifier.Permanent && c.RetryAfter != 0 {
			t.Errorf("a refused retry has RetryAfter %v", c.RetryAfter)
		}
	})
}
