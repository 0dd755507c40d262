/* tsr_glue.c: the C side of tsredis-server's Lua scripting, compiled with Lua 5.1 to WebAssembly.
 * It owns what is cheaper or only possible next to the VM: the Lua state and the libraries Redis 7.0
 * loads, the redis.* API (its argument checks, error tables and constants), the conversions between
 * RESP and Lua values in both directions (Redis's rules), the protection of the globals, the script
 * runs as coroutines (so a busy script can yield to the event loop from its count hook), and the
 * error text a failed script gets. The host (node/src/scripting/lua-vm.ts) runs the commands, keeps
 * the script cache, and decides when a script is busy or killed.
 *
 * Memory shared with the host: one scratch buffer (tsr_buffer) that carries a script body, the KEYS
 * and ARGV of a run, and a command's reply into the VM; the output buffer (tsr_out_*) carries a
 * script's reply or error out as RESP; the argument vector (tsr_argv) of a redis.call. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
#include "lobject.h"
#include "lstate.h"

#define IMPORT(n) __attribute__((import_module("tsredis"), import_name(n)))
#define EXPORT(n) __attribute__((export_name(n)))

/* Runs redis.call/pcall's command (its argv in tsr_argv) and writes the RESP reply into the scratch
 * buffer; returns the reply's length. resp is the RESP version the script asked for. */
IMPORT("call") int host_call(int resp);
/* The count hook's question: 0 go on, 1 yield to the event loop (only asked when possible), 2 kill. */
IMPORT("hook") int host_hook(int yieldable);
IMPORT("log") void host_log(int level, const char *msg, size_t len);
IMPORT("sha1hex") void host_sha1hex(const char *s, size_t len, char *out40);
/* redis.acl_check_cmd: 0 when argv names no known command, 1 when the script's user may run it, 2 if not. */
IMPORT("known") int host_known(void);

int luaopen_cjson(lua_State *L);
int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);
int luaopen_bit(lua_State *L);

/* ---- buffers shared with the host ---- */

static char *scratch = NULL;
static size_t scratch_cap = 0;

/* A scratch buffer of at least n bytes (its contents are not kept when it grows). */
EXPORT("tsr_buffer") char *tsr_buffer(size_t n) {
  if (n > scratch_cap) {
    size_t cap = scratch_cap == 0 ? 4096 : scratch_cap;
    while (cap < n) cap *= 2;
    free(scratch);
    scratch = malloc(cap);
    scratch_cap = scratch == NULL ? 0 : cap;
  }
  return scratch;
}

/* Memory the host keeps for good (the names it passes). */
EXPORT("tsr_alloc") void *tsr_alloc(size_t n) { return malloc(n); }

typedef struct {
  char *p;
  size_t len, cap;
  int failed; /* an allocation failed: the output is incomplete */
} Out;

static Out out = {NULL, 0, 0, 0};

static void out_reserve(size_t n) {
  if (out.len + n <= out.cap) return;
  size_t cap = out.cap == 0 ? 1024 : out.cap;
  while (cap < out.len + n) cap *= 2;
  char *p = realloc(out.p, cap);
  if (p == NULL) {
    out.failed = 1;
    return;
  }
  out.p = p;
  out.cap = cap;
}

static void out_add(const char *s, size_t n) {
  out_reserve(n);
  if (out.failed) return;
  memcpy(out.p + out.len, s, n);
  out.len += n;
}

static void out_str(const char *s) { out_add(s, strlen(s)); }

/* Writes v in decimal into b (at least 21 bytes); returns the length. Faster than printf here. */
static int format_ll(char *b, long long v) {
  char t[24];
  int n = 0, len = 0;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    t[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) b[len++] = '-';
  while (n > 0) b[len++] = t[--n];
  return len;
}

static void out_fmt_ll(char type, long long v) {
  char b[32];
  b[0] = type;
  int n = 1 + format_ll(b + 1, v);
  b[n++] = '\r';
  b[n++] = '\n';
  out_add(b, (size_t)n);
}

static void out_reset(void) {
  out.len = 0;
  out.failed = 0;
}

EXPORT("tsr_out_ptr") char *tsr_out_ptr(void) { return out.p; }
EXPORT("tsr_out_len") size_t tsr_out_len(void) { return out.failed ? 0 : out.len; }

/* The argument vector of the redis.call being run: pointers into strings on the Lua stack. */
static struct {
  int argc;
  int cap;
  const char **ptr;
  size_t *len;
} argv = {0, 0, NULL, NULL};

/* [argc, ptr array, len array] for the host. */
static uint32_t argv_desc[3];
EXPORT("tsr_argv") uint32_t *tsr_argv(void) {
  argv_desc[0] = (uint32_t)argv.argc;
  argv_desc[1] = (uint32_t)(uintptr_t)argv.ptr;
  argv_desc[2] = (uint32_t)(uintptr_t)argv.len;
  return argv_desc;
}

/* Lua's protected calls: the host calls f(L, ud) inside its try/catch (see luaconf.h's patch). */
EXPORT("tsr_invoke") void tsr_invoke(void *f, void *L, void *ud) {
  ((void (*)(lua_State *, void *))f)((lua_State *)L, ud);
}

/* ---- per-run state ---- */

static int script_resp = 2;      /* redis.setresp() */
static int repl_flags = 3;       /* redis.set_repl(): PROPAGATE_AOF | PROPAGATE_REPL */
static int in_run = 0;           /* redis.call & co. only inside a run */
static lua_State *running = NULL; /* the coroutine of the current run */
static lua_State *spare = NULL;   /* a finished coroutine, reused by the next run */
static int spare_ref = LUA_NOREF;
static int running_ref = LUA_NOREF;

