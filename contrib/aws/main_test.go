package redressaws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reply is one answer of the fake DynamoDB: a status and, for a failure,
// the error code DynamoDB's JSON 1.0 protocol puts in __type and
// X-Amzn-ErrorType. A zero reply is a success.
type reply struct {
	status int
	code   string
	header map[string]string
}

var (
	ok            = reply{}
	throttle      = reply{status: 400, code: "ThrottlingException"}
	throughput    = reply{status: 400, code: "ProvisionedThroughputExceededException"}
	internal      = reply{status: 500, code: "InternalServerError"}
	unavailable   = reply{status: 503, code: "ServiceUnavailable"}
	validation    = reply{status: 400, code: "ValidationException"}
	accessDenied  = reply{status: 400, code: "AccessDeniedException"}
	unrecognized  = reply{status: 400, code: "UnrecognizedClientException"}
	conditionFail = reply{status: 400, code: "ConditionalCheckFailedException"}
)

// dynamo is a loopback server that answers like DynamoDB: each request
// takes the next reply of its script, and a request past the end of the
// script succeeds.
type dynamo struct {
	srv *httptest.Server

	mu     sync.Mutex
	script []reply
	hits   int
}

func newDynamo(t *testing.T) *dynamo {
	t.Helper()
	d := &dynamo{}
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

// play sets the replies of the requests to come and resets the count.
func (d *dynamo) play(rs ...reply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.script, d.hits = append([]reply(nil), rs...), 0
}

// requests returns the number of requests received since play.
func (d *dynamo) requests() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hits
}

func (d *dynamo) serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	rep := ok
	if d.hits < len(d.script) {
		rep = d.script[d.hits]
	}
	d.hits++
	d.mu.Unlock()

	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", "REQ"+strings.Repeat("0", 8))
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.status == 0 {
		w.Write([]byte(`{"TableNames":["users"]}`))
		return
	}
	w.Header().Set("X-Amzn-Errortype", rep.code)
	w.WriteHeader(rep.status)
	w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#` + rep.code + `","message":"scripted ` + rep.code + `"}`))
}

// client returns a DynamoDB client of the server with retryer r and fake
// credentials.
func (d *dynamo) client(t *testing.T, r aws.Retryer) *dynamodb.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: tr},
		Retryer:     func() aws.Retryer { return r },
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(d.srv.URL)
	})
}

// listTables makes one ListTables call.
func listTables(c *dynamodb.Client) error {
	_, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	return err
}
