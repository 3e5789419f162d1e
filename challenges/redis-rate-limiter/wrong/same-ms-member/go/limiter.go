// Sliding-window log in Redis: one sorted set of accepted request times per API key, each
// request's time its own member.
package main

import (
	"os"
	"time"

	"github.com/gomodule/redigo/redis"
)

const (
	defaultCapacity = 10
	defaultWindowMs = 60000
)

var pool = &redis.Pool{
	MaxIdle:     64,
	IdleTimeout: time.Minute,
	Dial: func() (redis.Conn, error) {
		url := os.Getenv("REDIS_URL")
		if url == "" {
			url = "redis://127.0.0.1:6379/0"
		}
		return redis.DialURL(url)
	},
}

// One script, so that reading the log and adding to it are one atomic step: two instances
// (or two goroutines) can never both see "one slot left" and both take it.
var hitScript = redis.NewScript(2, `
local limit = redis.call('HMGET', KEYS[2], 'capacity', 'window_ms')
local capacity = tonumber(limit[1]) or tonumber(ARGV[2])
local window = tonumber(limit[2]) or tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < capacity then
  redis.call('ZADD', KEYS[1], now, now)
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, capacity, capacity - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, capacity, 0, tonumber(oldest[2]) + window - now}
`)

type decision struct {
	allowed                         bool
	capacity, remaining, retryAfter int
}

// hit counts one request of key if its window has room and says whether it was allowed.
func hit(key string) (decision, error) {
	conn := pool.Get()
	defer conn.Close()
	reply, err := redis.Ints(hitScript.Do(conn, "rl:log:"+key, "rl:limit:"+key,
		"-", defaultCapacity, defaultWindowMs))
	if err != nil {
		return decision{}, err
	}
	retry := (reply[3] + 999) / 1000
	if retry < 1 {
		retry = 1
	}
	return decision{reply[0] == 1, reply[1], reply[2], retry}, nil
}

// getLimit returns the capacity and window of key, the defaults when none was set.
func getLimit(key string) (int, int, error) {
	conn := pool.Get()
	defer conn.Close()
	values, err := redis.Values(conn.Do("HMGET", "rl:limit:"+key, "capacity", "window_ms"))
	if err != nil {
		return 0, 0, err
	}
	if values[0] == nil || values[1] == nil {
		return defaultCapacity, defaultWindowMs, nil
	}
	capacity, _ := redis.Int(values[0], nil)
	window, _ := redis.Int(values[1], nil)
	return capacity, window, nil
}

// setLimit stores the limit of key, shared by every instance.
func setLimit(key string, capacity, window int) error {
	conn := pool.Get()
	defer conn.Close()
	_, err := conn.Do("HSET", "rl:limit:"+key, "capacity", capacity, "window_ms", window)
	return err
}
