package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/redresstest"
)

func simCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sim", stderr)
	scenario := fs.String("scenario", "outage", "outage, brooker or amplification")
	file := fs.String("config", "", "policy file (outage scenario; default: a built-in one)")
	policy := fs.String("policy", "api.call", "policy of the file the clients call through")
	clients := fs.Int("clients", 500, "clients (brooker: the largest count, default 100, his)")
	think := fs.Duration("think", time.Second, "time a client waits between calls")
	duration := fs.Duration("duration", 3*time.Minute, "virtual time to simulate")
	outageStart := fs.Duration("outage-start", 60*time.Second, "outage begins")
	outageEnd := fs.Duration("outage-end", 90*time.Second, "outage ends")
	failureRate := fs.Float64("failure-rate", 0.01, "chance an attempt fails outside the outage")
	latency := fs.Duration("latency", 50*time.Millisecond, "time an attempt takes")
	capacity := fs.Int("capacity", 0, "attempts the backend serves at once (0: no limit)")
	runs := fs.Int("runs", 20, "brooker: runs averaged per strategy")
	seed := fs.Uint64("seed", 1, "seed of the simulated randomness")
	plotPath := fs.String("plot", "", "write a plot here (.svg or .png)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *clients < 1 || *runs < 1 || *duration <= 0 || *think < 0 || *latency < 0 || *capacity < 0 || *failureRate < 0 || *failureRate > 1 {
		fmt.Fprintln(stderr, "redress sim: -clients and -runs must be at least 1, -duration positive, -think, -latency and -capacity not negative, -failure-rate in [0, 1]")
		return 2
	}
	if *scenario == "brooker" {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "clients" })
		if !set {
			*clients = 100 // Brooker's largest count
		}
	}
	var err error
	switch *scenario {
	case "outage":
		be := Backend{FailureRate: *failureRate, OutageStart: *outageStart, OutageEnd: *outageEnd, Latency: *latency, Capacity: *capacity}
		ld := Load{Clients: *clients, Think: *think, Duration: *duration, Seed: *seed}
		err = outageCmd(*file, *policy, be, ld, *plotPath, stdout, stderr)
	case "brooker":
		err = brookerCmd(*clients, *runs, *seed, *plotPath, stdout, stderr)
	case "amplification":
		err = amplificationCmd(*plotPath, stdout)
	default:
		err = fmt.Errorf("unknown scenario %q: want outage, brooker or amplification", *scenario)
	}
	if err != nil {
		fmt.Fprintln(stderr, "redress sim:", err)
		return 1
	}
	return 0
}

// variants returns the policy as the file has it, and without its budget,
// its breaker, and both, labelled.
func variants(f *config.File, name string) ([]string, []*config.File, error) {
	spec, ok := f.Policies[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no policy named %q", f.Name(), name)
	}
	labels := []string{"as configured"}
	files := []*config.File{f}
	with := func(label string, change func(*config.Policy)) {
		g := *f
		g.Policies = map[string]config.Policy{}
		for k, v := range f.Policies {
			g.Policies[k] = v
		}
		s := spec
		change(&s)
		g.Policies[name] = s
		labels, files = append(labels, label), append(files, &g)
	}
	if spec.Budget != "" {
		with("no budget", func(p *config.Policy) { p.Budget = "" })
	}
	if spec.Breaker != "" {
		with("no breaker", func(p *config.Policy) { p.Breaker = "" })
	}
	if spec.Budget != "" || spec.Breaker != "" {
		with("neither", func(p *config.Policy) { p.Budget, p.Breaker = "", "" })
	}
	return labels, files, nil
}

func outageRun(f *config.File, policy string, be Backend, ld Load, stderr io.Writer) ([]Result, error) {
	labels, files, err := variants(f, policy)
	if err != nil {
		return nil, err
	}
	var results []Result
	for i, g := range files {
		clk := redresstest.NewClock(time.Unix(0, 0))
		opts, err := g.PolicyOptions(policy, config.WithClock(clk))
		if err != nil {
			return nil, err
		}
		p, err := redress.New(opts...)
		if err != nil {
			return nil, err
		}
		update, done := progressBar(stderr, fmt.Sprintf("%-13s", labels[i]))
		r := simulate(p, clk, be, ld, time.Second, update)
		done()
		r.Label = labels[i]
		results = append(results, r)
	}
	return results, nil
}