EXPORT("tsr_repl_flags") int tsr_repl_flags(void) { return repl_flags; }
EXPORT("tsr_script_resp") int tsr_script_resp(void) { return script_resp; }

/* ---- errors as Redis 7.0 builds them ---- */

/* Pushes {err="CODE msg"} from "-CODE msg" or "msg" (code ERR), trailing CR/LF trimmed. */
static void push_error(lua_State *L, const char *s, size_t n) {
  luaL_Buffer b;
  while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  luaL_buffinit(L, &b);
  if (n > 0 && s[0] == '-') {
    const char *sp = memchr(s, ' ', n);
    if (sp == NULL) {
      luaL_addstring(&b, "ERR ");
      luaL_addlstring(&b, s + 1, n - 1);
    } else {
      luaL_addlstring(&b, s + 1, (size_t)(sp - s - 1));
      luaL_addchar(&b, ' ');
      luaL_addlstring(&b, sp + 1, n - (size_t)(sp - s) - 1);
    }
  } else {
    luaL_addstring(&b, "ERR ");
    luaL_addlstring(&b, s, n);
  }
  lua_newtable(L);
  lua_pushstring(L, "err");
  luaL_pushresult(&b);
  lua_settable(L, -3);
}

static void push_error_str(lua_State *L, const char *msg) { push_error(L, msg, strlen(msg)); }

static int raise_error(lua_State *L, const char *msg) {
  push_error_str(L, msg);
  return lua_error(L);
}

/* ---- RESP (a command's reply) to Lua ---- */

typedef struct {
  const char *p, *end;
  int bad;
} Reader;

static const char *line_end(Reader *r) {
  for (const char *q = r->p; q + 1 < r->end; q++)
    if (q[0] == '\r' && q[1] == '\n') return q;
  r->bad = 1;
  return NULL;
}

static long long read_ll(Reader *r, const char *to) {
  long long v = 0;
  int neg = 0;
  const char *q = r->p;
  if (q < to && *q == '-') {
    neg = 1;
    q++;
  }
  for (; q < to; q++) v = v * 10 + (*q - '0');
  return neg ? -v : v;
}

static void push_reply(lua_State *L, Reader *r, int push);

/* Reads the next value; pushes it when push (attributes are read and dropped, as Redis does). */
static void push_reply(lua_State *L, Reader *r, int push) {
  if (r->bad || r->p >= r->end) {
    r->bad = 1;
    return;
  }
  if (push && !lua_checkstack(L, 5)) {
    r->bad = 1;
    return;
  }
  char t = *r->p++;
  const char *e = line_end(r);
  if (e == NULL) return;
  const char *body = r->p;
  size_t blen = (size_t)(e - body);
  r->p = e + 2;
  switch (t) {
    case '+':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushlstring(L, body, blen);
        lua_settable(L, -3);
      }
      return;
    case '-':
      if (push) {
        lua_pushlstring(L, "-", 1);
        lua_pushlstring(L, body, blen);
        lua_concat(L, 2);
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        push_error(L, s, n);
        lua_remove(L, -2);
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      return;
    case ':':
      if (push) lua_pushnumber(L, (lua_Number)read_ll(&(Reader){body, e, 0}, e));
      return;
    case '$':
    case '=': {
      long long n = read_ll(&(Reader){body, e, 0}, e);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      if ((long long)(r->end - r->p) < n + 2) {
        r->bad = 1;
        return;
      }
      const char *s = r->p;
      r->p += n + 2;
      if (!push) return;
      if (t == '$') {
        lua_pushlstring(L, s, (size_t)n);
      } else { /* verbatim: {verbatim_string={format=..., string=...}} */
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        lua_newtable(L);
        lua_pushstring(L, "string");
        lua_pushlstring(L, n >= 4 ? s + 4 : s, n >= 4 ? (size_t)n - 4 : 0);
        lua_settable(L, -3);
        lua_pushstring(L, "format");
        lua_pushlstring(L, s, n >= 3 ? 3 : (size_t)n);
        lua_settable(L, -3);
        lua_settable(L, -3);
      }
      return;
    }
    case '*':
    case '~':
    case '%':
    case '>':
    case '|': {
      long long n = read_ll(&(Reader){body, e, 0}, e);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      if (t == '|') { /* an attribute: skipped, then the value it annotates */
        for (long long j = 0; j < n && !r->bad; j++) {
          push_reply(L, r, 0);
          push_reply(L, r, 0);
        }
        push_reply(L, r, push);
        return;
      }
      if (push) {
        if (t == '~' || t == '%') {
          lua_newtable(L);
          lua_pushstring(L, t == '~' ? "set" : "map");
        }
        lua_createtable(L, t == '*' || t == '>' ? (int)(n > 1024 ? 1024 : n) : 0, 0);
      }
      for (long long j = 0; j < n && !r->bad; j++) {
        if (t == '%') {
          push_reply(L, r, push);
          push_reply(L, r, push);
          if (push) lua_settable(L, -3);
        } else if (t == '~') {
          push_reply(L, r, push);
          if (push) {
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
          }
        } else {
          push_reply(L, r, push);
          if (push) lua_rawseti(L, -2, (int)(j + 1));
        }
      }
      if (push && (t == '~' || t == '%')) lua_settable(L, -3);
      return;
    }
    case '_':
      if (push) lua_pushnil(L);
      return;
    case '#':
      if (push) lua_pushboolean(L, blen > 0 && body[0] == 't');
      return;
    case ',': {
      if (!push) return;
      char b[64];
      size_t n = blen < sizeof b - 1 ? blen : sizeof b - 1;
      memcpy(b, body, n);
      b[n] = 0;
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, strtod(b, NULL));
      lua_settable(L, -3);
      return;
    }
    case '(':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, body, blen);
        lua_settable(L, -3);
      }
      return;
    default:
      r->bad = 1;
  }
}

