// Command redress checks, explains and simulates redress policies written
// in the JSON format of package config.
//
//	redress doctor policies.json             # lint: every finding, and why it matters
//	redress explain policies.json users.get  # per class: attempts, delays, what stops it
//	redress sim -plot load.svg               # an outage, with and without budget and breaker
//	redress sim -scenario brooker            # Brooker's jitter comparison
//	redress sim -scenario amplification      # the SRE book's retry amplification
//
// See docs/doctor.md and docs/simulator.md. The plots in docs/img are
// made by go generate in this directory:
//
//go:generate go run . sim -plot ../../docs/img/outage.svg
//go:generate go run . sim -scenario brooker -plot ../../docs/img/brooker.svg
//go:generate go run . sim -scenario amplification -plot ../../docs/img/amplification.svg
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  redress doctor FILE
  redress explain FILE POLICY
  redress sim [flags]   (redress sim -h for the flags)
`

// run runs the command line args and returns the exit code: 0, 1 for
// findings or a failed run, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "doctor":
		if len(args) != 2 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return doctorCmd(args[1], stdout, stderr)
	case "explain":
		if len(args) != 3 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return explainCmd(args[1], args[2], stdout, stderr)
	case "sim":
		return simCmd(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// progressBar draws a bar on w once a run has taken more than a second
// of real time, and returns the function that moves it and the one that
// ends it.
func progressBar(w io.Writer, label string) (func(float64), func()) {
	start := wallNow()
	shown := false
	last := time.Time{}
	update := func(frac float64) {
		now := wallNow()
		if now.Sub(start) < time.Second || now.Sub(last) < 100*time.Millisecond {
			return
		}
		last, shown = now, true
		n := int(frac * 30)
		fmt.Fprintf(w, "\r%s [%s%s] %3.0f%%", label, strings.Repeat("#", n), strings.Repeat(" ", 30-n), frac*100)
	}
	done := func() {
		if shown {
			fmt.Fprintf(w, "\r%s [%s] 100%%\n", label, strings.Repeat("#", 30))
		}
	}
	return update, done
}

// wallNow is the real time, for the progress bar only; tests replace it.
var wallNow = time.Now

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
