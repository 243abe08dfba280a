package redressredis

// SetBudgetTime makes b's script use now (µs) instead of the server's TIME,
// for step tests of the window.
func SetBudgetTime(b *Budget, now func() int64) { b.now = now }
