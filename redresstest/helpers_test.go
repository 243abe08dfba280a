package redresstest_test

import (
	"errors"
	"time"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
)

var (
	epoch        = time.Unix(0, 0)
	errTransient = classifier.MarkTransient(errors.New("connection reset"))
	errPermanent = classifier.MarkPermanent(errors.New("bad request"))
	errServer    = classifier.Mark(errors.New("503 from upstream"), classifier.ServerError)
)

func backoffInput(n int) backoff.Input { return backoff.Input{Attempt: n} }