/* ---- Lua (a script's return value) to RESP ---- */

/* Appends s with \r and \n replaced by spaces (status, error and big number replies). */
static void out_line(const char *s, size_t n) {
  out_reserve(n);
  if (out.failed) return;
  for (size_t i = 0; i < n; i++) out.p[out.len + i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
  out.len += n;
}

static void out_bulk(const char *s, size_t n) {
  out_fmt_ll('$', (long long)n);
  out_add(s, n);
  out_add("\r\n", 2);
}

static void out_null(int resp) { out_str(resp == 3 ? "_\r\n" : "$-1\r\n"); }

static void out_double(double d, int resp) {
  char b[64];
  if (isinf(d))
    snprintf(b, sizeof b, "%s", d > 0 ? "inf" : "-inf");
  else
    snprintf(b, sizeof b, "%.17g", d);
  if (resp == 3) {
    out_add(",", 1);
    out_str(b);
    out_add("\r\n", 2);
  } else {
    out_bulk(b, strlen(b));
  }
}

/* (long long) of a double as x86-64 computes it: out of range or NaN gives LLONG_MIN. */
static long long to_ll(double d) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return INT64_MIN;
  return (long long)d;
}

/* Writes a deferred length: the count is only known after the elements. */
static size_t out_defer(void) {
  size_t at = out.len;
  out_add("*0000000000\r\n", 13); /* room for any count; rewritten by out_fill */
  return at;
}

static void out_fill(size_t at, char type, long long n) {
  if (out.failed) return;
  char b[16];
  int k = snprintf(b, sizeof b, "%c%lld\r\n", type, n);
  /* Shift the elements left over the unused room. */
  memmove(out.p + at + k, out.p + at + 13, out.len - at - 13);
  memcpy(out.p + at, b, (size_t)k);
  out.len -= (size_t)(13 - k);
}

/* Converts the value on top of L's stack (popped) as Redis's luaReplyToRedisReply does. resp is the
 * caller's protocol; sresp the script's (redis.setresp), which decides how booleans go out. */
static void reply_value(lua_State *L, int resp, int sresp) {
  if (!lua_checkstack(L, 4)) {
    out_str("-ERR reached lua stack limit\r\n");
    lua_pop(L, 1);
    return;
  }
  int t = lua_type(L, -1);
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      out_bulk(s, n);
      break;
    }
    case LUA_TBOOLEAN:
      if (sresp == 2) {
        if (lua_toboolean(L, -1))
          out_str(":1\r\n");
        else
          out_null(resp);
      } else {
        out_str(lua_toboolean(L, -1) ? (resp == 3 ? "#t\r\n" : ":1\r\n") : (resp == 3 ? "#f\r\n" : ":0\r\n"));
      }
      break;
    case LUA_TNUMBER:
      out_fmt_ll(':', to_ll(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      lua_getfield(L, -1, "err");
      if (lua_type(L, -1) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        out_add("-", 1);
        out_line(s, n);
        out_add("\r\n", 2);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "ok");
      if (lua_type(L, -1) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        out_add("+", 1);
        out_line(s, strlen(s) < n ? strlen(s) : n);
        out_add("\r\n", 2);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "double");
      if (lua_type(L, -1) == LUA_TNUMBER) {
        out_double(lua_tonumber(L, -1), resp);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "big_number");
      if (lua_type(L, -1) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (resp == 3) {
          out_add("(", 1);
          out_line(s, n);
          out_add("\r\n", 2);
        } else {
          out_fmt_ll('$', (long long)n);
          out_line(s, n);
          out_add("\r\n", 2);
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "verbatim_string");
      if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "format");
        if (lua_type(L, -1) == LUA_TSTRING) {
          lua_getfield(L, -2, "string");
          if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n, fn;
            const char *s = lua_tolstring(L, -1, &n);
            const char *f = lua_tolstring(L, -2, &fn);
            if (resp == 3) {
              char fmt[4] = {'t', 'x', 't', 0};
              for (size_t i = 0; i < 3 && i < fn; i++) fmt[i] = f[i];
              out_fmt_ll('=', (long long)n + 4);
              out_add(fmt, 3);
              out_add(":", 1);
              out_add(s, n);
              out_add("\r\n", 2);
            } else {
              out_bulk(s, n);
            }
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "map");
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t at = out_defer();
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          reply_value(L, resp, sresp); /* the key */
          reply_value(L, resp, sresp); /* the value */
          n++;
        }
        out_fill(at, resp == 3 ? '%' : '*', resp == 3 ? n : n * 2);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "set");
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t at = out_defer();
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          reply_value(L, resp, sresp);
          n++;
        }
        out_fill(at, resp == 3 ? '~' : '*', n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      /* An array: up to the first nil. */
      {
        size_t at = out_defer();
        long long n = 0;
        for (int j = 1;; j++) {
          lua_rawgeti(L, -1, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          reply_value(L, resp, sresp);
          n++;
        }
        out_fill(at, '*', n);
      }
      break;
    }
    default:
      out_null(resp);
  }
  lua_pop(L, 1);
}

/* ---- the redis.* API ---- */

/* Collects redis.call's arguments into argv; numbers as %.17g, as Redis does. Returns 0 when an
 * argument is neither a string nor a number. */
static char numbufs[64][32];
static char *numheap = NULL;

