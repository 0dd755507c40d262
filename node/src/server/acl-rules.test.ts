// Unit tests of the ACL rule parser and describer (server/acl-rules.ts), without a server.
import {
  AclRuleError,
  INDEX,
  applyRule,
  cloneUser,
  defaultUser,
  describeCommandRules,
  describeUser,
  hashPassword,
  mergeSelectorArgs,
  newUser,
  type RuleContext,
  type User,
} from './acl-rules.js';

const ctx: RuleContext = { pubsubAllChannels: false };

function user(...rules: string[]): User {
  const u = newUser('u', ctx);
  for (const r of rules) applyRule(u, r, ctx);
  return u;
}

function code(rule: string, base: User = newUser('u', ctx)): string {
  try {
    applyRule(cloneUser(base), rule, ctx);
    return 'ok';
  } catch (e) {
    return e instanceof AclRuleError ? e.code : String(e);
  }
}

test('the index holds every command and subcommand of the table, looked up as Redis does', () => {
  expect(INDEX.lookup('GET')?.name).toBe('get');
  expect(INDEX.lookup('config|GET')?.name).toBe('config|get');
  expect(INDEX.lookup('config|nosuch')).toBeUndefined();
  expect(INDEX.lookup('get|x')).toBeUndefined();
  expect(INDEX.lookup('a|b|c')).toBeUndefined();
  expect(INDEX.lookupArgv(['CLIENT', 'List'])?.name).toBe('client|list');
  expect(INDEX.lookupArgv(['client', 'nosuch'])).toBeUndefined();
  expect(INDEX.size).toBe(366);
});

test('the default user and a new user describe as in Redis', () => {
  expect(describeUser(defaultUser(ctx))).toBe('on nopass ~* &* +@all');
  expect(describeUser(newUser('x', ctx))).toBe('off resetchannels -@all');
  expect(describeUser(newUser('x', { pubsubAllChannels: true }))).toBe('off &* -@all');
  expect(describeUser(user('reset'))).toBe('off sanitize-payload resetchannels -@all');
});

test('passwords: > adds a SHA-256, < and ! remove, nopass and resetpass clear', () => {
  const h = hashPassword('p');
  expect(h).toBe('148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940');
  const u = user('>p', '>p', '>q', '<q');
  expect(u.passwords).toEqual([h]);
  expect(describeUser(u)).toBe(`off #${h} resetchannels -@all`);
  expect(code('<nope', u)).toBe('ENODEV');
  expect(code('#ABC')).toBe('EBADMSG');
  expect(code(`!${'0'.repeat(64)}`)).toBe('ENODEV');
  applyRule(u, 'nopass', ctx);
  expect(u.passwords).toEqual([]);
  expect(u.nopass).toBe(true);
  applyRule(u, '>x', ctx);
  expect(u.nopass).toBe(false);
});

test('key and channel patterns, with Redis error codes', () => {
  expect(describeUser(user('~a', '%R~b', '%W~c', '%RW~d', '%R~c', '&x', '&x'))).toBe(
    'off ~a %R~b ~c ~d resetchannels &x -@all',
  );
  expect(code('%X~a')).toBe('EINVAL');
  expect(code('%RR~a')).toBe('EINVAL');
  expect(code('~a b')).toBe('EINVAL');
  expect(code('~a', user('allkeys'))).toBe('EEXIST');
  expect(code('&a', user('allchannels'))).toBe('EISDIR');
  expect(describeUser(user('~a', 'allkeys', '&b', '&*'))).toBe('off ~* &* -@all');
  expect(describeUser(user('~a', 'resetkeys', '&b', 'resetchannels'))).toBe('off resetchannels -@all');
});

test('commands, subcommands, categories and first args', () => {
  expect(code('+nosuch')).toBe('ENOENT');
  expect(code('+@nosuch')).toBe('ENOENT');
  expect(code('+client|list|x')).toBe('ECHILD');
  expect(code('+config|')).toBe('EINVAL');
  expect(code('-select|0')).toBe('ENOENT');
  expect(code('bogus')).toBe('EINVAL');
  expect(describeCommandRules(user('+get', '+config|get').selectors[0])).toBe('-@all +config|get +get');
  expect(describeCommandRules(user('+@all', '-config|set').selectors[0])).toBe('+@all -config|set');
  expect(describeCommandRules(user('+config', '-config|set').selectors[0])).toBe('-@all +config -config|set');
  expect(describeCommandRules(user('+select|0', '+SELECT|0', '+select|1').selectors[0])).toBe(
    '-@all +select|0 +select|1',
  );
  expect(describeCommandRules(user('+select|0', '-select').selectors[0])).toBe('-@all');
  expect(describeCommandRules(user('+@read', '-get').selectors[0])).toBe('-@all +@read -get');
  expect(describeCommandRules(user('+@all', '-@dangerous').selectors[0])).toBe('+@all -@dangerous');
  expect(describeCommandRules(user('allcommands', '-get', 'nocommands').selectors[0])).toBe('-@all');
});

test('selectors: (...) adds one, spread arguments merge, clearselectors keeps the root', () => {
  expect(mergeSelectorArgs(['on', '(+get', '~a)', '>p'])).toEqual(['on', '(+get ~a)', '>p']);
  expect(mergeSelectorArgs(['(+get', '~a'])).toEqual({ unmatched: 0 });
  const u = user('+set', '(+get ~a &c)', '()');
  expect(describeUser(u)).toBe(
    'off resetchannels -@all +set (~a resetchannels &c -@all +get) (resetchannels -@all)',
  );
  expect(code('(bogus)')).toBe('EINVAL');
  applyRule(u, 'clearselectors', ctx);
  expect(describeUser(u)).toBe('off resetchannels -@all +set');
});

test('reset, on/off, sanitize flags; unrestricted only for everything on one selector', () => {
  const u = user('on', '>p', '~a', '(+get)', 'skip-sanitize-payload', 'reset');
  expect(describeUser(u)).toBe('off sanitize-payload resetchannels -@all');
  expect(defaultUser(ctx).unrestricted).toBe(true);
  const d = defaultUser(ctx);
  applyRule(d, '(+get)', ctx);
  expect(d.unrestricted).toBe(false);
  applyRule(d, 'clearselectors', ctx);
  expect(d.unrestricted).toBe(true);
  applyRule(d, '-get', ctx);
  expect(d.unrestricted).toBe(false);
});
