//go:build race

package redressgrpc_test

const raceEnabled = true