static int collect_args(lua_State *L) {
  int n = lua_gettop(L);
  if (n > argv.cap) {
    int cap = argv.cap == 0 ? 16 : argv.cap;
    while (cap < n) cap *= 2;
    const char **p = realloc(argv.ptr, sizeof(char *) * (size_t)cap);
    if (p == NULL) luaL_error(L, "not enough memory");
    argv.ptr = p;
    size_t *l = realloc(argv.len, sizeof(size_t) * (size_t)cap);
    if (l == NULL) luaL_error(L, "not enough memory");
    argv.len = l;
    argv.cap = cap;
  }
  free(numheap);
  numheap = NULL;
  int nums = 0;
  for (int j = 1; j <= n; j++) if (lua_type(L, j) == LUA_TNUMBER) nums++;
  if (nums > 64) {
    numheap = malloc((size_t)nums * 32);
    if (numheap == NULL) luaL_error(L, "not enough memory");
  }
  int k = 0;
  for (int j = 1; j <= n; j++) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      char *b = nums > 64 ? numheap + 32 * k : numbufs[k];
      k++;
      double d = (double)lua_tonumber(L, j);
      /* An integer up to 2^53 prints the same under %.17g: the common case without printf. */
      int len = (d == (double)(long long)d && d > -9007199254740992.0 && d < 9007199254740992.0 && !(d == 0 && signbit(d)))
                    ? format_ll(b, (long long)d)
                    : snprintf(b, 32, "%.17g", d);
      argv.ptr[j - 1] = b;
      argv.len[j - 1] = (size_t)len;
    } else if (lua_type(L, j) == LUA_TSTRING) {
      argv.ptr[j - 1] = lua_tolstring(L, j, &argv.len[j - 1]);
    } else {
      argv.argc = 0;
      return 0;
    }
  }
  argv.argc = n;
  return 1;
}

