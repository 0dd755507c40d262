// Sentinel client program for Jedis 5 (owned by test/sentinel-clients/): writes through a JedisSentinelPool;
// reads from a replica that SENTINEL REPLICAS names (Jedis 5 has no replica pool), then writes
// SET <prefix>:<i> in a loop, printing one JSON event per line. The contract is in test/sentinel-clients/README.md.
package tsredis;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.exceptions.JedisDataException;

public final class JedisClient {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private static boolean finished; // set with the last line (done or error); nothing is printed after it
  private static volatile boolean writing;
  private static final AtomicLong ACKS = new AtomicLong();

  private static synchronized void emit(String json) {
    if (!finished) OUT.println(json); // autoflush: one write per line
  }

  /** Prints the last line and exits at once (no pool shutdown: sentinel listener threads may be mid-reconnect). */
  private static synchronized void finish(int code, String json) {
    emit(json);
    finished = true;
    OUT.flush();
    Runtime.getRuntime().halt(code);
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  private static void fatal(String message) {
    finish(1, "{\"event\":\"error\",\"message\":" + q(message) + "}");
  }

  private static String doneLine() {
    return "{\"event\":\"done\",\"acks\":" + ACKS.get() + "}";
  }

  private static String describe(Throwable e) {
    String m = e.getClass().getSimpleName() + ": " + e.getMessage();
    if (e.getCause() != null && e.getCause() != e) m += " (cause: " + e.getCause() + ")";
    return m;
  }

  private static String jedisVersion() {
    try (InputStream in =
        Jedis.class.getClassLoader().getResourceAsStream("redis/clients/jedis/pom.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (Exception e) {
      return "unknown";
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> sentinelArgs = new ArrayList<>();
    String name = null, prefix = null;
    // The password comes from the environment, never argv (it may begin with "-"; argv is public).
    String password = System.getenv().getOrDefault("REDIS_PASSWORD", "");
    double seconds = 0;
    long intervalMs = 20;
    for (int a = 0; a < args.length; a++) {
      String flag = args[a];
      if (a + 1 >= args.length) fatal("missing value for " + flag);
      String v = args[++a];
      switch (flag) {
        case "--sentinel" -> sentinelArgs.add(v);
        case "--name" -> name = v;
        case "--prefix" -> prefix = v;
        case "--seconds" -> seconds = Double.parseDouble(v);
        case "--interval-ms" -> intervalMs = Long.parseLong(v);
        default -> fatal("unknown flag " + flag);
      }
    }
    if (sentinelArgs.isEmpty() || name == null || prefix == null || seconds <= 0) {
      fatal("usage: --sentinel host:port [--sentinel ...] --name N --prefix K --seconds S [--interval-ms MS]");
    }
    final long deadline = System.currentTimeMillis() + (long) (seconds * 1000);
    // Hard stop: exit within 2 s after --seconds even if a call hangs (socket and pool timeouts are 1 s).
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(Math.max(0, deadline - System.currentTimeMillis()) + 1500);
              } catch (InterruptedException e) {
                return;
              }
              if (writing) finish(0, doneLine());
              fatal("hard deadline reached during discovery: a call did not return");
            });
    watchdog.setDaemon(true);
    watchdog.start();

    Set<HostAndPort> sentinels = new LinkedHashSet<>();
    for (String s : sentinelArgs) sentinels.add(HostAndPort.from(s));
    JedisClientConfig nodeConfig =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(1000)
            .socketTimeoutMillis(1000)
            .password(password.isEmpty() ? null : password)
            .build();
    JedisClientConfig sentinelConfig =
        DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(1000).build();
    GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
    poolConfig.setMaxTotal(4);
    poolConfig.setMaxWait(Duration.ofSeconds(1));

    // ---- Phase 1: discovery ----
    JedisSentinelPool pool;
    String probeKey = prefix + ":probe";
    byte[] rnd = new byte[8];
    new SecureRandom().nextBytes(rnd);
    StringBuilder probe = new StringBuilder();
    for (byte x : rnd) probe.append(String.format("%02x", x));
    try {
      pool = new JedisSentinelPool(name, sentinels, poolConfig, nodeConfig, sentinelConfig);
      try (Jedis j = pool.getResource()) {
        j.set(probeKey, probe.toString());
      }
    } catch (Exception e) {
      fatal("probe write through the JedisSentinelPool failed: " + describe(e));
      return;
    }

    // Jedis 5 has no replica pool: ask a sentinel for SENTINEL REPLICAS and connect to a healthy one.
    boolean readFromReplica = false, replicaRefusedWrite = false;
    String lastErr = "no replica listed";
    long t0 = System.currentTimeMillis();
    while (!readFromReplica && System.currentTimeMillis() - t0 < 10_000) {
      for (HostAndPort s : sentinels) {
        try (Jedis sentinel = new Jedis(s, sentinelConfig)) {
          for (Map<String, String> r : sentinel.sentinelReplicas(name)) {
            String flags = r.getOrDefault("flags", "");
            if (flags.contains("s_down") || flags.contains("o_down") || flags.contains("disconnected")) continue;
            HostAndPort addr = new HostAndPort(r.get("ip"), Integer.parseInt(r.get("port")));
            try (Jedis replica = new Jedis(addr, nodeConfig)) {
              if (!probe.toString().equals(replica.get(probeKey))) {
                lastErr = "probe not yet on replica " + addr;
                continue;
              }
              readFromReplica = true;
              try {
                replica.set(probeKey, "from-replica");
                fatal("write through the replica connection succeeded; expected READONLY");
              } catch (JedisDataException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("READONLY")) replicaRefusedWrite = true;
                else fatal("write through the replica failed with a non-READONLY error: " + e.getMessage());
              }
              break;
            }
          }
        } catch (Exception e) {
          lastErr = describe(e);
        }
        if (readFromReplica) break;
      }
      if (!readFromReplica) Thread.sleep(100);
    }
    if (!readFromReplica) fatal("probe value did not appear on a replica within 10 s (last: " + lastErr + ")");
    emit(
        "{\"event\":\"ready\",\"lib\":"
            + q("jedis " + jedisVersion())
            + ",\"readFromReplica\":"
            + readFromReplica
            + ",\"replicaRefusedWrite\":"
            + replicaRefusedWrite
            + "}");

    // ---- Phase 2: writes ----
    writing = true;
    long lastFail = 0;
    for (long i = 0; System.currentTimeMillis() < deadline; ) {
      try (Jedis j = pool.getResource()) {
        j.set(prefix + ":" + i, Long.toString(i));
        emit("{\"event\":\"ack\",\"i\":" + i + ",\"t\":" + System.currentTimeMillis() + "}");
        ACKS.incrementAndGet();
        i++;
      } catch (Exception e) {
        long now = System.currentTimeMillis();
        if (now < deadline && now - lastFail >= 200) {
          lastFail = now;
          emit("{\"event\":\"fail\",\"t\":" + now + ",\"message\":" + q(describe(e)) + "}");
        }
      }
      long left = deadline - System.currentTimeMillis();
      if (left > 0) Thread.sleep(Math.min(intervalMs, left));
    }
    finish(0, doneLine());
  }
}
