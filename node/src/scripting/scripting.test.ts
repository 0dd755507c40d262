// Unit tests of scripting's pure parts and of the Lua VM with a host of our own (no server): the shebang
// and library-header parsers, the flags a script gives its command, and the VM's conversions, errors,
// globals protection, yields from the count hook, kill, and function libraries.
import { parseShebang } from './eval.js';
import { parseLibraryHeader } from './functions.js';
import { LuaVM, Rand48, sha1hex, type LuaHost } from './lua-vm.js';
import {
  scriptCommandBits,
  SCRIPT_ALLOW_OOM,
  SCRIPT_ALLOW_STALE,
  SCRIPT_EVAL_COMPAT,
  SCRIPT_NO_WRITES,
} from './runner.js';
import { F_DENYOOM, F_MAY_REPLICATE, F_STALE, F_WRITE } from '../server/command.js';

describe('parseShebang', () => {
  test('no shebang: compat mode', () => {
    expect(parseShebang('return 1')).toEqual({ flags: SCRIPT_EVAL_COMPAT, len: 0 });
  });
  test('flags, and the line length to skip', () => {
    expect(parseShebang('#!lua flags=no-writes,allow-oom\nreturn 1')).toEqual({
      flags: SCRIPT_NO_WRITES | SCRIPT_ALLOW_OOM,
      len: 31,
    });
    expect(parseShebang('#!lua\nreturn 1')).toEqual({ flags: 0, len: 5 });
  });
  test("Redis's errors", () => {
    expect(parseShebang('#!lua flags=no-writes')).toEqual({ error: 'ERR Invalid script shebang' });
    expect(parseShebang('#!python\n')).toEqual({
      error: 'ERR Unexpected engine in script shebang: #!python',
    });
    expect(parseShebang('#!lua flags=fast\n')).toEqual({
      error: 'ERR Unexpected flag in script shebang: fast',
    });
    expect(parseShebang('#!lua name=x\n')).toEqual({ error: 'ERR Unknown lua shebang option: name=x' });
  });
});

describe('parseLibraryHeader', () => {
  test('engine, name, and the body keeping the first newline', () => {
    expect(parseLibraryHeader('#!lua name=mylib\nreturn 1')).toEqual({
      name: 'mylib',
      engine: 'lua',
      body: '\nreturn 1',
    });
  });
  test("Redis's errors", () => {
    expect(parseLibraryHeader('return 1')).toBe('ERR Missing library metadata');
    expect(parseLibraryHeader('#!lua name=a')).toBe('ERR Invalid library metadata');
    expect(parseLibraryHeader('#!lua\n')).toBe('ERR Library name was not given');
    expect(parseLibraryHeader('#!lua name=a name=b\n')).toBe(
      'ERR Invalid metadata value, name argument was given multiple times',
    );
    expect(parseLibraryHeader('#!lua foo=bar\n')).toBe('ERR Invalid metadata value given: foo=bar');
  });
});

describe('scriptCommandBits', () => {
  const base = F_MAY_REPLICATE | F_STALE;
  test('compat scripts keep the command flags', () => {
    expect(scriptCommandBits(base, SCRIPT_EVAL_COMPAT)).toBe(base);
  });
  test('a script with flags is a denyoom write unless it says otherwise', () => {
    expect(scriptCommandBits(base, 0)).toBe(F_WRITE | F_DENYOOM);
    expect(scriptCommandBits(base, SCRIPT_NO_WRITES)).toBe(0);
    expect(scriptCommandBits(base, SCRIPT_ALLOW_OOM)).toBe(F_WRITE);
    expect(scriptCommandBits(base, SCRIPT_NO_WRITES | SCRIPT_ALLOW_STALE)).toBe(F_STALE);
  });
});

