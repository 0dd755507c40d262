/* lua_struct.c: the `struct` library scripts get in Redis: struct.pack(fmt, ...), struct.unpack(fmt, s
 * [, pos]) and struct.size(fmt), with the sizes of Redis's usual platform (x86-64 Linux: short 2,
 * int 4, long and size_t 8) whatever this VM's own sizes are. Format: '<' little, '>' big, '=' native
 * (little) endian; '!' [n] maximum alignment (default 1, '!' alone 8); 'x' a padding byte; 'b'/'B'
 * char, 'h'/'H' short, 'i'/'I' [n] an int of n bytes (default 4), 'l'/'L' long, 'T' size_t, signed
 * and unsigned; 'f' float, 'd' double; 's' a zero-terminated string; 'c' [n] n chars (n 0 in unpack:
 * the length is the previous value read); ' ' is ignored. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#define MAXINTSIZE 32
#define NATIVE_ALIGN 8

typedef struct {
  int little;
  int align;
} Header;

static int getnum(const char **f, int df) {
  if (!isdigit((unsigned char)**f)) return df;
  int a = 0;
  do {
    a = a * 10 + (*((*f)++) - '0');
  } while (isdigit((unsigned char)**f) && a <= (0x7fffffff - 9) / 10);
  return a;
}

/* The size of the option at *f (advancing past its count). */
static size_t optsize(lua_State *L, char opt, const char **f) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
      return 8;
    case 'f':
      return 4;
    case 'd':
      return 8;
    case 'x':
      return 1;
    case 'c':
      return (size_t)getnum(f, 1);
    case 'i':
    case 'I': {
      int sz = getnum(f, 4);
      if (sz > MAXINTSIZE) luaL_error(L, "integral size %d is larger than limit of %d", sz, MAXINTSIZE);
      return (size_t)sz;
    }
    default:
      return 0;
  }
}

static int gettoalign(size_t len, Header *h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > (size_t)h->align) size = (size_t)h->align;
  return (int)((size - (len & (size - 1))) & (size - 1));
}

static void controloptions(lua_State *L, int opt, const char **f, Header *h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->little = 0;
      return;
    case '<':
    case '=':
      h->little = 1;
      return;
    case '!': {
      int a = getnum(f, NATIVE_ALIGN);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      /* An argument error of the format (#1), as Redis's struct reports it. */
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

static void putinteger(lua_State *L, luaL_Buffer *b, int arg, int little, int size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n;
  char buff[MAXINTSIZE];
  for (int i = 0; i < size; i++) {
    unsigned char byte = i < 8 ? (unsigned char)(value >> (8 * i)) : (n < 0 ? 0xff : 0);
    buff[little ? i : size - 1 - i] = (char)byte;
  }
  luaL_addlstring(b, buff, (size_t)size);
}

static void correctbytes(char *b, int size, int little) {
  if (little) return; /* the VM is little-endian */
  for (int i = 0, j = size - 1; i < j; i++, j--) {
    char t = b[i];
    b[i] = b[j];
    b[j] = t;
  }
}

static int b_pack(lua_State *L) {
  luaL_Buffer b;
  const char *fmt = luaL_checkstring(L, 1);
  Header h = {1, 1};
  int arg = 2;
  size_t totalsize = 0;
  lua_pushnil(L); /* a mark: the buffer is above it */
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = optsize(L, (char)opt, &fmt);
    int toalign = gettoalign(totalsize, &h, opt, size);
    totalsize += (size_t)toalign;
    while (toalign-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        putinteger(L, &b, arg++, h.little, (int)size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = (float)luaL_checknumber(L, arg++);
        correctbytes((char *)&f, (int)size, h.little);
        luaL_addlstring(&b, (char *)&f, size);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        correctbytes((char *)&d, (int)size, h.little);
        luaL_addlstring(&b, (char *)&d, size);
        break;
      }
      case 'c':
      case 's': {
        size_t l;
        const char *s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg - 1, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        controloptions(L, opt, &fmt, &h);
    }
    totalsize += size;
  }
  luaL_pushresult(&b);
  return 1;
}

static lua_Number getinteger(const char *buff, int little, int issigned, int size) {
  uint64_t l = 0;
  int n = size > 8 ? 8 : size;
  for (int i = 0; i < n; i++) {
    unsigned char byte = (unsigned char)buff[little ? i : size - 1 - i];
    l |= (uint64_t)byte << (8 * i);
  }
  if (!issigned) return (lua_Number)l;
  if (size < 8) {
    uint64_t mask = ~(uint64_t)0 << (size * 8 - 1);
    if (l & mask) l |= mask;
  }
  return (lua_Number)(int64_t)l;
}

static int b_unpack(lua_State *L) {
  Header h = {1, 1};
  const char *fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char *data = luaL_checklstring(L, 2, &ld);
  size_t pos = (size_t)luaL_optinteger(L, 3, 1) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  lua_settop(L, 2);
  while (*fmt) {
    int opt = *fmt++;
    size_t size = optsize(L, (char)opt, &fmt);
    pos += (size_t)gettoalign(pos, &h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        lua_pushnumber(L, getinteger(data + pos, h.little, islower(opt), (int)size));
        break;
      case 'x':
        break;
      case 'f': {
        float f;
        memcpy(&f, data + pos, size);
        correctbytes((char *)&f, (int)sizeof(f), h.little);
        lua_pushnumber(L, f);
        break;
      }
      case 'd': {
        double d;
        memcpy(&d, data + pos, size);
        correctbytes((char *)&d, (int)sizeof(d), h.little);
        lua_pushnumber(L, d);
        break;
      }
      case 'c':
        if (size == 0) {
          if (lua_gettop(L) == 2 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = (size_t)lua_tonumber(L, -1);
          lua_pop(L, 1);
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        break;
      case 's': {
        const char *e = memchr(data + pos, '\0', ld - pos);
        if (e == NULL) luaL_error(L, "unfinished string in data");
        size = (size_t)(e - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        break;
      }
      default:
        controloptions(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)pos + 1);
  return lua_gettop(L) - 2;
}

static int b_size(lua_State *L) {
  Header h = {1, 1};
  const char *fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt) {
    int opt = *fmt++;
    size_t size = optsize(L, (char)opt, &fmt);
    pos += (size_t)gettoalign(pos, &h, opt, size);
    if (opt == 's')
      luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0)
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!isalnum(opt)) controloptions(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)pos);
  return 1;
}

static const luaL_Reg functions[] = {{"pack", b_pack}, {"unpack", b_unpack}, {"size", b_size}, {NULL, NULL}};

int luaopen_struct(lua_State *L) {
  luaL_register(L, "struct", functions);
  return 1;
}
