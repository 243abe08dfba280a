module github.com/redress-go/redress/contrib/redis

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/redress-go/redress v0.2.0
	go.uber.org/goleak v1.3.0
)
