module github.com/redress-go/redress/contrib/datadog

go 1.25.0

require (
	github.com/DataDog/datadog-go/v5 v5.9.1
	github.com/google/go-cmp v0.7.0
	github.com/redress-go/redress v0.2.0
)

require (
	github.com/Microsoft/go-winio v0.5.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/sys v0.0.0-20210510120138-977fb7262007 // indirect
)
