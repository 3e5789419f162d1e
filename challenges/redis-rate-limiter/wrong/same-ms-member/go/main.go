// Redis-backed rate limiter service (reference). Two instances share every quota via Redis.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"regexp"
	"strings"
)

var apiKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type object = map[string]interface{}

func send(w http.ResponseWriter, status int, payload interface{}) {
	data, _ := json.Marshal(payload)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

func fail(w http.ResponseWriter, status int, code, message string) {
	send(w, status, object{"error": object{"code": code, "message": message}})
}

func handle(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	path := r.URL.Path
	switch {
	case path == "/health":
		if r.Method != "GET" {
			fail(w, 405, "method_not_allowed", "Use GET.")
			return
		}
		send(w, 200, object{"status": "ok"})
	case path == "/api/requests":
		if r.Method != "POST" {
			fail(w, 405, "method_not_allowed", "Use POST.")
			return
		}
		request(w, r)
	case strings.HasPrefix(path, "/limits/") && !strings.Contains(path[8:], "/"):
		if r.Method != "GET" && r.Method != "PUT" {
			fail(w, 405, "method_not_allowed", "Use GET or PUT.")
			return
		}
		limits(w, r, path[8:], raw)
	default:
		fail(w, 404, "not_found", "No such path.")
	}
}

func request(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-Api-Key")
	if !apiKey.MatchString(key) {
		fail(w, 401, "invalid_api_key", "X-Api-Key is missing or invalid.")
		return
	}
	d, err := hit(key)
	if err != nil {
		log.Print(err)
		fail(w, 500, "internal", "Internal error.")
		return
	}
	w.Header().Set("X-RateLimit-Limit", fmt.Sprint(d.capacity))
	w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(d.remaining))
	if d.allowed {
		send(w, 200, object{"allowed": true, "remaining": d.remaining})
		return
	}
	w.Header().Set("Retry-After", fmt.Sprint(d.retryAfter))
	fail(w, 429, "rate_limited", "Too many requests.")
}

// limitProblems checks a PUT /limits body field by field; numbers arrive as json.Number.
func limitProblems(body object) object {
	problems := object{}
	for _, f := range []struct {
		name      string
		low, high int64
	}{{"capacity", 1, 100000}, {"window_ms", 100, 86400000}} {
		number, ok := body[f.name].(json.Number)
		value, err := number.Int64()
		if !ok || err != nil || value < f.low || value > f.high {
			problems[f.name] = fmt.Sprintf("must be an integer from %d to %d", f.low, f.high)
		}
	}
	for name := range body {
		if name != "capacity" && name != "window_ms" {
			problems[name] = "unknown field"
		}
	}
	return problems
}

func limits(w http.ResponseWriter, r *http.Request, key string, raw []byte) {
	if !apiKey.MatchString(key) {
		fail(w, 400, "invalid_api_key", "The key in the path is invalid.")
		return
	}
	if r.Method == "GET" {
		capacity, window, err := getLimit(key)
		if err != nil {
			log.Print(err)
			fail(w, 500, "internal", "Internal error.")
			return
		}
		send(w, 200, object{"key": key, "capacity": capacity, "window_ms": window})
		return
	}
	var body object
	decoder := json.NewDecoder(strings.NewReader(string(raw)))
	decoder.UseNumber()
	if err := decoder.Decode(&body); err != nil || body == nil {
		fail(w, 400, "bad_request", "The body must be a JSON object.")
		return
	}
	if problems := limitProblems(body); len(problems) > 0 {
		send(w, 422, object{"error": object{
			"code": "validation_error", "message": "Some fields are invalid.", "fields": problems,
		}})
		return
	}
	capacity, _ := body["capacity"].(json.Number).Int64()
	window, _ := body["window_ms"].(json.Number).Int64()
	if err := setLimit(key, int(capacity), int(window)); err != nil {
		log.Print(err)
		fail(w, 500, "internal", "Internal error.")
		return
	}
	send(w, 200, object{"key": key, "capacity": capacity, "window_ms": window})
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, http.HandlerFunc(handle)))
}
