/* lua_bit.c: the `bit` library scripts get in Redis (the LuaBitOp API): tobit, tohex, bnot, band, bor,
 * bxor, lshift, rshift, arshift, rol, ror, bswap on 32-bit integers. A number becomes 32 bits by
 * rounding to the nearest integer and keeping the low 32 bits; results are signed 32-bit numbers. */
#include <math.h>
#include <stdint.h>

#include "lauxlib.h"
#include "lua.h"

static uint32_t tobits(lua_State *L, int i) {
  double d = luaL_checknumber(L, i);
  /* Round to nearest (ties to even), then reduce modulo 2^32 without overflowing an int64. */
  d = nearbyint(d);
  if (!isfinite(d)) return 0;
  d = fmod(d, 4294967296.0);
  if (d < 0) d += 4294967296.0;
  return (uint32_t)d;
}

static int ret(lua_State *L, uint32_t b) {
  lua_pushnumber(L, (lua_Number)(int32_t)b);
  return 1;
}

static int bit_tobit(lua_State *L) { return ret(L, tobits(L, 1)); }
static int bit_bnot(lua_State *L) { return ret(L, ~tobits(L, 1)); }

#define FOLD(name, op)                                          \
  static int bit_##name(lua_State *L) {                         \
    int n = lua_gettop(L);                                      \
    uint32_t b = tobits(L, 1);                                  \
    for (int i = 2; i <= n; i++) b op tobits(L, i);             \
    return ret(L, b);                                           \
  }
FOLD(band, &=)
FOLD(bor, |=)
FOLD(bxor, ^=)

static int bit_lshift(lua_State *L) { return ret(L, tobits(L, 1) << (tobits(L, 2) & 31)); }
static int bit_rshift(lua_State *L) { return ret(L, tobits(L, 1) >> (tobits(L, 2) & 31)); }
static int bit_arshift(lua_State *L) {
  return ret(L, (uint32_t)((int32_t)tobits(L, 1) >> (tobits(L, 2) & 31)));
}
static int bit_rol(lua_State *L) {
  uint32_t b = tobits(L, 1), n = tobits(L, 2) & 31;
  return ret(L, n == 0 ? b : (b << n) | (b >> (32 - n)));
}
static int bit_ror(lua_State *L) {
  uint32_t b = tobits(L, 1), n = tobits(L, 2) & 31;
  return ret(L, n == 0 ? b : (b >> n) | (b << (32 - n)));
}
static int bit_bswap(lua_State *L) {
  uint32_t b = tobits(L, 1);
  return ret(L, (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
}

static int bit_tohex(lua_State *L) {
  uint32_t b = tobits(L, 1);
  int n = lua_isnone(L, 2) ? 8 : (int)(int32_t)tobits(L, 2);
  const char *digits = "0123456789abcdef";
  char buf[8];
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  for (int i = n - 1; i >= 0; i--) {
    buf[i] = digits[b & 15];
    b >>= 4;
  }
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static const luaL_Reg functions[] = {
    {"tobit", bit_tobit}, {"bnot", bit_bnot},     {"band", bit_band},       {"bor", bit_bor},
    {"bxor", bit_bxor},   {"lshift", bit_lshift}, {"rshift", bit_rshift},   {"arshift", bit_arshift},
    {"rol", bit_rol},     {"ror", bit_ror},       {"bswap", bit_bswap},     {"tohex", bit_tohex},
    {NULL, NULL}};

int luaopen_bit(lua_State *L) {
  luaL_register(L, "bit", functions);
  return 1;
}