func outageCmd(file, policy string, be Backend, ld Load, plotPath string, stdout, stderr io.Writer) error {
	var f *config.File
	var err error
	if file == "" {
		f, err = config.Parse("built-in outage.json", []byte(outageJSON))
	} else {
		f, err = config.Load(file)
	}
	if err != nil {
		return err
	}
	results, err := outageRun(f, policy, be, ld, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d clients, one call per %v each, for %v; outage %v–%v; %.0f%% failures otherwise; %v per attempt\n\n",
		ld.Clients, ld.Think, ld.Duration, be.OutageStart, be.OutageEnd, be.FailureRate*100, be.Latency)
	writeTable(stdout, results)
	if plotPath != "" {
		return plotLoad(plotPath, fmt.Sprintf("Offered load on the backend (%d clients, outage %v–%v)", ld.Clients, be.OutageStart, be.OutageEnd), results)
	}
	return nil
}

func writeTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tcalls\tsent/call\tsuccess\tp50\tp99\tbreaker open\tbudget denied\tpeak load/s\t")
	for _, r := range results {
		peak := 0
		for _, n := range r.Load {
			peak = max(peak, n)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.1f%%\t%v\t%v\t%v\t%d\t%d\t\n", r.Label, r.Calls, r.Amplification(), r.SuccessRate()*100,
			r.Percentile(0.5).Round(time.Millisecond), r.Percentile(0.99).Round(time.Millisecond), r.BreakerOpen.Round(time.Second), r.BudgetDenied, peak)
	}
	tw.Flush()
}

func brookerCmd(maxClients, runs int, seed uint64, plotPath string, stdout, stderr io.Writer) error {
	counts := []int{maxClients}
	if plotPath != "" {
		counts = nil
		for c := 10; c <= maxClients; c += 10 {
			counts = append(counts, c)
		}
	}
	update, done := progressBar(stderr, "brooker")
	table := map[int][]BrookerRow{}
	for i, c := range counts {
		rows, err := brooker(c, runs, seed)
		if err != nil {
			return err
		}
		table[c] = rows
		update(float64(i+1) / float64(len(counts)))
	}
	done()
	fmt.Fprintf(stdout, "Brooker's contention scenario: %d clients, mean of %d runs\n\n", maxClients, runs)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\ttotal calls\tcompletion time\t")
	for _, r := range table[maxClients] {
		fmt.Fprintf(tw, "%s\t%.0f\t%v\t\n", r.Strategy, r.Calls, r.Time.Round(time.Millisecond))
	}
	tw.Flush()
	if plotPath != "" {
		return plotBrooker(plotPath, counts, table)
	}
	return nil
}

func amplificationCmd(plotPath string, stdout io.Writer) error {
	const layers, attempts, calls = 3, 4, 2000
	fmt.Fprintf(stdout, "%d layers, %d attempts each, a backend that always fails: attempts on the backend per call at the top\n\n", layers, attempts)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "budget per layer\tmeasured\tbound\t")
	ratios := []float64{0, 0.05, 0.1, 0.2, 0.5}
	var measured, bound []float64
	for _, r := range ratios {
		got, err := amplification(layers, attempts, r, calls)
		if err != nil {
			return err
		}
		want := math.Pow(float64(attempts), layers)
		label := "none"
		if r > 0 {
			want, label = math.Pow(1+r, layers), fmt.Sprintf("ratio %.2f", r)
		}
		measured, bound = append(measured, got), append(bound, want)
		fmt.Fprintf(tw, "%s\t%.2f×\t%.2f×\t\n", label, got, want)
	}
	tw.Flush()
	if plotPath != "" {
		return plotAmplification(plotPath, ratios[1:], measured[1:], bound[1:])
	}
	return nil
}