static int generic_call(lua_State *L, int raise) {
  if (!in_run) return raise_error(L, "redis.call/pcall can only be called inside a script invocation");
  if (lua_gettop(L) == 0) {
    push_error_str(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  if (!collect_args(L)) {
    lua_settop(L, 0);
    push_error_str(L, "Lua redis lib command arguments must be strings or integers");
    return raise ? lua_error(L) : 1;
  }
  int n = host_call(script_resp);
  argv.argc = 0;
  lua_settop(L, 0);
  Reader r = {scratch, scratch + (n > 0 ? n : 0), 0};
  push_reply(L, &r, 1);
  if (r.bad) {
    lua_settop(L, 0);
    push_error_str(L, "-ERR tsredis: malformed reply to the script");
  }
  if (raise && n > 0 && scratch[0] == '-') return lua_error(L);
  return 1;
}

static int redis_call(lua_State *L) { return generic_call(L, 1); }
static int redis_pcall(lua_State *L) { return generic_call(L, 0); }

/* The global pcall of Redis 7.0: an error table with an err field is returned as its string. */
static int lua_pcall_compat(lua_State *L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) lua_replace(L, -2);
      else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

static int redis_sha1hex(lua_State *L) {
  if (lua_gettop(L) != 1) return raise_error(L, "wrong number of arguments");
  size_t n;
  const char *s = lua_tolstring(L, 1, &n);
  char d[41];
  host_sha1hex(s == NULL ? "" : s, s == NULL ? 0 : n, d);
  d[40] = 0;
  lua_pushstring(L, d);
  return 1;
}

static int redis_error_reply(lua_State *L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_str(L, "wrong number or type of arguments");
    return 1;
  }
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  if (n > 0 && s[0] == '-') {
    push_error(L, s, strlen(s));
  } else {
    lua_pushstring(L, "-");
    lua_pushstring(L, s);
    lua_concat(L, 2);
    const char *t = lua_tolstring(L, -1, &n);
    push_error(L, t, n);
  }
  return 1;
}

static int redis_status_reply(lua_State *L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_str(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

static int redis_set_repl(lua_State *L) {
  if (!in_run) return raise_error(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return raise_error(L, "redis.set_repl() requires two arguments.");
  int flags = (int)lua_tonumber(L, -1);
  if ((flags & ~3) != 0)
    return raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  repl_flags = flags;
  return 0;
}

static int redis_setresp(lua_State *L) {
  if (!in_run) return raise_error(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return raise_error(L, "redis.setresp() requires one argument.");
  int resp = (int)lua_tonumber(L, -1);
  if (resp != 2 && resp != 3) return raise_error(L, "RESP version must be 2 or 3.");
  script_resp = resp;
  return 0;
}

static int redis_log(lua_State *L) {
  int argc = lua_gettop(L);
  if (argc < 2) return raise_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, -argc)) return raise_error(L, "First argument must be a number (log level).");
  int level = (int)lua_tonumber(L, -argc);
  if (level < 0 || level > 3) return raise_error(L, "Invalid debug level.");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int first = 1;
  for (int j = 2; j <= argc; j++) {
    size_t n;
    const char *s = lua_tolstring(L, j, &n);
    if (s == NULL) continue;
    if (!first) luaL_addchar(&b, ' ');
    first = 0;
    luaL_addlstring(&b, s, n);
  }
  luaL_pushresult(&b);
  size_t n;
  const char *msg = lua_tolstring(L, -1, &n);
  host_log(level, msg, n);
  return 0;
}

static int redis_acl_check_cmd(lua_State *L) {
  if (!in_run) return raise_error(L, "redis.acl_check_cmd can only be called inside a script invocation");
  if (lua_gettop(L) == 0) return raise_error(L, "Please specify at least one argument for this redis lib call");
  if (!collect_args(L)) return raise_error(L, "Lua redis lib command arguments must be strings or integers");
  int known = host_known();
  argv.argc = 0;
  if (!known) return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, known == 1);
  return 1;
}

static int redis_true(lua_State *L) {
  lua_pushboolean(L, 1);
  return 1;
}

static int redis_false(lua_State *L) {
  lua_pushboolean(L, 0);
  return 1;
}

static int redis_nothing(lua_State *L) {
  (void)L;
  return 0;
}

/* ---- math.random as Redis's: the 48-bit lrand48 generator, the same on every platform ---- */

/* The generator's state is the host's: one for the server, shared by EVAL and functions, as in Redis
 * (both Lua states draw from its one redisLrand48). */
__attribute__((import_module("tsredis"), import_name("rand48"))) int32_t host_rand48(void);
__attribute__((import_module("tsredis"), import_name("srand48"))) void host_srand48(int32_t seed);

static int32_t lrand48_next(void) { return host_rand48(); }

static int math_random(lua_State *L) {
  const int32_t max = 0x7FFFFFFF;
  lua_Number r = (lua_Number)(lrand48_next() % max) / (lua_Number)max;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

static int math_randomseed(lua_State *L) {
  host_srand48((int32_t)luaL_checkint(L, 1));
  return 0;
}

/* ---- the globals: allow list while loading, then read-only ---- */

static const char *const allowed_globals[] = {
    "string", "cjson", "bit", "cmsgpack", "math", "table", "struct", "redis", "xpcall", "tostring",
    "setmetatable", "next", "assert", "tonumber", "rawequal", "collectgarbage", "getmetatable",
    "rawset", "pcall", "coroutine", "type", "_G", "select", "unpack", "gcinfo", "pairs", "rawget",
    "loadstring", "ipairs", "_VERSION", "load", "error", "debug", NULL};
/* getfenv, setfenv and newproxy are kept out too: Redis 7.0.15 (a security fix) removed them. */

/* __newindex of the globals while the libraries load: only the allowed names are kept. */
static int globals_newindex(lua_State *L) {
  const char *name = lua_tostring(L, 2);
  for (int i = 0; name != NULL && allowed_globals[i] != NULL; i++) {
    if (strcmp(allowed_globals[i], name) == 0) {
      lua_rawset(L, 1);
      return 0;
    }
  }
  return 0; /* dofile, loadfile, print and anything else stay out */
}

static int globals_index(lua_State *L) {
  const char *name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name == NULL ? "?" : name);
}

/* The global __redis__err__handler of EVAL scripts (Redis's xpcall helper): err as a table
 * {err = 'ERR ' .. tostring(err)} unless it is one already, with the source and line of where it was
 * raised (the caller's, when the function that raised is C: error(), redis.call). */
static int redis_err_handler(lua_State *L) {
  lua_Debug ar;
  int where = lua_getstack(L, 1, &ar);
  if (where) {
    lua_getinfo(L, "nSl", &ar);
    if (strcmp(ar.what, "C") == 0) {
      where = lua_getstack(L, 2, &ar);
      if (where) lua_getinfo(L, "nSl", &ar);
    }
  }
  lua_settop(L, 1);
  if (!lua_istable(L, 1)) {
    lua_newtable(L);
    lua_pushliteral(L, "ERR ");
    lua_getfield(L, LUA_GLOBALSINDEX, "tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_concat(L, 2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (where) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

static void set_readonly(lua_State *L, int idx, int on) {
  Table *t = (Table *)lua_topointer(L, idx);
  if (t != NULL) t->readonly = (lu_byte)on;
}

/* Marks the table on top, every table reachable from it and their metatables read-only. */
static void protect_recursively(lua_State *L) {
  Table *t = (Table *)lua_topointer(L, -1);
  if (t->readonly) return;
  t->readonly = 1;
  lua_checkstack(L, 3);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_istable(L, -1)) protect_recursively(L);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, -1)) {
    protect_recursively(L);
    lua_pop(L, 1);
  }
}

static void set_field_fn(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

static void set_field_num(lua_State *L, const char *name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

static void load_lib(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

typedef struct {
  double version_num;
  const char *version;
  int functions;
} InitArgs;

static void functions_environment(lua_State *L, InitArgs *a);

static int init_state(lua_State *L) {
  InitArgs *a = lua_touserdata(L, 1);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, globals_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);
  lua_pop(L, 1);

  load_lib(L, "", luaopen_base);
  load_lib(L, LUA_TABLIBNAME, luaopen_table);
  load_lib(L, LUA_STRLIBNAME, luaopen_string);
  load_lib(L, LUA_MATHLIBNAME, luaopen_math);
  load_lib(L, LUA_DBLIBNAME, luaopen_debug);
  load_lib(L, "cjson", luaopen_cjson);
  load_lib(L, "struct", luaopen_struct);
  load_lib(L, "cmsgpack", luaopen_cmsgpack);
  load_lib(L, "bit", luaopen_bit);
  /* dofile, loadfile and print were kept out by globals_newindex, as Redis 7.0 keeps them out. */

  lua_pushcfunction(L, lua_pcall_compat);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  set_field_fn(L, "call", redis_call);
  set_field_fn(L, "pcall", redis_pcall);
  set_field_fn(L, "log", redis_log);
  set_field_num(L, "LOG_DEBUG", 0);
  set_field_num(L, "LOG_VERBOSE", 1);
  set_field_num(L, "LOG_NOTICE", 2);
  set_field_num(L, "LOG_WARNING", 3);
  set_field_num(L, "REDIS_VERSION_NUM", a->version_num);
  lua_pushstring(L, a->version);
  lua_setfield(L, -2, "REDIS_VERSION");
  set_field_fn(L, "setresp", redis_setresp);
  set_field_fn(L, "sha1hex", redis_sha1hex);
  set_field_fn(L, "error_reply", redis_error_reply);
  set_field_fn(L, "status_reply", redis_status_reply);
  set_field_fn(L, "set_repl", redis_set_repl);
  set_field_num(L, "REPL_NONE", 0);
  set_field_num(L, "REPL_AOF", 1);
  set_field_num(L, "REPL_SLAVE", 2);
  set_field_num(L, "REPL_REPLICA", 2);
  set_field_num(L, "REPL_ALL", 3);
  set_field_fn(L, "acl_check_cmd", redis_acl_check_cmd);
  set_field_fn(L, "breakpoint", redis_false);
  set_field_fn(L, "debug", redis_nothing);
  set_field_fn(L, "replicate_commands", redis_true);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  set_field_fn(L, "random", math_random);
  set_field_fn(L, "randomseed", math_randomseed);
  lua_pop(L, 1);

  if (!a->functions) {
    lua_pushstring(L, "__redis__err__handler");
    lua_pushcfunction(L, redis_err_handler);
    lua_rawset(L, LUA_GLOBALSINDEX);
  }

  /* debug is for the error handler of Redis only: scripts do not get it. */
  lua_pushstring(L, "debug");
  lua_pushnil(L);
  lua_rawset(L, LUA_GLOBALSINDEX);

  /* Lock the globals: reading a missing one is an error, writing any is refused. */
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_getmetatable(L, -1);
  lua_pushnil(L);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, globals_index);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  protect_recursively(L);
  lua_pop(L, 1);
  if (a->functions) functions_environment(L, a);
  return 0;
}

/* A new Lua state with Redis's environment, or NULL. */
EXPORT("tsr_init") lua_State *tsr_init(double version_num, const char *version, int functions) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return NULL;
  InitArgs a = {version_num, version, functions};
  if (lua_cpcall(L, init_state, &a) != 0) {
    lua_close(L);
    return NULL;
  }
  spare = NULL;
  spare_ref = LUA_NOREF;
  running = NULL;
  running_ref = LUA_NOREF;
  return L;
}

EXPORT("tsr_close") void tsr_close(lua_State *L) {
  lua_close(L);
  spare = running = NULL;
  spare_ref = running_ref = LUA_NOREF;
}

/* Lua's memory in bytes (INFO used_memory_lua). */
EXPORT("tsr_memory") long long tsr_memory(lua_State *L) {
  return (long long)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}

EXPORT("tsr_gc_step") void tsr_gc_step(lua_State *L, int n) { lua_gc(L, LUA_GCSTEP, n); }

/* ---- compiling and running ---- */

typedef struct {
  const char *name, *body, *chunk;
  size_t len;
} Compile;

static int compile_protected(lua_State *L) {
  Compile *c = lua_touserdata(L, 1);
  if (luaL_loadbuffer(L, c->body, c->len, c->chunk) != 0) return lua_error(L);
  lua_setfield(L, LUA_REGISTRYINDEX, c->name);
  return 0;
}

/* Compiles body (from the scratch buffer) as the function registry[name]. 0, or 1 with the error
 * message (Lua's) as the output. */
EXPORT("tsr_compile") int tsr_compile(lua_State *L, const char *name, size_t len, const char *chunk) {
  Compile c = {name, scratch, chunk, len};
  out_reset();
  if (lua_cpcall(L, compile_protected, &c) != 0) {
    size_t n;
    const char *m = lua_tolstring(L, -1, &n);
    if (m != NULL) out_add(m, n);
    lua_pop(L, 1);
    return 1;
  }
  return 0;
}

/* Drops registry[name] (a function library being replaced). */
EXPORT("tsr_forget") void tsr_forget(lua_State *L, const char *name) {
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, name);
}

/* Builds a Lua array of n strings from the scratch buffer at *pos ([u32 len][bytes]...). */
static void push_strings(lua_State *L, const char **pos, int n) {
  lua_createtable(L, n, 0);
  for (int j = 0; j < n; j++) {
    uint32_t len;
    memcpy(&len, *pos, 4);
    *pos += 4;
    lua_pushlstring(L, *pos, len);
    *pos += len;
    lua_rawseti(L, -2, j + 1);
  }
}

static void count_hook(lua_State *L, lua_Debug *ar);

static void kill_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
  raise_error(L, "Script killed by user with SCRIPT KILL...");
}