/** A host that answers redis.call from a map and records what it was asked. */
class FakeHost implements LuaHost {
  calls: string[][] = [];
  logs: string[] = [];
  hookAnswer: 0 | 1 | 2 = 0;
  hooks = 0;
  call(argv: string[]): string {
    this.calls.push(argv);
    if (argv[0] === 'get') return '$3\r\nbar\r\n';
    if (argv[0] === 'hgetall') return '%1\r\n$1\r\nf\r\n$1\r\nv\r\n';
    if (argv[0] === 'nil') return '$-1\r\n';
    return '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
  }
  hook(): 0 | 1 | 2 {
    this.hooks++;
    return this.hookAnswer;
  }
  log(level: number, message: string): void {
    this.logs.push(`${level}:${message}`);
  }
  known(argv: string[]): boolean {
    return argv[0] === 'get';
  }
  loadTimedOut(): boolean {
    return false;
  }
  private readonly random = new Rand48();
  rand48(): number {
    return this.random.next();
  }
  srand48(seed: number): void {
    this.random.seed(seed);
  }
}

const VERSION = { num: 0x07000f, text: '7.0.15' };

/** Compiles and runs body as EVAL would; returns the run's status and RESP output. */
function evalIn(
  vm: LuaVM,
  body: string,
  keys: string[] = [],
  args: string[] = [],
  resp: 2 | 3 = 2,
  hook = 0,
) {
  const name = `f_${sha1hex(body)}`;
  const err = vm.compile(name, body);
  if (err !== null) return { status: 'compile', out: err };
  const status = vm.run(name, sha1hex(body), keys, args, false, resp, hook);
  return { status, out: vm.output() };
}

