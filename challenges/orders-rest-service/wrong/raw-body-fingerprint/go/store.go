package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Item is one line of an order.
type Item struct {
	Sku            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

// Order is the resource; int64 totals, since 1000 x 10 000 000 x 100 does not fit in 32 bits.
type Order struct {
	ID         int64  `json:"id"`
	Customer   string `json:"customer"`
	Items      []Item `json:"items"`
	TotalCents int64  `json:"total_cents"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
}

var (
	errNotFound          = errors.New("no such order")
	errKeyReused         = errors.New("idempotency key reused with another body")
	errInvalidTransition = errors.New("invalid status transition")
	cursorPattern        = regexp.MustCompile(`^after:(0|[1-9][0-9]{0,17})$`)
)

func intIn(value interface{}, low, high int64) (int64, bool) {
	// The body is decoded with UseNumber: a json.Number that ParseInt accepts has no fraction.
	number, ok := value.(json.Number)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(number), 10, 64)
	return n, err == nil && n >= low && n <= high
}

func textIn(value interface{}, longest int) bool {
	text, ok := value.(string)
	n := len([]rune(text))
	return ok && n >= 1 && n <= longest && strings.TrimSpace(text) != ""
}

// validateOrder returns a message for every invalid field, and the items when all are valid.
func validateOrder(body map[string]interface{}) (map[string]string, []Item) {
	errs := map[string]string{}
	for name := range body {
		if name != "customer" && name != "items" {
			errs[name] = "is not a known field"
		}
	}
	if !textIn(body["customer"], 100) {
		errs["customer"] = "must be a string of 1-100 characters, not only whitespace"
	}
	entries, ok := body["items"].([]interface{})
	if !ok || len(entries) < 1 || len(entries) > 100 {
		errs["items"] = "must be an array of 1-100 items"
		return errs, nil
	}
	items := make([]Item, len(entries))
	for i, raw := range entries {
		at := fmt.Sprintf("items[%d]", i)
		entry, ok := raw.(map[string]interface{})
		if !ok {
			errs[at] = "must be an object"
			continue
		}
		for name := range entry {
			if name != "sku" && name != "quantity" && name != "unit_price_cents" {
				errs[at+"."+name] = "is not a known field"
			}
		}
		var qtyOK, priceOK bool
		items[i].Sku, _ = entry["sku"].(string)
		items[i].Quantity, qtyOK = intIn(entry["quantity"], 1, 1000)
		items[i].UnitPriceCents, priceOK = intIn(entry["unit_price_cents"], 0, 10000000)
		if !textIn(entry["sku"], 64) {
			errs[at+".sku"] = "must be a string of 1-64 characters, not only whitespace"
		}
		if !qtyOK {
			errs[at+".quantity"] = "must be an integer from 1 to 1000"
		}
		if !priceOK {
			errs[at+".unit_price_cents"] = "must be an integer from 0 to 10000000"
		}
	}
	return errs, items
}

func encodeCursor(afterID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("after:%d", afterID)))
}

// decodeCursor returns the id a cursor points after; false if this service could not have issued it.
func decodeCursor(cursor string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	match := cursorPattern.FindSubmatch(raw)
	if match == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(match[1]), 10, 64)
	return id, err == nil
}

type keyRecord struct {
	fingerprint [32]byte
	id          int64
}

// Store keeps the orders in memory; one mutex makes every read-check-write atomic.
type Store struct {
	mu     sync.Mutex
	orders []Order // orders[id-1]: ids are dense and ascending
	keys   map[string]keyRecord
}

func NewStore() *Store {
	return &Store{keys: map[string]keyRecord{}}
}

// Create stores a new order from a valid body, or replays the order an idempotency key made.
// The mistake: a retry is recognised by a hash of the raw bytes, so the same JSON with its keys
// in another order or other whitespace counts as another body and is refused.
func (s *Store) Create(body map[string]interface{}, raw []byte, items []Item, key string) (Order, bool, error) {
	fingerprint := sha256.Sum256(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Lookup and insert under one lock: two simultaneous retries must not both miss.
	if record, seen := s.keys[key]; key != "" && seen {
		if record.fingerprint != fingerprint {
			return Order{}, false, errKeyReused
		}
		return s.orders[record.id-1], true, nil
	}
	order := Order{ID: int64(len(s.orders)) + 1, Customer: body["customer"].(string), Items: items,
		Status: "pending", CreatedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	for _, item := range items {
		order.TotalCents += item.Quantity * item.UnitPriceCents
	}
	s.orders = append(s.orders, order)
	if key != "" {
		s.keys[key] = keyRecord{fingerprint: fingerprint, id: order.ID}
	}
	return order, false, nil
}

func (s *Store) Get(id int64) (Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.orders)) {
		return Order{}, errNotFound
	}
	return s.orders[id-1], nil
}

// SetStatus moves a pending order to paid or cancelled; its current status again is a no-op.
func (s *Store) SetStatus(id int64, status string) (Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.orders)) {
		return Order{}, errNotFound
	}
	order := &s.orders[id-1]
	if order.Status != status {
		if order.Status != "pending" {
			return *order, errInvalidTransition
		}
		order.Status = status
	}
	return *order, nil
}

// Page returns up to limit matching orders after afterID, and the cursor of the next page.
func (s *Store) Page(limit int, afterID int64, customer, status *string) ([]Order, *string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := []Order{}
	// One more than asked tells whether a next page exists.
	for i := afterID; i < int64(len(s.orders)) && len(found) <= limit; i++ {
		order := s.orders[i]
		if (customer == nil || order.Customer == *customer) && (status == nil || order.Status == *status) {
			found = append(found, order)
		}
	}
	if len(found) > limit {
		next := encodeCursor(found[limit-1].ID)
		return found[:limit], &next
	}
	return found, nil
}
