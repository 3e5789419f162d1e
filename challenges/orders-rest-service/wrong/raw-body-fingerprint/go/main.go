// Known-wrong: a retried POST is recognised by the raw bytes of its body, not its JSON value.
// Orders REST service on net/http. Paths are parsed by hand: Go 1.19's ServeMux has no
// method or wildcard patterns.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// A body larger than this is refused: a client cannot make the server buffer gigabytes.
const maxBody = 1 << 20

var (
	keyPattern   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	idPattern    = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)
	limitPattern = regexp.MustCompile(`^[0-9]{1,3}$`)
	statuses     = map[string]bool{"pending": true, "paid": true, "cancelled": true}
	routes       = map[string][]string{"health": {"GET"}, "orders": {"GET", "POST"}, "order": {"GET", "PATCH"}}
)

type apiError struct {
	status  int
	code    string
	message string
	fields  map[string]string
}

func (e *apiError) Error() string { return e.message }

func fail(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

type response struct {
	status  int
	body    interface{}
	headers map[string]string
}

type app struct{ store *Store }

func requireJSON(r *http.Request) *apiError {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fail(415, "unsupported_media_type", "Send the body as application/json.")
	}
	return nil
}

// parseObject decodes a JSON object, keeping numbers as json.Number so 2.5 is not taken for 2.
func parseObject(raw []byte) (map[string]interface{}, *apiError) {
	if !json.Valid(raw) {
		return nil, fail(400, "bad_request", "The body is not valid JSON.")
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value interface{}
	if err := decoder.Decode(&value); err != nil {
		return nil, fail(400, "bad_request", "The body is not valid JSON.")
	}
	object, ok := value.(map[string]interface{})
	if !ok {
		return nil, fail(400, "bad_request", "The body must be a JSON object.")
	}
	return object, nil
}

func invalid(fields map[string]string) *apiError {
	return &apiError{status: 422, code: "validation_error", message: "Some fields are invalid.", fields: fields}
}

func (a *app) create(r *http.Request, raw []byte) (*response, *apiError) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	key := ""
	if values, present := r.Header["Idempotency-Key"]; present {
		if key = values[0]; !keyPattern.MatchString(key) {
			return nil, fail(400, "invalid_idempotency_key", "Idempotency-Key must be 1-64 of A-Z a-z 0-9 _ -.")
		}
	}
	body, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	fields, items := validateOrder(body)
	if len(fields) > 0 {
		return nil, invalid(fields)
	}
	order, replayed, createErr := a.store.Create(body, raw, items, key)
	if createErr != nil {
		return nil, fail(422, "idempotency_key_reused", "This Idempotency-Key was used with another body.")
	}
	headers := map[string]string{"Location": fmt.Sprintf("/orders/%d", order.ID)}
	if replayed {
		headers["Idempotent-Replayed"] = "true"
		return &response{200, order, headers}, nil
	}
	return &response{201, order, headers}, nil
}

func (a *app) patch(r *http.Request, raw []byte, id int64) (*response, *apiError) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	body, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for name := range body {
		if name != "status" {
			fields[name] = "is not a known field"
		}
	}
	status, _ := body["status"].(string)
	if status != "paid" && status != "cancelled" {
		fields["status"] = `must be "paid" or "cancelled"`
	}
	if len(fields) > 0 {
		return nil, invalid(fields)
	}
	order, setErr := a.store.SetStatus(id, status)
	if errors.Is(setErr, errInvalidTransition) {
		return nil, fail(409, "invalid_transition", fmt.Sprintf("A %s order cannot become %s.", order.Status, status))
	}
	return &response{200, order, nil}, nil
}

func (a *app) list(r *http.Request) (*response, *apiError) {
	query := r.URL.Query()
	limit := 20
	if values, present := query["limit"]; present {
		n, _ := strconv.Atoi(values[0])
		if !limitPattern.MatchString(values[0]) || n < 1 || n > 100 {
			return nil, fail(400, "bad_request", "limit must be an integer from 1 to 100.")
		}
		limit = n
	}
	var customer, status *string
	if values, present := query["customer"]; present {
		customer = &values[0]
	}
	if values, present := query["status"]; present {
		if !statuses[values[0]] {
			return nil, fail(400, "bad_request", "status must be pending, paid or cancelled.")
		}
		status = &values[0]
	}
	var afterID int64
	if values, present := query["cursor"]; present {
		var ok bool
		if afterID, ok = decodeCursor(values[0]); !ok {
			return nil, fail(400, "bad_request", "cursor is not one this service issued.")
		}
	}
	items, next := a.store.Page(limit, afterID, customer, status)
	return &response{200, map[string]interface{}{"items": items, "next_cursor": next}, nil}, nil
}

func (a *app) route(r *http.Request, raw []byte) (*response, *apiError) {
	path := r.URL.Path
	parts := strings.Split(path, "/")
	name := ""
	switch {
	case path == "/health":
		name = "health"
	case path == "/orders":
		name = "orders"
	case len(parts) == 3 && parts[1] == "orders":
		name = "order"
	default:
		return nil, fail(404, "not_found", "No such resource.")
	}
	allowed := false
	for _, method := range routes[name] {
		allowed = allowed || method == r.Method
	}
	if !allowed {
		return nil, fail(405, "method_not_allowed", r.Method+" is not supported here.")
	}
	switch {
	case name == "health":
		return &response{200, map[string]string{"status": "ok"}, nil}, nil
	case name == "orders" && r.Method == "GET":
		return a.list(r)
	case name == "orders":
		return a.create(r, raw)
	}
	id, _ := strconv.ParseInt(parts[2], 10, 64)
	order, err := a.store.Get(id)
	if !idPattern.MatchString(parts[2]) || err != nil {
		return nil, fail(404, "not_found", "No such order.")
	}
	if r.Method == "GET" {
		return &response{200, order, nil}, nil
	}
	return a.patch(r, raw, id)
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var resp *response
	var failure *apiError
	if err != nil {
		failure = fail(413, "payload_too_large", "The body is too large.")
	} else {
		resp, failure = a.route(r, raw)
	}
	if failure != nil {
		body := map[string]interface{}{"code": failure.code, "message": failure.message}
		if failure.fields != nil {
			body["fields"] = failure.fields
		}
		resp = &response{failure.status, map[string]interface{}{"error": body}, nil}
	}
	data, _ := json.Marshal(resp.body)
	w.Header().Set("Content-Type", "application/json")
	for name, value := range resp.headers {
		w.Header().Set(name, value)
	}
	w.WriteHeader(resp.status)
	w.Write(data)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, &app{store: NewStore()}))
}
