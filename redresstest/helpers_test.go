package redresstest_test

import "github.com/redress-go/redress/backoff"

func backoffInput(n int) backoff.Input { return backoff.Input{Attempt: n} }
