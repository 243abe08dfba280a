// Package redressgrpc runs gRPC calls under redress policies: client
// interceptors that classify, retry and break calls by their status code,
// and server interceptors that shed load before it reaches the handlers.
// Its directory is grpc; the package name is redressgrpc, so an import
// names it explicitly:
//
//	import redressgrpc "github.com/redress-go/redress/contrib/grpc"
//
// # Clients
//
// UnaryClientInterceptor and StreamClientInterceptor run each call under
// a policy. Classifier gives each status code a class (CodeClass has the
// table) and turns the server's grpc-retry-pushback-ms trailer and a
// google.rpc.RetryInfo detail into the Retry-After the policy waits. A
// stream is retried while it is being established and until its first
// response message, never after; what it sent is sent again on the new
// stream.
//
//	policy := redress.MustNew(
//		redress.WithBreaker(breaker.New()),
//		redress.WithRetry(retry.WithMaxAttempts(4)),
//	)
//	conn, err := grpc.NewClient(addr,
//		grpc.WithTransportCredentials(insecure.NewCredentials()),
//		grpc.WithDisableRetry(),
//		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
//		grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(policy)),
//	)
//
// A call that fails returns the *redress.StopError; status.Code(err) still
// gives the server's code.
//
// grpc-go can retry too, from a service config's retryPolicy. Its retries
// run below the interceptors, so using both multiplies the attempts:
// either let redress retry and disable grpc-go's (grpc.WithDisableRetry),
// or let grpc-go retry and give redress one attempt
// (retry.WithMaxAttempts(1)), for its breaker and budget.
//
// # Servers
//
// UnaryServerInterceptor and StreamServerInterceptor shed load with a
// policy's breaker, bulkhead and throttle, and never retry: a shed call
// fails with codes.Unavailable, or codes.ResourceExhausted when
// throttled, and says in grpc-retry-pushback-ms when to come back, when
// the server knows.
//
// See docs/grpc.md for a guide.
package redressgrpc
