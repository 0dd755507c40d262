/* lua_cmsgpack.c: the `cmsgpack` library scripts get in Redis: cmsgpack.pack(...) encodes its
 * arguments as MessagePack one after another; cmsgpack.unpack(s) decodes every value in s;
 * cmsgpack.unpack_one(s [, offset]) and cmsgpack.unpack_limit(s, limit [, offset]) decode one or up
 * to limit values and return the offset after them first (-1 at the end of s). Encoding follows
 * Redis's library: a number equal to an int64 is the smallest integer form, other numbers float 32
 * when exact, else float 64; a table whose keys are exactly 1..n is an array, any other a map; tables
 * nested deeper than 16 levels, functions and userdata are nil. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#define MAX_NESTING 16

/* The encoder's output: one growable buffer, reused (encoding runs no Lua code, so it cannot nest). */
typedef struct {
  unsigned char *p;
  size_t len, cap;
  int oom;
} Buf;

static Buf enc = {NULL, 0, 0, 0};

static void put(Buf *b, const void *p, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap == 0 ? 256 : b->cap;
    while (cap < b->len + n) cap *= 2;
    unsigned char *q = realloc(b->p, cap);
    if (q == NULL) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

static void put_be(Buf *b, unsigned char tag, uint64_t v, int bytes) {
  unsigned char x[9];
  x[0] = tag;
  for (int i = 0; i < bytes; i++) x[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
  put(b, x, (size_t)bytes + 1);
}

static void enc_int(Buf *b, int64_t v) {
  if (v >= 0) {
    if (v < 128) {
      unsigned char c = (unsigned char)v;
      put(b, &c, 1);
    } else if (v < 256)
      put_be(b, 0xcc, (uint64_t)v, 1);
    else if (v < 65536)
      put_be(b, 0xcd, (uint64_t)v, 2);
    else if (v <= 0xffffffffLL)
      put_be(b, 0xce, (uint64_t)v, 4);
    else
      put_be(b, 0xcf, (uint64_t)v, 8);
  } else {
    if (v >= -32) {
      unsigned char c = (unsigned char)(int8_t)v;
      put(b, &c, 1);
    } else if (v >= -128)
      put_be(b, 0xd0, (uint64_t)v & 0xff, 1);
    else if (v >= -32768)
      put_be(b, 0xd1, (uint64_t)v & 0xffff, 2);
    else if (v >= -2147483648LL)
      put_be(b, 0xd2, (uint64_t)v & 0xffffffff, 4);
    else
      put_be(b, 0xd3, (uint64_t)v, 8);
  }
}

static void enc_number(Buf *b, lua_Number n) {
  if (!isinf(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
    enc_int(b, (int64_t)n);
    return;
  }
  float f = (float)n;
  if ((lua_Number)f == n) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put_be(b, 0xca, u, 4);
  } else {
    uint64_t u;
    memcpy(&u, &n, 8);
    put_be(b, 0xcb, u, 8);
  }
}

static void enc_len(Buf *b, size_t n, unsigned char fix, size_t fixmax, unsigned char t8, unsigned char t16,
                    unsigned char t32) {
  if (n < fixmax) {
    unsigned char c = (unsigned char)(fix | n);
    put(b, &c, 1);
  } else if (t8 != 0 && n <= 0xff)
    put_be(b, t8, n, 1);
  else if (n <= 0xffff)
    put_be(b, t16, n, 2);
  else
    put_be(b, t32, n, 4);
}

/* The length of the array the table at idx is, or -1 when it is a map. */
static long array_len(lua_State *L, int idx) {
  long count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return -1;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || floor(k) != k) {
      lua_pop(L, 1);
      return -1;
    }
    if (k > max) max = (long)k;
    count++;
  }
  return max == count ? max : -1;
}