describe('the Lua VM', () => {
  let host: FakeHost;
  let vm: LuaVM;
  beforeEach(() => {
    host = new FakeHost();
    vm = new LuaVM(host, VERSION);
  });

  test('Lua values become RESP as in Redis', () => {
    expect(evalIn(vm, 'return 3.99').out).toBe(':3\r\n');
    expect(evalIn(vm, "return {1, 'a', {2}, nil, 5}").out).toBe('*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n');
    expect(evalIn(vm, 'return true').out).toBe(':1\r\n');
    expect(evalIn(vm, 'return false').out).toBe('$-1\r\n');
    expect(evalIn(vm, 'return false', [], [], 3).out).toBe('_\r\n');
    expect(evalIn(vm, "return {ok='fine'}").out).toBe('+fine\r\n');
    expect(evalIn(vm, "return {err='BAD thing'}").out).toBe('-BAD thing\r\n');
    expect(evalIn(vm, 'return {double=1.5}', [], [], 3).out).toBe(',1.5\r\n');
    expect(evalIn(vm, 'return {double=1.5}').out).toBe('$3\r\n1.5\r\n');
    expect(evalIn(vm, 'return 2^63').out).toBe(':-9223372036854775808\r\n');
  });

  test('KEYS, ARGV, and redis.call results as Lua values', () => {
    expect(evalIn(vm, "return redis.call('get', KEYS[1]) .. ARGV[1]", ['k'], ['!']).out).toBe(
      '$4\r\nbar!\r\n',
    );
    expect(host.calls).toEqual([['get', 'k']]);
    expect(evalIn(vm, "return type(redis.call('nil'))").out).toBe('$7\r\nboolean\r\n');
    expect(evalIn(vm, "redis.setresp(3) return redis.call('hgetall', 'h').map.f").out).toBe('$1\r\nv\r\n');
    expect(evalIn(vm, "return redis.call('set', 'n', 0.1, 7)").status).toBe('error');
    expect(host.calls.at(-1)).toEqual(['set', 'n', '0.10000000000000001', '7']);
  });

  test('errors name the script and the line', () => {
    const sha = sha1hex("return redis.call('bad')");
    expect(evalIn(vm, "return redis.call('bad')").out).toBe(
      `-WRONGTYPE Operation against a key holding the wrong kind of value script: ${sha}, on @user_script:1.\r\n`,
    );
    expect(evalIn(vm, "return redis.pcall('bad')").out).toBe(
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    );
    expect(evalIn(vm, "local ok, e = pcall(redis.call, 'bad') return e").out).toBe(
      '$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    );
    expect(evalIn(vm, "return 'x").out).toBe("user_script:1: unfinished string near '<eof>'");
  });

  test('the globals are locked and the libraries are the ones Redis loads', () => {
    expect(evalIn(vm, 'x = 1').out).toMatch(/^-ERR user_script:1: Attempt to modify a readonly table/);
    expect(evalIn(vm, 'return y').out).toMatch(
      /^-ERR user_script:1: Script attempted to access nonexistent global variable 'y'/,
    );
    expect(evalIn(vm, 'string.x = 1').out).toMatch(/Attempt to modify a readonly table/);
    for (const absent of ['os', 'io', 'print', 'loadfile', 'dofile', 'debug', 'require']) {
      expect(evalIn(vm, `return ${absent}`).out).toMatch(/nonexistent global variable/);
    }
    expect(evalIn(vm, 'return cjson.encode({1, 2, {a = 1}})').out).toBe('$13\r\n[1,2,{"a":1}]\r\n');
    expect(evalIn(vm, "return cmsgpack.unpack(cmsgpack.pack({1, 'x', -200, 1.5}))[3]").out).toBe(':-200\r\n');
    expect(evalIn(vm, 'return bit.tohex(bit.bxor(0xff, 0x0f))').out).toBe('$8\r\n000000f0\r\n');
    expect(evalIn(vm, "return struct.unpack('>I2', struct.pack('>I2', 258))").out).toBe(':258\r\n');
    expect(evalIn(vm, "return tostring(10/2) .. string.format(' %d', 2^40)").out).toBe(
      '$15\r\n5 1099511627776\r\n',
    );
    expect(evalIn(vm, 'return redis.REDIS_VERSION').out).toBe('$6\r\n7.0.15\r\n');
    expect(evalIn(vm, 'return redis.sha1hex("")').out).toBe(
      '$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n',
    );
  });

  test('math.random is Redis lrand48 stream, continuing across runs', () => {
    const body = 'local t = {} for i = 1, 5 do t[i] = math.random(100) end return t';
    expect(evalIn(vm, body).out).toBe('*5\r\n:40\r\n:85\r\n:36\r\n:45\r\n:32\r\n');
    expect(evalIn(vm, body).out).toBe('*5\r\n:89\r\n:2\r\n:59\r\n:16\r\n:39\r\n');
  });

  test('a busy script yields from the count hook, resumes, and can be killed', () => {
    const loop = 'local n = 0 while true do n = n + 1 end';
    host.hookAnswer = 1;
    expect(evalIn(vm, loop, [], [], 2, 1000).status).toBe('yield');
    expect(vm.resume()).toBe('yield');
    host.hookAnswer = 2;
    expect(vm.resume()).toBe('error');
    expect(vm.output()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
    host.hookAnswer = 0;
    expect(evalIn(vm, 'return 1').out).toBe(':1\r\n');
  });

  test('a coroutine of the script never sees a yield of the host', () => {
    host.hookAnswer = 1;
    const body =
      'local co = coroutine.create(function() local n = 0 for i = 1, 200000 do n = n + i end return n end) ' +
      'local ok, v = coroutine.resume(co) return tostring(v)';
    let r = evalIn(vm, body, [], [], 2, 1000);
    while (r.status === 'yield') r = { status: vm.resume(), out: vm.output() };
    expect(r.out).toBe('$11\r\n20000100000\r\n');
  });

  test('function libraries: registration, errors at load, calls', () => {
    const fvm = new LuaVM(host, VERSION, true);
    expect(
      fvm.load(
        "\nredis.register_function{function_name='f', callback=function(keys, args) return keys[1] .. args[1] end, flags={'no-writes'}, description='d'}",
      ),
    ).toEqual([{ name: 'f', flags: SCRIPT_NO_WRITES, description: 'd' }]);
    fvm.commit(true);
    expect(fvm.run('F:f', 'f', ['a'], ['b'], true, 2, 0)).toBe('done');
    expect(fvm.output()).toBe('$2\r\nab\r\n');
    expect(fvm.load("\nlocal s = string.len('x')")).toBe(
      "Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'",
    );
    expect(fvm.load("\nredis.register_function('bad name', function() end)")).toMatch(
      /Library names can only contain letters, numbers, or underscores/,
    );
    expect(fvm.load('\nreturn (')).toMatch(/^Error compiling function: user_function:2:/);
  });
});
