package redressaws

import (
	"errors"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// The keys of Classification.Details that Classifier sets besides the
// HTTP ones of package classifier (status, method and host).
const (
	// DetailErrorCode is the AWS error code: "ThrottlingException".
	DetailErrorCode = "aws.error_code"
	// DetailRequestID is the request ID AWS gave the failed request, for
	// AWS support: "4KQ3...".
	DetailRequestID = "aws.request_id"
)

// codeClasses gives the class of an AWS error code.
//
// The RATE_LIMIT and TRANSIENT codes are the lists of the SDK's standard
// retryer, whole: DefaultThrottleErrorCodes and DefaultRetryableErrorCodes
// in aws/retry/standard.go of github.com/aws/aws-sdk-go-v2 v1.48.0. Taking
// the throttle list whole keeps a budget.Quota charging what the SDK
// charges (a throttle costs 5 tokens, other retries 14), including for
// codes such as LimitExceededException and TransactionInProgressException
// that the SDK counts as throttling.
//
// The AUTH and PERMISSION codes are the credential and authorization
// errors of the AWS "Common Errors" reference and the services' own
// (STS's ExpiredToken, DynamoDB's UnrecognizedClientException, S3's
// InvalidAccessKeyId and SignatureDoesNotMatch, EC2's AuthFailure). When
// the SDK suspects that one of them comes from a skewed clock it wraps it
// as retryable (see Classifier), and Classifier follows it.
//
// The SERVER_ERROR codes are the AWS failures that are the service's
// own; they come with a 5xx status, and are listed so that the code
// decides even when a proxy changed the status.
var codeClasses = map[string]classifier.Class{
	// DefaultThrottleErrorCodes.
	"Throttling":                             classifier.RateLimit,
	"ThrottlingException":                    classifier.RateLimit,
	"ThrottledException":                     classifier.RateLimit,
	"RequestThrottledException":              classifier.RateLimit,
	"TooManyRequestsException":               classifier.RateLimit,
	"ProvisionedThroughputExceededException": classifier.RateLimit,
	"TransactionInProgressException":         classifier.RateLimit,
	"RequestLimitExceeded":                   classifier.RateLimit,
	"BandwidthLimitExceeded":                 classifier.RateLimit,
	"LimitExceededException":                 classifier.RateLimit,
	"RequestThrottled":                       classifier.RateLimit,
	"SlowDown":                               classifier.RateLimit,
	"PriorRequestNotComplete":                classifier.RateLimit,
	"EC2ThrottledException":                  classifier.RateLimit,

	// DefaultRetryableErrorCodes.
	"RequestTimeout":          classifier.Transient,
	"RequestTimeoutException": classifier.Transient,

	"InternalError":               classifier.ServerError,
	"InternalFailure":             classifier.ServerError,
	"InternalServerError":         classifier.ServerError,
	"ServiceUnavailable":          classifier.ServerError,
	"ServiceUnavailableException": classifier.ServerError,

	"ExpiredToken":                classifier.Auth,
	"ExpiredTokenException":       classifier.Auth,
	"InvalidClientTokenId":        classifier.Auth,
	"UnrecognizedClientException": classifier.Auth,
	"InvalidSignatureException":   classifier.Auth,
	"SignatureDoesNotMatch":       classifier.Auth,
	"IncompleteSignature":         classifier.Auth,
	"MissingAuthenticationToken":  classifier.Auth,
	"InvalidAccessKeyId":          classifier.Auth,
	"AuthFailure":                 classifier.Auth,
	"RequestExpired":              classifier.Auth,

	"AccessDenied":          classifier.Permission,
	"AccessDeniedException": classifier.Permission,
	"NotAuthorized":         classifier.Permission,
	"OptInRequired":         classifier.Permission,
}

// Classifier classifies the errors of the AWS SDK for Go v2. The first
// rule that applies decides:
//
//  1. A marker (classifier.Mark…) anywhere in the chain: as marked.
//  2. An error with a method RetryableError() bool, as the SDK's wrapper
//     of a request refused for a skewed clock has: TRANSIENT when it
//     reports true, PERMANENT when false, as the SDK's standard retryer
//     reads it.
//  3. A smithy.APIError whose ErrorCode is in the table below.
//  4. An HTTP status (an error with HTTPStatusCode() int, as every error
//     the SDK returns for a response has): classifier.HTTPStatus of it, so
//     429 is RATE_LIMIT, 5xx SERVER_ERROR (501 and 505 PERMANENT), 408
//     TRANSIENT, 409 CONCURRENCY, 401 AUTH, 403 PERMISSION, any other 4xx
//     PERMANENT.
//  5. classifier.Default, for errors without a response (connections,
//     timeouts, DNS); and when that finds nothing, TRANSIENT for a
//     connection error the SDK's standard retryer retries
//     (retry.RetryableConnectionError, as a *smithyhttp.RequestSendError
//     is).
//
// The codes:
//
//   - RATE_LIMIT: Throttling, ThrottlingException, ThrottledException,
//     RequestThrottledException, TooManyRequestsException,
//     ProvisionedThroughputExceededException,
//     TransactionInProgressException, RequestLimitExceeded,
//     BandwidthLimitExceeded, LimitExceededException, RequestThrottled,
//     SlowDown, PriorRequestNotComplete, EC2ThrottledException (the SDK's
//     own throttle list, whatever the status: DynamoDB, STS and many
//     others throttle with HTTP 400, S3 with 503 SlowDown).
//   - TRANSIENT: RequestTimeout, RequestTimeoutException.
//   - SERVER_ERROR: InternalError, InternalFailure, InternalServerError,
//     ServiceUnavailable, ServiceUnavailableException.
//   - AUTH: ExpiredToken, ExpiredTokenException, InvalidClientTokenId,
//     UnrecognizedClientException, InvalidSignatureException,
//     SignatureDoesNotMatch, IncompleteSignature,
//     MissingAuthenticationToken, InvalidAccessKeyId, AuthFailure,
//     RequestExpired.
//   - PERMISSION: AccessDenied, AccessDeniedException, NotAuthorized,
//     OptInRequired.
//
// RetryAfter is the wait the response asked for: its x-amz-retry-after
// header (milliseconds, as the SDK reads it), else Retry-After-Ms or
// Retry-After (classifier.RetryAfterHeader), capped at
// retry.DefaultMaxRetryAfter. Details holds the HTTP status, method and
// host (classifier.DetailHTTPStatus, DetailHTTPMethod, DetailHTTPHost),
// the AWS error code (DetailErrorCode) and request ID (DetailRequestID)
// when the error has them: never the request's path, query, headers or
// body, which may carry credentials.
//
// A request the caller cancelled (smithy.CanceledError) is left to
// classifier.Default, which says UNKNOWN: the caller's cancellation is
// never retried, by redress or by NewRetryer. Classifier is safe for
// concurrent use.
var Classifier classifier.Classifier = classifier.Func(classify)

func classify(err error) classifier.Classification {
	return classifyAt(err, time.Now)
}

// classifyAt is Classifier with the clock for Retry-After dates given.
func classifyAt(err error, now func() time.Time) classifier.Classification {
	if err == nil {
		return classifier.Classification{}
	}
	var marked *classifier.MarkedError
	if errors.As(err, &marked) {
		return classifier.Default.Classify(err)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		re = nil
	}

	var api smithy.APIError
	if !errors.As(err, &api) {
		api = nil
	}
	class := classifier.Unknown
	var retryable interface{ RetryableError() bool }
	var status interface{ HTTPStatusCode() int }
	switch {
	case errors.As(err, &retryable):
		class = classifier.Permanent
		if retryable.RetryableError() {
			class = classifier.Transient
		}
	case api != nil && codeClasses[api.ErrorCode()] != classifier.Unknown:
		class = codeClasses[api.ErrorCode()]
	case errors.As(err, &status):
		class = classifier.HTTPStatus(status.HTTPStatusCode())
	}
	if re == nil {
		if class != classifier.Unknown {
			return classifier.Classification{Class: class}
		}
		c := classifier.Default.Classify(err)
		if c.Class == classifier.Unknown &&
			(awsretry.RetryableConnectionError{}).IsErrorRetryable(err).Bool() {
			c.Class = classifier.Transient
		}
		return c
	}

	resp := re.Response.Response
	if class == classifier.Unknown {
		class = classifier.HTTPStatus(resp.StatusCode)
	}
	c := classifier.Classification{Class: class, Details: details(err, api, re)}
	wait, ok := parseAmzRetryAfter(resp.Header.Get("X-Amz-Retry-After"))
	if !ok {
		wait, ok = classifier.RetryAfterHeader(resp.Header, now())
	}
	if ok {
		c.RetryAfter = min(wait, retry.DefaultMaxRetryAfter)
	}
	return c
}

// details returns what Classifier records of a failed response.
func details(err error, api smithy.APIError, re *smithyhttp.ResponseError) map[string]string {
	resp := re.Response.Response
	d := make(map[string]string, 5)
	d[classifier.DetailHTTPStatus] = itoa(resp.StatusCode)
	if req := resp.Request; req != nil {
		method := req.Method
		if method == "" {
			method = "GET"
		}
		d[classifier.DetailHTTPMethod] = method
		if req.URL != nil && req.URL.Host != "" {
			d[classifier.DetailHTTPHost] = req.URL.Host
		}
	}
	if api != nil && api.ErrorCode() != "" {
		d[DetailErrorCode] = api.ErrorCode()
	}
	var rid *awshttp.ResponseError
	if errors.As(err, &rid) && rid.ServiceRequestID() != "" {
		d[DetailRequestID] = rid.ServiceRequestID()
	}
	return d
}