/* Encodes the value at the top of the stack (left there). */
static void enc_value(lua_State *L, Buf *b, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      enc_len(b, n, 0xa0, 32, 0xd9, 0xda, 0xdb);
      put(b, s, n);
      return;
    }
    case LUA_TBOOLEAN: {
      unsigned char c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
      put(b, &c, 1);
      return;
    }
    case LUA_TNUMBER:
      enc_number(b, lua_tonumber(L, -1));
      return;
    case LUA_TTABLE:
      if (level < MAX_NESTING && lua_checkstack(L, 4)) {
        int idx = lua_gettop(L);
        long n = array_len(L, idx);
        if (n >= 0) {
          enc_len(b, (size_t)n, 0x90, 16, 0, 0xdc, 0xdd);
          for (long j = 1; j <= n; j++) {
            lua_rawgeti(L, idx, (int)j);
            enc_value(L, b, level + 1);
            lua_pop(L, 1);
          }
        } else {
          size_t pairs = 0;
          lua_pushnil(L);
          while (lua_next(L, idx)) {
            lua_pop(L, 1);
            pairs++;
          }
          enc_len(b, pairs, 0x80, 16, 0, 0xde, 0xdf);
          lua_pushnil(L);
          while (lua_next(L, idx)) {
            lua_pushvalue(L, -2);
            enc_value(L, b, level + 1); /* the key */
            lua_pop(L, 1);
            enc_value(L, b, level + 1); /* the value */
            lua_pop(L, 1);
          }
        }
        return;
      }
      /* fall through: nested too deep */
    default: {
      unsigned char c = 0xc0;
      put(b, &c, 1);
    }
  }
}

static int mp_pack(lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  enc.len = 0;
  enc.oom = 0;
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, i);
    enc_value(L, &enc, 0);
    lua_pop(L, 1);
  }
  if (enc.oom) return luaL_error(L, "not enough memory");
  lua_pushlstring(L, (const char *)enc.p, enc.len);
  return 1;
}

/* ---- decoding ---- */

typedef struct {
  const unsigned char *p;
  size_t left;
  int err; /* 1: missing bytes, 2: bad data */
} Cursor;

static uint64_t get_be(Cursor *c, int bytes) {
  if (c->left < (size_t)bytes) {
    c->err = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c->p[i];
  c->p += bytes;
  c->left -= (size_t)bytes;
  return v;
}

static void dec_value(lua_State *L, Cursor *c, int level);

static void dec_string(lua_State *L, Cursor *c, size_t n) {
  if (c->left < n) {
    c->err = 1;
    return;
  }
  lua_pushlstring(L, (const char *)c->p, n);
  c->p += n;
  c->left -= n;
}

static void dec_array(lua_State *L, Cursor *c, size_t n, int level) {
  lua_createtable(L, n > 1024 ? 1024 : (int)n, 0);
  for (size_t i = 1; i <= n && !c->err; i++) {
    dec_value(L, c, level + 1);
    if (c->err) return;
    lua_rawseti(L, -2, (int)i);
  }
}

static void dec_map(lua_State *L, Cursor *c, size_t n, int level) {
  lua_createtable(L, 0, n > 1024 ? 1024 : (int)n);
  for (size_t i = 0; i < n && !c->err; i++) {
    dec_value(L, c, level + 1);
    if (c->err) return;
    dec_value(L, c, level + 1);
    if (c->err) return;
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2); /* a nil key cannot be set */
      continue;
    }
    lua_settable(L, -3);
  }
}