static void count_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  /* Only the run's own coroutine yields to the host, and only outside C calls: a coroutine of the
   * script's own would see a yield it did not ask for. */
  int yieldable = L == running && L->nCcalls <= L->baseCcalls;
  int what = host_hook(yieldable);
  if (what == 2) {
    kill_hook(L, ar);
  } else if (what == 1 && yieldable) {
    lua_yield(L, 0);
  }
}

static int run_resp = 2;
static const char *run_name = "";

/* Writes the reply of a finished run (its result on top of co) or its error, as Redis 7.0 words it. */
static void finish(lua_State *L, lua_State *co, int status) {
  out_reset();
  if (status == 0) {
    if (lua_gettop(co) == 0) lua_pushnil(co);
    lua_settop(co, 1);
    reply_value(co, run_resp, script_resp);
    return;
  }
  /* The error object, and where it was raised: the function that failed, or its caller when that
   * function is C (error(), redis.call), as Redis's error handler finds it. */
  lua_Debug ar;
  int where = 0;
  if (lua_getstack(co, 0, &ar)) {
    lua_getinfo(co, "nSl", &ar);
    where = 1;
    if (strcmp(ar.what, "C") == 0) {
      where = 0;
      if (lua_getstack(co, 1, &ar)) {
        lua_getinfo(co, "nSl", &ar);
        where = 1;
      }
    }
  }
  (void)L;
  if (lua_istable(co, -1)) {
    lua_getfield(co, -1, "err");
  } else {
    /* 'ERR ' .. tostring(err), as Redis's error handler makes it. */
    const char *m;
    char b[64];
    switch (lua_type(co, -1)) {
      case LUA_TSTRING:
      case LUA_TNUMBER:
        m = lua_tostring(co, -1);
        break;
      case LUA_TNIL:
        m = "nil";
        break;
      case LUA_TBOOLEAN:
        m = lua_toboolean(co, -1) ? "true" : "false";
        break;
      default:
        snprintf(b, sizeof b, "%s: %p", luaL_typename(co, -1), lua_topointer(co, -1));
        m = b;
    }
    lua_pushstring(co, "ERR ");
    lua_pushstring(co, m);
    lua_concat(co, 2);
  }
  size_t n;
  const char *msg = lua_tolstring(co, -1, &n);
  out_add("-", 1);
  if (msg != NULL) out_line(msg, strlen(msg) < n ? strlen(msg) : n);
  if (where) {
    char b[160];
    snprintf(b, sizeof b, " script: %s, on %s:%d.", run_name, ar.source, ar.currentline);
    out_line(b, strlen(b));
  }
  out_add("\r\n", 2);
  lua_pop(co, 1);
}

