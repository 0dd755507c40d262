// Unit tests for configuration: redis.conf text and --directive arguments, units, aliases, save
// lines, validation errors, CONFIG GET patterns and REWRITE lines.
import { Config, ConfigError } from './table.js';
import { applyConfigText, loadConfig, FatalConfigError } from './file.js';
import { parseMemory } from './units.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { globMatch } from '../commands/glob.js';

test('memory units as redis.conf defines them', () => {
  expect(parseMemory('100')).toBe(100);
  expect(parseMemory('1k')).toBe(1000);
  expect(parseMemory('1kb')).toBe(1024);
  expect(parseMemory('5MB')).toBe(5 * 1024 * 1024);
  expect(parseMemory('1g')).toBe(1e9);
  expect(parseMemory('1.5mb')).toBeNull();
});

test('config text: comments, quotes, aliases, repeated save lines', () => {
  const c = new Config();
  applyConfigText(
    c,
    '# comment\nport 7000\nslaveof 10.0.0.1 6379\nsave 900 1\nsave 300 10\nrequirepass "a b"\n',
  );
  expect(c.getInt('port')).toBe(7000);
  expect(c.get('replicaof')).toBe('10.0.0.1 6379');
  expect(c.get('save')).toBe('900 1 300 10');
  expect(c.get('requirepass')).toBe('a b');
  expect(c.rewriteLines()).toEqual([
    'port 7000',
    'replicaof 10.0.0.1 6379',
    'save 900 1',
    'save 300 10',
    'requirepass "a b"',
  ]);
});

test('command-line directives override the file and keep Redis error text', () => {
  const c = loadConfig(['--port', '7001', '--save', '', '--maxmemory', '2mb']);
  expect(c.getInt('port')).toBe(7001);
  expect(c.get('save')).toBe('');
  expect(c.getInt('maxmemory')).toBe(2 * 1024 * 1024);
  expect(() => loadConfig(['--nosuch', '1'])).toThrow(FatalConfigError);
  expect(() => loadConfig(['--port', 'abc'])).toThrow(/argument couldn't be parsed into an integer/);
  expect(() => loadConfig(['--appendfsync', 'sometimes'])).toThrow(/must be one of the following/);
});

test('runtime CONFIG SET rules: immutable parameters, bounds, booleans', () => {
  const c = new Config();
  expect(() => c.set('port', ['1'], true)).toThrow(new ConfigError("can't set immutable config"));
  expect(() => c.set('hz', ['0'], true)).toThrow(/between 1 and 500/);
  expect(() => c.set('replica-read-only', ['maybe'], true)).toThrow(/'yes' or 'no'/);
  c.set('slave-read-only', ['no'], true);
  expect(c.getBool('replica-read-only')).toBe(false);
  c.set('repl-backlog-size', ['32mb'], true);
  expect(c.getInt('repl-backlog-size')).toBe(32 * 1024 * 1024);
});

test('CONFIG GET with patterns and aliases', () => {
  const c = new Config();
  const got = new Map(c.getMatching(['maxmemory*'], (p, s) => globMatch(p, s)));
  expect(got.get('maxmemory')).toBe('0');
  expect(got.get('maxmemory-policy')).toBe('noeviction');
  expect(c.getMatching(['slave-priority'], (p, s) => globMatch(p, s))).toEqual([['slave-priority', '100']]);
});

test('include applies another file in place; later lines win; a missing file is fatal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsredis-conf-'));
  const inc = path.join(dir, 'auth.conf');
  writeFileSync(inc, 'requirepass "s3 cret"\nmaxclients 50\n');
  const c = new Config();
  applyConfigText(c, `maxclients 10\ninclude ${inc}\nport 7000\n`);
  expect(c.get('requirepass')).toBe('s3 cret');
  expect(c.get('maxclients')).toBe('50');
  expect(c.get('port')).toBe('7000');
  expect(() => applyConfigText(new Config(), `include ${path.join(dir, 'missing.conf')}`)).toThrow(
    /can't open config file/,
  );
});

test('a refused set leaves the value as given; restore() puts back both forms (CONFIG SET rollback)', () => {
  const c = new Config();
  c.set('notify-keyspace-events', ['KEAmn'], true);
  expect(() => c.set('notify-keyspace-events', ['Kq'], true)).toThrow();
  expect(c.givenValue('notify-keyspace-events')).toBe('KEAmn');
  const snap = c.snapshot('notify-keyspace-events');
  expect(snap).not.toBeNull();
  c.set('notify-keyspace-events', ['Ex'], true);
  c.restore('notify-keyspace-events', snap as { stored: string; given: string });
  expect(c.givenValue('notify-keyspace-events')).toBe('KEAmn');
  expect(c.get('notify-keyspace-events')).toBe(snap?.stored);
});
