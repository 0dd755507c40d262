// Patches the Lua 5.1.5 sources (fetched by build.sh, never committed) with read-only tables, as the
// Lua that Redis 7.0 embeds has them: a table flagged read-only refuses every write (assignment,
// rawset, rawseti, setmetatable) with "Attempt to modify a readonly table". tsr_glue.c sets the flag
// on the globals and on every table reachable from them, so a script cannot change the environment
// the next script runs in. Also: lua_Integer and string.sub/byte/find positions 64-bit and string.format's
// unsigned conversions as on x86-64 (Redis's usual platform). Each edit must match exactly once, or the
// build stops.
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';

const src = process.argv[2];
if (src === undefined) throw new Error('usage: patch-lua.mjs <lua src dir>');

const REFUSE = 'luaG_runerror(L, "Attempt to modify a readonly table");';

/** Replaces the one occurrence of `from` in a file by `to`. */
function edit(file, from, to) {
  const p = path.join(src, file);
  const text = fs.readFileSync(p, 'utf8');
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${file}: expected one match of ${from}`);
  fs.writeFileSync(p, text.slice(0, at) + to + text.slice(at + from.length));
}

// The flag, in a byte of the Table header's padding.
edit(
  'lobject.h',
  "  lu_byte lsizenode;  /* log2 of size of `node' array */\n",
  "  lu_byte lsizenode;  /* log2 of size of `node' array */\n  lu_byte readonly;\n",
);
edit('ltable.c', '  t->flags = cast_byte(~0);\n', '  t->flags = cast_byte(~0);\n  t->readonly = 0;\n');
// t[k] = v (the VM, lua_settable, lua_setfield): refused before anything is set or any __newindex runs.
edit(
  'lvm.c',
  '      Table *h = hvalue(t);\n      TValue *oldval = luaH_set(L, h, key); /* do a primitive set */\n',
  `      Table *h = hvalue(t);\n      TValue *oldval;\n      if (h->readonly) ${REFUSE}\n      oldval = luaH_set(L, h, key); /* do a primitive set */\n`,
);
// rawset, rawseti (table.insert, table.remove, table.sort), setmetatable.
edit(
  'lapi.c',
  '  api_check(L, ttistable(t));\n  setobj2t(L, luaH_set(L, hvalue(t), L->top-2), L->top-1);\n',
  `  api_check(L, ttistable(t));\n  if (hvalue(t)->readonly) ${REFUSE}\n  setobj2t(L, luaH_set(L, hvalue(t), L->top-2), L->top-1);\n`,
);
edit(
  'lapi.c',
  '  api_check(L, ttistable(o));\n  setobj2t(L, luaH_setnum(L, hvalue(o), n), L->top-1);\n',
  `  api_check(L, ttistable(o));\n  if (hvalue(o)->readonly) ${REFUSE}\n  setobj2t(L, luaH_setnum(L, hvalue(o), n), L->top-1);\n`,
);
edit(
  'lapi.c',
  '    case LUA_TTABLE: {\n      hvalue(obj)->metatable = mt;\n',
  `    case LUA_TTABLE: {\n      if (hvalue(obj)->readonly) ${REFUSE}\n      hvalue(obj)->metatable = mt;\n`,
);
// lua_Integer as wide as on x86-64 Linux, Redis's usual platform (ptrdiff_t is 32 bits in wasm32): what
// lua_tointeger, luaL_checkint and the like make of a number beyond 2^31 is then what Redis's Lua makes.
edit('luaconf.h', '#define LUA_INTEGER\tptrdiff_t\n', '#define LUA_INTEGER\tlong long\n');
// String positions as wide as there too: string.sub, string.byte, string.find/match take a position
// beyond 2^31 as Redis's Lua does (ptrdiff_t and size_t are 64 bits on x86-64, 32 in wasm32).
edit(
  'lstrlib.c',
  'static ptrdiff_t posrelat (ptrdiff_t pos, size_t len) {\n  /* relative string position: negative means back from end */\n  if (pos < 0) pos += (ptrdiff_t)len + 1;',
  'static long long posrelat (long long pos, size_t len) {\n  /* relative string position: negative means back from end */\n  if (pos < 0) pos += (long long)len + 1;',
);
edit(
  'lstrlib.c',
  '  ptrdiff_t start = posrelat(luaL_checkinteger(L, 2), l);\n  ptrdiff_t end = posrelat(luaL_optinteger(L, 3, -1), l);\n  if (start < 1) start = 1;\n  if (end > (ptrdiff_t)l) end = (ptrdiff_t)l;',
  '  long long start = posrelat(luaL_checkinteger(L, 2), l);\n  long long end = posrelat(luaL_optinteger(L, 3, -1), l);\n  if (start < 1) start = 1;\n  if (end > (long long)l) end = (long long)l;',
);
edit(
  'lstrlib.c',
  '  ptrdiff_t posi = posrelat(luaL_optinteger(L, 2, 1), l);\n  ptrdiff_t pose = posrelat(luaL_optinteger(L, 3, posi), l);\n  int n, i;\n  if (posi <= 0) posi = 1;\n  if ((size_t)pose > l) pose = l;',
  '  long long posi = posrelat(luaL_optinteger(L, 2, 1), l);\n  long long pose = posrelat(luaL_optinteger(L, 3, posi), l);\n  int n, i;\n  if (posi <= 0) posi = 1;\n  if ((unsigned long long)pose > l) pose = l;',
);
edit(
  'lstrlib.c',
  '  ptrdiff_t init = posrelat(luaL_optinteger(L, 3, 1), l1) - 1;\n  if (init < 0) init = 0;\n  else if ((size_t)(init) > l1) init = (ptrdiff_t)l1;',
  '  long long init = posrelat(luaL_optinteger(L, 3, 1), l1) - 1;\n  if (init < 0) init = 0;\n  else if ((unsigned long long)(init) > l1) init = (long long)l1;',
);
// string.format's %o %u %x %X: the unsigned conversion of the number as x86-64's gcc code makes it (a
// negative number wraps: ("%x"):format(-1) is ffffffffffffffff), where wasm's would give 0.
edit(
  'lstrlib.c',
  '          sprintf(buff, form, (unsigned LUA_INTFRM_T)luaL_checknumber(L, arg));',
  '          { lua_Number d = luaL_checknumber(L, arg);\n            sprintf(buff, form, !(d >= 9223372036854775808.0) ? (unsigned LUA_INTFRM_T)(LUA_INTFRM_T)d\n              : (unsigned LUA_INTFRM_T)(LUA_INTFRM_T)(d - 9223372036854775808.0) ^ 0x8000000000000000ULL); }',
);
// Errors: Lua's protected calls go through the host (tsr_glue.c), not setjmp/longjmp, which wasm32-wasi
// does not have: a throw unwinds to the host's protected call, which restores the shadow stack.
edit(
  'luaconf.h',
  '#if defined(__cplusplus)\n/* C++ exceptions */',
  `#if defined(TSR_HOST_EXCEPTIONS)\n__attribute__((import_module("tsredis"), import_name("throw"), noreturn)) void tsr_throw(void);\n__attribute__((import_module("tsredis"), import_name("protected"))) int tsr_protected(void *f, void *L, void *ud);\n#define LUAI_THROW(L,c)\ttsr_throw()\n#define LUAI_TRY(L,c,a)\tif (tsr_protected((void *)f, L, ud) != 0 && (c)->status == 0) (c)->status = -1;\n#define luai_jmpbuf\tint\n\n#elif defined(__cplusplus)\n/* C++ exceptions */`,
);
