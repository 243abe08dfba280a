package redressaws_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	redressaws "github.com/redress-go/redress/contrib/aws"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// DynamoDB throttles with HTTP 400: by its status alone the error is
// PERMANENT, by its code it is RATE_LIMIT.
func ExampleClassifier() {
	err := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400, Header: http.Header{}}},
		Err:      &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate of requests exceeds the allowed throughput."},
	}}
	fmt.Println(classifier.Default.Classify(err).Class)
	fmt.Println(redressaws.Classifier.Classify(err).Class)
	// Output:
	// PERMANENT
	// RATE_LIMIT
}

// A DynamoDB client retries under a redress policy: here a loopback
// server throttles twice and then answers.
func ExampleNewRetryer() {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls <= 2 {
			w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		fmt.Fprint(w, `{"TableNames":["users"]}`)
	}))
	defer srv.Close()

	quota := budget.NewQuota() // the SDK's retry quota: 500 tokens, a throttle costs 5
	policy := redress.MustNew(
		redress.WithBudget(quota),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return redressaws.NewRetryer(policy) },
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	out, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.TableNames, "after", calls, "attempts")
	fmt.Println("tokens left:", quota.Remaining())
	// Output:
	// [users] after 3 attempts
	// tokens left: 495
}

// To run SDK calls under redress.Execute instead, turn the SDK's own
// retries off for them, so that only redress retries.
func Example_execute() {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls == 1 {
			w.Header().Set("X-Amzn-ErrorType", "ProvisionedThroughputExceededException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}`)
			return
		}
		fmt.Fprint(w, `{"TableNames":["users"]}`)
	}))
	defer srv.Close()

	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	policy := redress.MustNew(
		redress.WithClassifier(redressaws.Classifier),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	)

	out, err := redress.Execute(context.Background(), func(ctx context.Context) (*dynamodb.ListTablesOutput, error) {
		return client.ListTables(ctx, &dynamodb.ListTablesInput{})
	}, policy)
	var se *redress.StopError
	fmt.Println(out.TableNames, err, errors.As(err, &se), "after", calls, "attempts")
	// Output:
	// [users] <nil> false after 2 attempts
}