/* The end of a run: the coroutine is kept for reuse when it finished cleanly. */
static int settle(lua_State *L, int status) {
  lua_State *co = running;
  if (status == LUA_YIELD) return 1;
  finish(L, co, status);
  in_run = 0;
  lua_sethook(co, NULL, 0, 0);
  if (status == 0 && spare == NULL) {
    lua_settop(co, 0);
    spare = co;
    spare_ref = running_ref;
  } else {
    luaL_unref(L, LUA_REGISTRYINDEX, running_ref);
  }
  running = NULL;
  running_ref = LUA_NOREF;
  return status == 0 ? 0 : 2;
}

/* Runs registry[fname] with KEYS and ARGV (EVAL: as globals; a function: as its two arguments) from
 * the scratch buffer. resp: the caller's protocol; hook: instructions between busy checks (0: none).
 * Returns 0 (done, the reply is the output), 1 (yielded: call tsr_resume), 2 (error reply output). */
EXPORT("tsr_run")
int tsr_run(lua_State *L, const char *fname, const char *name, int nkeys, int nargs, int as_function, int resp,
            int hook) {
  lua_State *co;
  if (spare != NULL) {
    co = spare;
    running_ref = spare_ref;
    spare = NULL;
    spare_ref = LUA_NOREF;
  } else {
    co = lua_newthread(L);
    running_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  running = co;
  run_resp = resp;
  run_name = name;
  script_resp = 2;
  repl_flags = 3;
  in_run = 1;
  const char *pos = scratch;
  lua_getfield(co, LUA_REGISTRYINDEX, fname);
  push_strings(co, &pos, nkeys);
  push_strings(co, &pos, nargs);
  int nresume = 2;
  if (!as_function) {
    set_readonly(co, LUA_GLOBALSINDEX, 0);
    lua_setglobal(co, "ARGV");
    lua_setglobal(co, "KEYS");
    set_readonly(co, LUA_GLOBALSINDEX, 1);
    nresume = 0;
  }
  if (hook > 0) lua_sethook(co, count_hook, LUA_MASKCOUNT, hook);
  return settle(L, lua_resume(co, nresume));
}

EXPORT("tsr_resume") int tsr_resume(lua_State *L) {
  if (running == NULL) return 2;
  return settle(L, lua_resume(running, 0));
}

/* ---- functions (FUNCTION LOAD, FCALL): their own state, as in Redis 7.0 ----
 * The globals scripts see are an empty read-only table whose __index is the real (protected)
 * globals. While a library loads, __index is the library API instead: only redis.register_function,
 * redis.log and the version, so loading code can do nothing but register functions. A registered
 * callback waits in registry.__pending until the host commits the library (registry["F:<name>"]). */

static int loading = 0;

static int register_function(lua_State *L);

static void functions_environment(lua_State *L, InitArgs *a) {
  /* The library API: { redis = { register_function, log, LOG_*, REDIS_VERSION* } }, both tables
   * raising on a missing name, and read-only. */
  lua_newtable(L);
  lua_newtable(L);
  set_field_fn(L, "register_function", register_function);
  set_field_fn(L, "log", redis_log);
  set_field_num(L, "LOG_DEBUG", 0);
  set_field_num(L, "LOG_VERBOSE", 1);
  set_field_num(L, "LOG_NOTICE", 2);
  set_field_num(L, "LOG_WARNING", 3);
  set_field_num(L, "REDIS_VERSION_NUM", a->version_num);
  lua_pushstring(L, a->version);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_newtable(L);
  lua_pushcfunction(L, globals_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "redis");
  lua_newtable(L);
  lua_pushcfunction(L, globals_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  protect_recursively(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "__library_api");
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, "__globals_api");
  /* The globals scripts get: an empty read-only table over the real ones. */
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  set_readonly(L, -1, 1);
  lua_setmetatable(L, -2);
  set_readonly(L, -1, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
}

/* Points the scripts' globals at the library API (loading) or at the real globals. */
static void library_globals(lua_State *L, int load) {
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  set_readonly(L, -1, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, load ? "__library_api" : "__globals_api");
  lua_setfield(L, -2, "__index");
  set_readonly(L, -1, 1);
  lua_pop(L, 1);
}

static int valid_name(const char *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
  }
  return 1;
}

static const char *flag_names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys",
                                   NULL};

static int read_flags(lua_State *L, int *flags) {
  *flags = 0;
  for (int j = 1;; j++) {
    lua_rawgeti(L, -1, j);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return 1;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return 0;
    }
    const char *f = lua_tostring(L, -1);
    int found = 0;
    for (int i = 0; flag_names[i] != NULL; i++) {
      if (strcasecmp(flag_names[i], f) == 0) {
        *flags |= 1 << i;
        found = 1;
      }
    }
    lua_pop(L, 1);
    if (!found) return 0;
  }
}

/* redis.register_function(name, callback) or redis.register_function{function_name=, callback=,
 * flags=, description=}: the entry {callback, flags, description} goes to registry.__pending[name]. */
