// Sentinel client program for go-redis v9 (owned by test/sentinel-clients/): discovers the master and a
// replica through Sentinel with redis.NewFailoverClient (ReplicaOnly for the replica client), then writes
// SET <prefix>:<i> in a loop, printing one JSON event per line. The contract is in ../README.md.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

var (
	outMu    sync.Mutex
	finished bool // set with the last line (done or error); nothing is printed after it
)

// emit prints one JSON line; os.Stdout is unbuffered, so each line is written out at once.
func emit(fields map[string]any) {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	if !finished {
		_, _ = os.Stdout.Write(append(b, '\n'))
	}
}

// finish prints the last line and exits.
func finish(code int, fields map[string]any) {
	emit(fields)
	outMu.Lock()
	finished = true
	os.Exit(code)
}

func nowMs() int64 { return time.Now().UnixMilli() }

func fatal(msg string) {
	finish(1, map[string]any{"event": "error", "message": msg})
}

func main() {
	var sentinels stringList
	flag.Var(&sentinels, "sentinel", "sentinel host:port (repeatable)")
	name := flag.String("name", "", "master name")
	prefix := flag.String("prefix", "", "key prefix")
	seconds := flag.Float64("seconds", 0, "total run time in seconds")
	intervalMs := flag.Int("interval-ms", 20, "pause between writes in ms")
	flag.Parse()
	// The password comes from the environment, never argv (it may begin with "-"; argv is public).
	password := os.Getenv("REDIS_PASSWORD")
	if len(sentinels) == 0 || *name == "" || *prefix == "" || *seconds <= 0 {
		fatal("usage: --sentinel host:port [--sentinel ...] --name N --prefix K --seconds S [--interval-ms MS]")
	}
	// go-redis logs discovery steps ("sentinel: new master=...") on stderr; keep them, they help debugging.
	redis.SetLogger(&stderrLogger{log.New(os.Stderr, "go-redis: ", log.LstdFlags|log.Lmicroseconds)})

	start := time.Now()
	deadline := start.Add(time.Duration(*seconds * float64(time.Second)))
	var acks atomic.Int64
	var writing atomic.Bool
	// Hard stop: exit within 2 s after --seconds even if a call hangs (write-loop calls also carry the
	// deadline in their context, so this fires only if discovery itself hangs).
	go func() {
		time.Sleep(time.Until(deadline) + 1500*time.Millisecond)
		if writing.Load() {
			finish(0, map[string]any{"event": "done", "acks": acks.Load()})
		}
		fatal("hard deadline reached during discovery: a call did not return")
	}()

	opts := func(replica bool) *redis.FailoverOptions {
		return &redis.FailoverOptions{
			MasterName:    *name,
			SentinelAddrs: sentinels,
			Password:      password,
			ReplicaOnly:   replica,
			DialTimeout:   time.Second,
			ReadTimeout:   time.Second,
			WriteTimeout:  time.Second,
			PoolTimeout:   time.Second,
			// Honour the context deadline too, so a call stops at --seconds.
			ContextTimeoutEnabled: true,
			// A retried command re-dials, and every master dial asks the sentinel again
			// (SENTINEL get-master-addr-by-name), so retries are the library's rediscovery.
			MaxRetries:      2,
			MinRetryBackoff: 50 * time.Millisecond,
			MaxRetryBackoff: 200 * time.Millisecond,
		}
	}
	master := redis.NewFailoverClient(opts(false))
	replica := redis.NewFailoverClient(opts(true))

	// ---- Phase 1: discovery ----
	ctx := context.Background()
	buf := make([]byte, 8)
	_, _ = rand.Read(buf)
	probe := hex.EncodeToString(buf)
	probeKey := *prefix + ":probe"
	if err := master.Set(ctx, probeKey, probe, 0).Err(); err != nil {
		fatal("probe write through the master client failed: " + err.Error())
	}
	readFromReplica := false
	var lastErr error
	for t0 := time.Now(); time.Since(t0) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
		v, err := replica.Get(ctx, probeKey).Result()
		if err == nil && v == probe {
			readFromReplica = true
			break
		}
		lastErr = err
	}
	if !readFromReplica {
		fatal(fmt.Sprintf("probe value did not appear on the replica within 10 s (last error: %v)", lastErr))
	}
	replicaRefusedWrite := false
	if err := replica.Set(ctx, probeKey, "from-replica", 0).Err(); err != nil {
		if strings.HasPrefix(err.Error(), "READONLY") {
			replicaRefusedWrite = true
		} else {
			fatal("write through the replica client failed with a non-READONLY error: " + err.Error())
		}
	} else {
		fatal("write through the replica client succeeded; expected READONLY")
	}
	emit(map[string]any{
		"event":               "ready",
		"lib":                 "go-redis " + redis.Version(),
		"readFromReplica":     readFromReplica,
		"replicaRefusedWrite": replicaRefusedWrite,
	})
	_ = replica.Close()

	// ---- Phase 2: writes ----
	writing.Store(true)
	var lastFail time.Time
	for i := 0; time.Now().Before(deadline); {
		cctx, cancel := context.WithDeadline(ctx, deadline)
		err := master.Set(cctx, *prefix+":"+strconv.Itoa(i), strconv.Itoa(i), 0).Err()
		cancel()
		if err == nil {
			emit(map[string]any{"event": "ack", "i": i, "t": nowMs()})
			acks.Add(1)
			i++
		} else if !time.Now().Before(deadline) {
			break // cut off by the deadline: not a failure of the library
		} else if time.Since(lastFail) >= 200*time.Millisecond {
			lastFail = time.Now()
			emit(map[string]any{"event": "fail", "t": nowMs(), "message": err.Error()})
		}
		if d := time.Until(deadline); d > 0 {
			time.Sleep(min(time.Duration(*intervalMs)*time.Millisecond, d))
		}
	}
	finish(0, map[string]any{"event": "done", "acks": acks.Load()})
}

type stderrLogger struct{ l *log.Logger }

func (s *stderrLogger) Printf(_ context.Context, format string, v ...any) {
	_ = s.l.Output(2, fmt.Sprintf(format, v...))
}
