package redresshttp

import "github.com/redress-go/redress/classifier"

// WaitForDrains waits until t has finished draining every response it
// discarded, so that tests can check for leaked goroutines.
func WaitForDrains(t *Transport) { t.waitDrains() }

// Classify classifies err as t's policy does, for tests that check the
// Details of the classification.
func Classify(t *Transport, err error) classifier.Classification {
	return t.prepared().policy.Classifier().Classify(err)
}