static int register_function(lua_State *L) {
  if (!loading) return raise_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return raise_error(L, "wrong number of arguments to redis.register_function");
  int flags = 0, fn = 0, name = 0, desc = 0;
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return raise_error(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2)) return raise_error(L, "second argument to redis.register_function must be a function");
    name = 1;
    fn = 2;
  } else {
    if (!lua_istable(L, 1))
      return raise_error(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    /* Slots 2, 3, 4: the name, the callback, the description found so far. */
    lua_settop(L, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2)) return raise_error(L, "named argument key given to redis.register_function is not a string");
      const char *key = lua_tostring(L, -2);
      if (strcasecmp(key, "function_name") == 0) {
        if (!lua_isstring(L, -1)) return raise_error(L, "function_name argument given to redis.register_function must be a string");
        lua_pushvalue(L, -1);
        lua_replace(L, 2);
        name = 2;
      } else if (strcasecmp(key, "description") == 0) {
        if (!lua_isstring(L, -1)) return raise_error(L, "description argument given to redis.register_function must be a string");
        lua_pushvalue(L, -1);
        lua_replace(L, 4);
        desc = 4;
      } else if (strcasecmp(key, "callback") == 0) {
        if (!lua_isfunction(L, -1)) return raise_error(L, "callback argument given to redis.register_function must be a function");
        lua_pushvalue(L, -1);
        lua_replace(L, 3);
        fn = 3;
      } else if (strcasecmp(key, "flags") == 0) {
        if (!lua_istable(L, -1)) return raise_error(L, "flags argument to redis.register_function must be a table representing function flags");
        if (!read_flags(L, &flags)) return raise_error(L, "unknown flag given");
      } else {
        return raise_error(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!name) return raise_error(L, "redis.register_function must get a function name argument");
    if (!fn) return raise_error(L, "redis.register_function must get a callback argument");
  }
  size_t n;
  const char *s = lua_tolstring(L, name, &n);
  if (!valid_name(s, n))
    /* Redis 7.0 says "Library names" here too (a slip of its own, kept: the reply is what counts). */
    return raise_error(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  lua_getfield(L, LUA_REGISTRYINDEX, "__pending");
  lua_pushvalue(L, name);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return raise_error(L, "Function already exists in the library");
  lua_pop(L, 1);
  lua_pushvalue(L, name);
  lua_createtable(L, 3, 0);
  lua_pushvalue(L, fn);
  lua_rawseti(L, -2, 1);
  lua_pushnumber(L, flags);
  lua_rawseti(L, -2, 2);
  if (desc) {
    lua_pushvalue(L, desc);
    lua_rawseti(L, -2, 3);
  }
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return 0;
}

static void load_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (host_hook(-1) == 2) {
    lua_sethook(L, load_hook, LUA_MASKLINE, 0);
    raise_error(L, "FUNCTION LOAD timeout");
  }
}

static int load_protected(lua_State *L) {
  Compile *c = lua_touserdata(L, 1);
  if (luaL_loadbuffer(L, c->body, c->len, "@user_function") != 0) {
    const char *m = lua_tostring(L, -1);
    lua_pushfstring(L, "Error compiling function: %s", m == NULL ? "" : m);
    return lua_error(L);
  }
  lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
  loading = 1;
  int st = lua_pcall(L, 0, 0, 0);
  loading = 0;
  lua_sethook(L, NULL, 0, 0);
  if (st != 0) {
    const char *m = NULL;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      m = lua_tostring(L, -1);
    } else {
      lua_pushstring(L, "ERR ");
      lua_pushvalue(L, -2);
      lua_concat(L, 2);
      m = lua_tostring(L, -1);
    }
    lua_pushfstring(L, "Error registering functions: %s", m == NULL ? "" : m);
    return lua_error(L);
  }
  return 0;
}

static void out_u32(uint32_t v) { out_add((const char *)&v, 4); }

/* Loads a library (its code, without the shebang line, in the scratch buffer). 0: the functions it
 * registered are the output ([u32 count] then per function [u32 flags][u32 name len][name][i32 desc
 * len, -1 none][desc]), waiting for tsr_commit; 1: the error message is the output. */
EXPORT("tsr_load") int tsr_load(lua_State *L, size_t len) {
  Compile c = {NULL, scratch, NULL, len};
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "__pending");
  library_globals(L, 1);
  int st = lua_cpcall(L, load_protected, &c);
  library_globals(L, 0);
  out_reset();
  if (st != 0) {
    size_t n;
    const char *m = lua_tolstring(L, -1, &n);
    if (m != NULL) out_add(m, n);
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "__pending");
    return 1;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "__pending");
  uint32_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    count++;
    lua_pop(L, 1);
  }
  out_u32(count);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    size_t n;
    const char *name = lua_tolstring(L, -2, &n);
    lua_rawgeti(L, -1, 2);
    out_u32((uint32_t)lua_tonumber(L, -1));
    lua_pop(L, 1);
    out_u32((uint32_t)n);
    out_add(name, n);
    lua_rawgeti(L, -1, 3);
    if (lua_isstring(L, -1)) {
      size_t dn;
      const char *d = lua_tolstring(L, -1, &dn);
      out_u32((uint32_t)dn);
      out_add(d, dn);
    } else {
      out_u32(0xFFFFFFFFu);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  return 0;
}

/* Keeps (ok) or drops the functions the last tsr_load registered. */
EXPORT("tsr_commit") void tsr_commit(lua_State *L, int ok) {
  if (ok) {
    lua_getfield(L, LUA_REGISTRYINDEX, "__pending");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushstring(L, "F:");
      lua_pushvalue(L, -3);
      lua_concat(L, 2);
      lua_rawgeti(L, -2, 1);
      lua_rawset(L, LUA_REGISTRYINDEX);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "__pending");
}
