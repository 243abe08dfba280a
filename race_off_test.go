//go:build !race

package redress_test

const raceEnabled = false
