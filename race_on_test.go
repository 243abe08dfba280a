//go:build race

package redress_test

const raceEnabled = true
