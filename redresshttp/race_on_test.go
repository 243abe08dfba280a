//go:build race

package redresshttp_test

const raceEnabled = true
