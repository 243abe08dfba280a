package redressaws_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/redress-go/redress/classifier"
	redressaws "github.com/redress-go/redress/contrib/aws"
)

// apiError returns the error the SDK makes of a response with the given
// status and AWS error code.
func apiError(status int, code string) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "GetItem", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "m"},
		},
	}}
}

func TestClassifierClasses(t *testing.T) {
	tests := []struct {
		name string
		give error
		want classifier.Class
	}{
		{"nil", nil, classifier.Unknown},
		{"400 ThrottlingException", apiError(400, "ThrottlingException"), classifier.RateLimit},
		{"400 Throttling (STS)", apiError(400, "Throttling"), classifier.RateLimit},
		{"400 ProvisionedThroughputExceededException", apiError(400, "ProvisionedThroughputExceededException"), classifier.RateLimit},
		{"503 SlowDown (S3)", apiError(503, "SlowDown"), classifier.RateLimit},
		{"503 RequestLimitExceeded (EC2)", apiError(503, "RequestLimitExceeded"), classifier.RateLimit},
		{"400 TooManyRequestsException", apiError(400, "TooManyRequestsException"), classifier.RateLimit},
		{"400 PriorRequestNotComplete", apiError(400, "PriorRequestNotComplete"), classifier.RateLimit},
		{"400 RequestTimeout (S3)", apiError(400, "RequestTimeout"), classifier.Transient},
		{"408 RequestTimeoutException", apiError(408, "RequestTimeoutException"), classifier.Transient},
		{"500 InternalError", apiError(500, "InternalError"), classifier.ServerError},
		{"503 ServiceUnavailable", apiError(503, "ServiceUnavailable"), classifier.ServerError},
		{"400 AccessDeniedException", apiError(400, "AccessDeniedException"), classifier.Permission},
		{"403 AccessDenied", apiError(403, "AccessDenied"), classifier.Permission},
		{"400 ExpiredTokenException", apiError(400, "ExpiredTokenException"), classifier.Auth},
		{"403 InvalidClientTokenId", apiError(403, "InvalidClientTokenId"), classifier.Auth},
		{"400 UnrecognizedClientException", apiError(400, "UnrecognizedClientException"), classifier.Auth},
		{"400 InvalidSignatureException", apiError(400, "InvalidSignatureException"), classifier.Auth},
		{"400 ValidationException", apiError(400, "ValidationException"), classifier.Permanent},
		{"404 ResourceNotFoundException", apiError(404, "ResourceNotFoundException"), classifier.Permanent},
		{"409 ConflictException", apiError(409, "ConflictException"), classifier.Concurrency},
		{"429 unmodeled", apiError(429, "SomethingNew"), classifier.RateLimit},
		{"502 unmodeled", apiError(502, ""), classifier.ServerError},
		{"501", apiError(501, "NotImplemented"), classifier.Permanent},
		{"retryable (the SDK's clock skew)", retryableError{apiError(400, "InvalidSignatureException"), true}, classifier.Transient},
		{"not retryable", retryableError{apiError(503, "ServiceUnavailable"), false}, classifier.Permanent},
		{"marked", classifier.MarkPermanent(apiError(400, "ThrottlingException")), classifier.Permanent},
		{"connection refused", &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, classifier.Transient},
		{"send error", &smithyhttp.RequestSendError{Err: errors.New("something broke")}, classifier.Transient},
		{"DNS not found", &smithyhttp.RequestSendError{Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, classifier.Permanent},
		{"cancelled", &smithy.CanceledError{Err: context.Canceled}, classifier.Unknown},
		{"plain", errors.New("boom"), classifier.Unknown},
		{"wrapped", fmt.Errorf("get user: %w", apiError(400, "ThrottlingException")), classifier.RateLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redressaws.Classifier.Classify(tt.give).Class; got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
		})
	}
}

// retryableError says whether it may be retried, as the SDK's wrapper of
// a request refused for a skewed clock does.
type retryableError struct {
	err       error
	retryable bool
}

func (e retryableError) Error() string        { return e.err.Error() }
func (e retryableError) Unwrap() error        { return e.err }
func (e retryableError) RetryableError() bool { return e.retryable }
