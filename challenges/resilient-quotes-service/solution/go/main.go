// Quotes service: prices from a flaky upstream, with timeouts, retries and a circuit breaker.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	tryTimeout       = time.Second
	failureThreshold = 5
	openPeriod       = 2 * time.Second
)

var (
	backoff     = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	symbolRe    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
	upstreamURL = strings.TrimRight(envOr("UPSTREAM_URL", "http://127.0.0.1:9090"), "/")
	// Timeout covers connect, headers and body; no pooled connections between tries.
	client = &http.Client{Timeout: tryTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
)

type quote struct {
	Symbol   string  `json:"symbol"`
	Price    float64 `json:"price"`
	Currency string  `json:"currency"`
	Stale    bool    `json:"stale"`
}

// breaker is one symbol's circuit: consecutive failed tries, when it opened, a probe out.
type breaker struct {
	failures int
	openedAt time.Time
	probing  bool
}

var (
	mu       sync.Mutex
	breakers = map[string]*breaker{}
	lastGood = map[string]quote{}
)

// acquire says whether a try may go out now, else how many seconds until it may.
func acquire(symbol string) (bool, int) {
	mu.Lock()
	defer mu.Unlock()
	b, ok := breakers[symbol]
	if !ok {
		b = &breaker{}
		breakers[symbol] = b
	}
	if b.openedAt.IsZero() {
		return true, 0
	}
	left := openPeriod - time.Since(b.openedAt)
	if left > 0 || b.probing {
		return false, int(math.Max(1, math.Ceil(left.Seconds())))
	}
	b.probing = true // half-open: this try is the one probe
	return true, 0
}

// record counts a try: a success closes the circuit, the 5th failure in a row opens it.
func record(symbol string, failed bool) {
	mu.Lock()
	defer mu.Unlock()
	b := breakers[symbol]
	wasProbe := b.probing
	b.probing = false
	if !failed {
		b.failures, b.openedAt = 0, time.Time{}
		return
	}
	b.failures++
	if wasProbe || b.failures >= failureThreshold {
		b.openedAt = time.Now()
	}
}

type outcome int

const (
	okOutcome outcome = iota
	clientOutcome
	failOutcome
)

// fetch makes one try; a 4xx gives its status.
func fetch(symbol string) (outcome, quote, int) {
	resp, err := client.Get(upstreamURL + "/prices/" + symbol)
	if err != nil {
		return failOutcome, quote{}, 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return clientOutcome, quote{}, resp.StatusCode
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		return failOutcome, quote{}, 0
	}
	var data struct {
		Price    *float64 `json:"price"`
		Currency *string  `json:"currency"`
	}
	if json.Unmarshal(body, &data) != nil || data.Price == nil || data.Currency == nil {
		return failOutcome, quote{}, 0
	}
	return okOutcome, quote{Symbol: symbol, Price: *data.Price, Currency: *data.Currency}, 0
}

type answer struct {
	status  int
	body    interface{}
	headers map[string]string
}

func errorBody(code, message string) interface{} {
	return map[string]interface{}{"error": map[string]string{"code": code, "message": message}}
}

func fallback(symbol string) (answer, bool) {
	mu.Lock()
	q, ok := lastGood[symbol]
	mu.Unlock()
	q.Stale = true
	return answer{status: 200, body: q}, ok
}

func getQuote(symbol string) answer {
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			time.Sleep(backoff[attempt-1])
		}
		allowed, retryAfter := acquire(symbol)
		if !allowed {
			if a, ok := fallback(symbol); ok {
				return a
			}
			return answer{503, errorBody("circuit_open", "The upstream is failing; try again later."),
				map[string]string{"Retry-After": strconv.Itoa(retryAfter)}}
		}
		result, q, status := fetch(symbol)
		record(symbol, result == failOutcome)
		switch result {
		case okOutcome:
			mu.Lock()
			lastGood[symbol] = q
			mu.Unlock()
			return answer{status: 200, body: q}
		case clientOutcome:
			if status == http.StatusNotFound {
				return answer{status: 404, body: errorBody("unknown_symbol", "No such symbol.")}
			}
			return answer{status: 502, body: errorBody("upstream_error", fmt.Sprintf("The upstream refused (%d).", status))}
		}
	}
	if a, ok := fallback(symbol); ok {
		return a
	}
	return answer{status: 503, body: errorBody("upstream_unavailable", "The upstream did not answer.")}
}

func send(w http.ResponseWriter, a answer) {
	data, _ := json.Marshal(a.body)
	w.Header().Set("Content-Type", "application/json")
	for name, value := range a.headers {
		w.Header().Set(name, value)
	}
	w.WriteHeader(a.status)
	w.Write(data)
}

func handle(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/health":
		send(w, answer{status: 200, body: map[string]string{"status": "ok"}})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/quotes/"):
		symbol := strings.TrimPrefix(r.URL.Path, "/quotes/")
		if !symbolRe.MatchString(symbol) {
			send(w, answer{status: 400, body: errorBody("invalid_symbol", "A symbol is 1-32 of A-Z a-z 0-9 . _ -.")})
			return
		}
		send(w, getQuote(symbol))
	default:
		send(w, answer{status: 404, body: errorBody("not_found", "No such path.")})
	}
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func main() {
	addr := "127.0.0.1:" + envOr("PORT", "8080")
	if err := http.ListenAndServe(addr, http.HandlerFunc(handle)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
