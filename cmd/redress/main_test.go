package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/config"
)

func parse(t *testing.T, s string) *config.File {
	t.Helper()
	f, err := config.Parse("t.json", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDoctorFindings has one case per finding: a file that has the
// problem, and the IDs doctor reports for it.
func TestDoctorFindings(t *testing.T) {
	const budgeted = `"budgets": {"b": {"ratio": {"ratio": 0.1}}}`
	tests := []struct {
		name string
		give string
		want []string
	}{
		{"clean", `{` + budgeted + `, "policies": {"a": {"budget": "b", "max_retry_after": "30s"}}}`, nil},
		{"RD001 deadline shorter than the schedule", `{` + budgeted + `, "policies": {"a": {"budget": "b", "max_retry_after": "1s", "deadline": "2s", "backoff": {"constant": {"delay": "1s"}}}}}`, []string{"RD001", "RD007"}},
		{"RD002 attempt timeout beyond the deadline", `{` + budgeted + `, "policies": {"a": {"budget": "b", "max_retry_after": "5s", "deadline": "10s", "attempt_timeout": "10s"}}}`, []string{"RD002"}},
		{"RD003 RATE_LIMIT cap beyond the deadline", `{` + budgeted + `, "policies": {"a": {"budget": "b", "deadline": "10s"}}}`, []string{"RD003"}},
		{"RD004 retries without a budget", `{"policies": {"a": {"max_retry_after": "30s"}}}`, []string{"RD004"}},
		{"RD004 not for one attempt", `{"policies": {"a": {"max_attempts": 1}}}`, nil},
		{"RD005 breaker trips on an unretried class", `{` + budgeted + `, "breakers": {"br": {"trip_on": ["AUTH", "SERVER_ERROR"]}}, "policies": {"a": {"budget": "b", "max_retry_after": "30s", "breaker": "br"}}}`, []string{"RD005"}},
		{"RD005 class capped at 0", `{` + budgeted + `, "breakers": {"br": {"trip_on": ["TRANSIENT"]}}, "policies": {"a": {"budget": "b", "max_retry_after": "30s", "breaker": "br", "max_attempts_for": {"TRANSIENT": 0}}}}`, []string{"RD005"}},
		{"RD006 amplification through layers", `{"policies": {"a": {"max_attempts": 4, "calls": ["b"], "max_retry_after": "30s"}, "b": {"max_attempts": 4, "calls": ["c"], "max_retry_after": "30s"}, "c": {"max_attempts": 1}}}`,
			[]string{"RD004", "RD004", "RD006"}},
		{"RD006 not with ratio budgets", `{` + budgeted + `, "policies": {"a": {"budget": "b", "max_attempts": 4, "calls": ["c"], "max_retry_after": "30s"}, "c": {"budget": "b", "max_attempts": 4, "max_retry_after": "30s"}}}`, nil},
		{"RD007 no jitter", `{` + budgeted + `, "policies": {"a": {"budget": "b", "max_retry_after": "30s", "backoff": {"exponential": {"base": "10ms", "max": "1s"}}}}}`, []string{"RD007"}},
		{"RD008 nothing bounds the call", `{` + budgeted + `, "policies": {"a": {"budget": "b", "deadline": "none"}}}`, []string{"RD008"}},
		{"RD009 unused breaker and budget", `{` + budgeted + `, "breakers": {"br": {}}, "policies": {"a": {"max_attempts": 1}}}`, []string{"RD009", "RD009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range doctor(parse(t, tt.give)) {
				got = append(got, f.ID)
				if f.Line < 1 || f.Message == "" {
					t.Errorf("finding without a line or a message: %+v", f)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDoctorAmplificationFigure(t *testing.T) {
	f := parse(t, `{"policies": {"a": {"max_attempts": 4, "calls": ["b"]}, "b": {"max_attempts": 4, "calls": ["c"]}, "c": {"max_attempts": 4}}}`)
	_, amp := worstChain(f, "a", map[string]bool{})
	if amp != 64 {
		t.Errorf("worst chain amplification %v, want 64", amp)
	}
}

func TestExplain(t *testing.T) {
	f := parse(t, `{"policies": {"a": {"max_attempts": 3, "deadline": "1s", "max_attempts_for": {"CONCURRENCY": 1},
		"backoff": {"exponential": {"base": "100ms", "max": "1s"}}, "backoff_for": {"TRANSIENT": {"constant": {"delay": "600ms"}}}}}}`)
	var b bytes.Buffer
	if err := explain(&b, f, "a"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"policy a: 3 attempts at most, deadline 1s",
		"PERMANENT     1         -",
		"CONCURRENCY   2         100ms",
		"MAX_ATTEMPTS_PER_CLASS",
		"TRANSIENT     3         600ms, 600ms",
		"DEADLINE_EXCEEDED (the sleeps pass the deadline by retry 2)",
		"UNKNOWN       3         100ms, 200ms",
		"RATE_LIMIT    3         the server's Retry-After (+≤0.5s) when given, else 100ms, 200ms",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, b.String())
		}
	}
}

// TestBrooker reproduces the order of Brooker's comparison at 100
// clients: full ≈ equal < decorrelated < exponential (no jitter), and
// full jitter at least twice fewer calls than no jitter.
func TestBrooker(t *testing.T) {
	rows, err := brooker(100, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]float64{}
	for _, r := range rows {
		calls[r.Strategy] = r.Calls
	}
	full, equal, decorr, expo := calls["full_jitter"], calls["equal_jitter"], calls["decorrelated_jitter"], calls["exponential"]
	if math.Abs(full-equal) > 0.1*full {
		t.Errorf("full %v and equal %v differ by more than 10%%", full, equal)
	}
	if !(math.Max(full, equal) < decorr && decorr < expo) {
		t.Errorf("order: full %v, equal %v, decorrelated %v, exponential %v; want full ≈ equal < decorrelated < exponential", full, equal, decorr, expo)
	}
	if 2*full > expo {
		t.Errorf("full jitter %v calls, exponential %v: want at least 2× fewer", full, expo)
	}
}

// TestAmplification reproduces the SRE book's 64× and the (1+r)^L bound
// of a ratio budget per layer.
func TestAmplification(t *testing.T) {
	got, err := amplification(3, 4, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got != 64 {
		t.Errorf("3 layers of 4 attempts: %v attempts per call, want 64", got)
	}
	for _, r := range []float64{0.1, 0.5} {
		got, err := amplification(3, 4, r, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if want := math.Pow(1+r, 3); got > want*1.01 || got < want*0.95 {
			t.Errorf("ratio %v: %v attempts per call, want about (1+r)^3 = %v", r, got, want)
		}
	}
}

func TestOutageBudgetAndBreakerCutLoad(t *testing.T) {
	f := parse(t, outageJSON)
	be := Backend{FailureRate: 0.01, OutageStart: 20 * time.Second, OutageEnd: 40 * time.Second, Latency: 50 * time.Millisecond}
	ld := Load{Clients: 200, Think: time.Second, Duration: time.Minute, Seed: 1}
	res, err := outageRun(f, "api.call", be, ld, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	during := func(r Result) int {
		n := 0
		for _, x := range r.Load[20:40] {
			n += x
		}
		return n
	}
	var labels []string
	for _, r := range res {
		labels = append(labels, r.Label)
	}
	if diff := cmp.Diff([]string{"as configured", "no budget", "no breaker", "neither"}, labels); diff != "" {
		t.Fatalf("variants (-want +got):\n%s", diff)
	}
	configured, neither := res[0], res[3]
	if during(configured) >= during(neither) {
		t.Errorf("load during the outage: %d with budget and breaker, %d without; want less with", during(configured), during(neither))
	}
	if configured.BreakerOpen == 0 || configured.BudgetDenied+res[2].BudgetDenied == 0 {
		t.Errorf("breaker open %v, budget denials %d: the guards did nothing", configured.BreakerOpen, configured.BudgetDenied)
	}
	if neither.Amplification() <= 1 {
		t.Errorf("without guards %v attempts per call during an outage; want retries", neither.Amplification())
	}
}

func TestSimWritesPlots(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"sim", "-clients", "50", "-duration", "30s", "-outage-start", "10s", "-outage-end", "15s", "-plot", filepath.Join(dir, "load.svg")},
		{"sim", "-scenario", "amplification", "-plot", filepath.Join(dir, "amp.png")},
		{"sim", "-scenario", "brooker", "-clients", "20", "-runs", "2", "-plot", filepath.Join(dir, "brooker.svg")},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
	}
	for _, name := range []string{"load.svg", "amp.png", "brooker.svg"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v, size %v", name, err, fi)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"doctor"}, {"explain", "x"}, {"frob"}} {
		if code := run(args, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestProgressBarOnlyAfterASecond(t *testing.T) {
	now := time.Unix(0, 0)
	wallNow = func() time.Time { return now }
	t.Cleanup(func() { wallNow = time.Now })
	var b bytes.Buffer
	update, done := progressBar(&b, "run")
	update(0.5)
	if b.Len() != 0 {
		t.Fatalf("bar drawn before a second: %q", b.String())
	}
	now = now.Add(1500 * time.Millisecond)
	update(0.5)
	done()
	want := "\rrun [###############               ]  50%\rrun [##############################] 100%\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("bar (-want +got):\n%s", diff)
	}
	var quiet bytes.Buffer
	_, done = progressBar(&quiet, "fast")
	done()
	if quiet.Len() != 0 {
		t.Errorf("a fast run drew %q", quiet.String())
	}
}

func TestSimRefusesBadFlags(t *testing.T) {
	if code := run([]string{"sim", "-clients", "0"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("sim -clients 0: exit %d, want 2", code)
	}
}

func TestDoctorAndExplainCommands(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.json", `{"budgets": {"b": {"ratio": {"ratio": 0.1}}}, "policies": {"a": {"budget": "b", "max_retry_after": "30s"}}}`)
	noisy := write("noisy.json", `{"policies": {"a": {"max_retry_after": "30s"}}}`)
	broken := write("broken.json", "{\n  \"policies\": {\"a\": {\"max_attempts\": 0}}}")
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"doctor", clean}, 0, "no findings"},
		{[]string{"doctor", noisy}, 1, `noisy.json:1: RD004 policies["a"]`},
		{[]string{"doctor", broken}, 1, `broken.json:2:38: policies["a"].max_attempts`},
		{[]string{"explain", clean, "a"}, 0, "policy a: 6 attempts at most"},
		{[]string{"explain", clean, "nope"}, 1, `no policy named "nope"`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.contains) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args[0], code, out.String()+errb.String(), tt.code, tt.contains)
		}
	}
}
