package redressaws_test

// The code of docs/aws.md; internal/docsync's TestGuides finds the guide's
// blocks in this file.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	redressaws "github.com/redress-go/redress/contrib/aws"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// newGuideDynamoDB is the guide's DynamoDB client retrying under a policy.
func newGuideDynamoDB(cfg aws.Config) (*dynamodb.Client, *budget.Quota) {
	quota := budget.NewQuota() // the SDK's own retry quota, shared by the client's calls
	br := breaker.New(breaker.WithFailureThreshold(20), breaker.WithWindow(time.Minute))
	policy := redress.MustNew(
		redress.WithOperation("dynamodb"),
		redress.WithBudget(quota),
		redress.WithBreaker(br),
		redress.WithRetry(retry.WithMaxAttempts(4)),
	)

	// cfg is the aws.Config of config.LoadDefaultConfig(ctx).
	cfg.Retryer = func() aws.Retryer { return redressaws.NewRetryer(policy) }
	client := dynamodb.NewFromConfig(cfg)
	return client, quota
}

// throttlingDynamo answers with a ThrottlingException until it has
// throttled n times, then with an empty item.
func throttlingDynamo(t *testing.T, n int) (*httptest.Server, *int) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls <= n {
			w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		fmt.Fprint(w, `{"Item":{}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func guideConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url),
	}
}

var guideInput = &dynamodb.GetItemInput{
	TableName: aws.String("users"),
	Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "u1"}},
}

func TestAWSGuideRetryer(t *testing.T) {
	srv, calls := throttlingDynamo(t, 2)
	client, quota := newGuideDynamoDB(guideConfig(srv.URL))
	if _, err := client.GetItem(context.Background(), guideInput); err != nil {
		t.Fatal(err)
	}
	// Two retries cost 5 tokens each; the one that succeeded is refunded.
	if *calls != 3 || quota.Remaining() != 495 {
		t.Errorf("%d requests, %d tokens left; want 3 and 495", *calls, quota.Remaining())
	}
}

func TestAWSGuideExecute(t *testing.T) {
	srv, calls := throttlingDynamo(t, 1)
	cfg := guideConfig(srv.URL)
	ctx := context.Background()
	input := guideInput
	policy := redress.MustNew(redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))))

	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} })
	out, err := redress.Execute(ctx, func(ctx context.Context) (*dynamodb.GetItemOutput, error) {
		return client.GetItem(ctx, input)
	}, policy, redress.WithClassifier(redressaws.Classifier))

	if err != nil || out == nil || *calls != 2 {
		t.Errorf("GetItem: %v after %d requests, want success on the second", err, *calls)
	}
}