static void dec_value(lua_State *L, Cursor *c, int level) {
  if (c->left == 0) {
    c->err = 1;
    return;
  }
  if (!lua_checkstack(L, 4) || level > 1000) {
    c->err = 2;
    return;
  }
  unsigned char t = *c->p++;
  c->left--;
  if (t <= 0x7f) {
    lua_pushnumber(L, t);
  } else if (t >= 0xe0) {
    lua_pushnumber(L, (int8_t)t);
  } else if ((t & 0xe0) == 0xa0) {
    dec_string(L, c, t & 0x1f);
  } else if ((t & 0xf0) == 0x90) {
    dec_array(L, c, t & 0x0f, level);
  } else if ((t & 0xf0) == 0x80) {
    dec_map(L, c, t & 0x0f, level);
  } else {
    switch (t) {
      case 0xc0:
        lua_pushnil(L);
        break;
      case 0xc2:
        lua_pushboolean(L, 0);
        break;
      case 0xc3:
        lua_pushboolean(L, 1);
        break;
      case 0xcc:
        lua_pushnumber(L, (lua_Number)get_be(c, 1));
        break;
      case 0xcd:
        lua_pushnumber(L, (lua_Number)get_be(c, 2));
        break;
      case 0xce:
        lua_pushnumber(L, (lua_Number)get_be(c, 4));
        break;
      case 0xcf:
        lua_pushnumber(L, (lua_Number)get_be(c, 8));
        break;
      case 0xd0:
        lua_pushnumber(L, (int8_t)get_be(c, 1));
        break;
      case 0xd1:
        lua_pushnumber(L, (int16_t)get_be(c, 2));
        break;
      case 0xd2:
        lua_pushnumber(L, (int32_t)get_be(c, 4));
        break;
      case 0xd3:
        lua_pushnumber(L, (lua_Number)(int64_t)get_be(c, 8));
        break;
      case 0xca: {
        uint32_t u = (uint32_t)get_be(c, 4);
        float f;
        memcpy(&f, &u, 4);
        lua_pushnumber(L, f);
        break;
      }
      case 0xcb: {
        uint64_t u = get_be(c, 8);
        double d;
        memcpy(&d, &u, 8);
        lua_pushnumber(L, d);
        break;
      }
      /* bin 8/16/32 (0xc4..0xc6) are not known to Redis's cmsgpack: bad data, as there. */
      case 0xd9:
        dec_string(L, c, (size_t)get_be(c, 1));
        break;
      case 0xda:
        dec_string(L, c, (size_t)get_be(c, 2));
        break;
      case 0xdb:
        dec_string(L, c, (size_t)get_be(c, 4));
        break;
      case 0xdc:
        dec_array(L, c, (size_t)get_be(c, 2), level);
        break;
      case 0xdd:
        dec_array(L, c, (size_t)get_be(c, 4), level);
        break;
      case 0xde:
        dec_map(L, c, (size_t)get_be(c, 2), level);
        break;
      case 0xdf:
        dec_map(L, c, (size_t)get_be(c, 4), level);
        break;
      default:
        c->err = 2;
    }
  }
}

/* Decodes up to limit values (0: all) from offset; returns how many were pushed and the new offset. */
static int unpack_full(lua_State *L, int limit, int offset) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || (size_t)offset > len) return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)len);
  Cursor c = {(const unsigned char *)s + offset, len - (size_t)offset, 0};
  int base = lua_gettop(L);
  int count = 0;
  while (c.left > 0 && (limit == 0 || count < limit)) {
    dec_value(L, &c, 0);
    if (c.err) {
      lua_settop(L, base);
      return luaL_error(L, c.err == 1 ? "Missing bytes in input." : "Bad data format in input.");
    }
    count++;
  }
  lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
  return count;
}

static int mp_unpack(lua_State *L) {
  int n = unpack_full(L, 0, 0);
  lua_pop(L, 1);
  return n;
}

static int with_offset_first(lua_State *L, int n) {
  lua_insert(L, -1 - n); /* the offset before the values */
  return n + 1;
}

static int mp_unpack_one(lua_State *L) {
  int offset = (int)luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return with_offset_first(L, unpack_full(L, 1, offset));
}

static int mp_unpack_limit(lua_State *L) {
  int limit = (int)luaL_checkinteger(L, 2);
  int offset = (int)luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return with_offset_first(L, unpack_full(L, limit, offset));
}

static const luaL_Reg functions[] = {{"pack", mp_pack},
                                     {"unpack", mp_unpack},
                                     {"unpack_one", mp_unpack_one},
                                     {"unpack_limit", mp_unpack_limit},
                                     {NULL, NULL}};

int luaopen_cmsgpack(lua_State *L) {
  luaL_register(L, "cmsgpack", functions);
  lua_pushliteral(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation.");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}
