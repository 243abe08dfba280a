package redresshttp

// WaitForDrains waits until t has finished draining every response it
// discarded, so that tests can check for leaked goroutines.
func WaitForDrains(t *Transport) { t.drains.Wait() }
