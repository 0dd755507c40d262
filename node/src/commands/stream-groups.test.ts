// Unit tests for the consumer-group commands against TestCtx (its clock is fixed, so delivery times,
// idle times and the propagated XCLAIM ... TIME are exact): replies and errors as redis-server 7.0.15
// gives them, the PEL after each command, keyspace events, key signals, the commands propagated, the
// re-run of a blocked XREADGROUP, and XINFO's radix-tree-nodes for known key sets.
import { commands as groups, raxNodeCount } from './stream-groups.js';
import { commands as streams } from './stream.js';
import { commands as keyspace } from './keyspace.js';
import { commands as string } from './string.js';
import { TestCtx, REPLY_WRONGTYPE, commandSpecOf, type Reply } from './testing.js';
import type { CommandSpec, Ctx } from '../server/command.js';
import { RedisError, unknownSubcommand } from '../store/errors.js';
import { RStream } from '../store/stream.js';
import { ConsumerGroup } from '../store/stream-group.js';
import { idBytes, makeId } from '../store/stream-id.js';

/** Container commands dispatched to their subcommands (TestCtx runs top-level specs only). */
function flat(specs: CommandSpec[]): CommandSpec[] {
  return specs.map((s) => {
    const subs = s.subcommands;
    if (subs === undefined) return s;
    const handler = (c: Ctx, argv: string[]): void => {
      const sub = subs.find((x) => x.name === argv[1].toLowerCase());
      if (sub === undefined) throw new RedisError(unknownSubcommand(argv[1], s.name));
      if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity)
        throw new RedisError(`ERR wrong number of arguments for '${s.name}|${sub.name}' command`);
      sub.handler(c, argv);
    };
    return { ...s, handler };
  });
}

const T0 = 1_700_000_000_000;

function ctx(): TestCtx {
  const c = new TestCtx(flat([...groups, ...streams, ...keyspace, ...string]));
  c.host.time = T0;
  return c;
}

/** A context holding s = 1-1, 1-2, 1-3 and group g at 0. */
function withGroup(): TestCtx {
  const c = ctx();
  for (const id of ['1-1', '1-2', '1-3']) c.run('XADD', 's', id, 'f', id);
  c.run('XGROUP', 'CREATE', 's', 'g', '0');
  return c;
}

const entry = (id: string): Reply => [id, ['f', id]];
const err = (error: string): Reply => ({ error });

/** XCLAIM as Redis propagates a delivery. */
const claimArgv = (consumer: string, id: string, time: number, count: number, last: string): string[] => [
  'XCLAIM',
  's',
  'g',
  consumer,
  '0',
  id,
  'TIME',
  String(time),
  'RETRYCOUNT',
  String(count),
  'FORCE',
  'JUSTID',
  'LASTID',
  last,
];

function group(c: TestCtx, key = 's', name = 'g'): ConsumerGroup {
  const s = c.db.lookupRead(key) as RStream;
  return s.groups.get(name) as ConsumerGroup;
}

describe('command table', () => {
  test('arity, flags and key specs as COMMAND INFO reports them', () => {
    expect(commandSpecOf(groups, 'xreadgroup')).toEqual([-7, ['write', 'blocking'], 0, 0, 0]);
    expect(commandSpecOf(groups, 'xack')).toEqual([-4, ['write', 'fast'], 1, 1, 1]);
    expect(commandSpecOf(groups, 'xpending')).toEqual([-3, ['readonly'], 1, 1, 1]);
    expect(commandSpecOf(groups, 'xclaim')).toEqual([-6, ['write', 'fast'], 1, 1, 1]);
    expect(commandSpecOf(groups, 'xautoclaim')).toEqual([-6, ['write', 'fast'], 1, 1, 1]);
    const subs = (name: string): [string, number, string[]][] =>
      (groups.find((s) => s.name === name)?.subcommands ?? []).map((s) => [s.name, s.arity, s.flags]);
    expect(subs('xgroup')).toEqual([
      ['create', -5, ['write', 'denyoom']],
      ['setid', -5, ['write']],
      ['destroy', 4, ['write']],
      ['createconsumer', 5, ['write', 'denyoom']],
      ['delconsumer', 5, ['write']],
      ['help', 2, ['loading', 'stale']],
    ]);
    expect(subs('xinfo')).toEqual([
      ['stream', -3, ['readonly']],
      ['groups', 3, ['readonly']],
      ['consumers', 4, ['readonly']],
      ['help', 2, ['loading', 'stale']],
    ]);
  });
});

describe('XGROUP', () => {
  test('CREATE: MKSTREAM, $, ENTRIESREAD, BUSYGROUP, the missing-key error, and its events', () => {
    const c = ctx();
    expect(c.run('XGROUP', 'CREATE', 's', 'g', '0')).toEqual(
      err(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      ),
    );
    expect(c.run('XGROUP', 'CREATE', 's', 'g', 'bad', 'MKSTREAM')).toEqual(
      err('ERR Invalid stream ID specified as stream command argument'),
    );
    expect(c.db.exists('s')).toBe(false);
    expect(c.run('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM')).toBe('OK');
    expect(c.eventNames()).toEqual(['new:s', 'xgroup-create:s']);
    expect(c.run('XGROUP', 'CREATE', 's', 'g', '0')).toEqual(
      err('BUSYGROUP Consumer Group name already exists'),
    );
    expect(c.run('XGROUP', 'CREATE', 's', 'h', '0', 'ENTRIESREAD', '-2')).toEqual(
      err('ERR value for ENTRIESREAD must be positive or -1'),
    );
    expect(c.run('XGROUP', 'CREATE', 's', 'h', '0', 'Foo')).toEqual(
      err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."),
    );
    expect(c.run('XGROUP', 'CREATE', 's', 'h', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM')).toEqual(
      err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."),
    );
    expect(c.run('XGROUP', 'CREATE', 's', 'h', '5', 'ENTRIESREAD', '3')).toBe('OK');
    expect(group(c, 's', 'h').lastId).toBe(makeId(5n, 0n));
    expect(group(c, 's', 'h').entriesRead).toBe(3);
    expect(group(c).entriesRead).toBe(-1);
    c.run('SET', 'str', 'x');
    expect(c.run('XGROUP', 'CREATE', 'str', 'g', '0', 'MKSTREAM')).toEqual(REPLY_WRONGTYPE);
  });

  test('SETID resets entries-read unless given; $, - and +', () => {
    const c = withGroup();
    c.run('XGROUP', 'SETID', 's', 'g', '1-2', 'ENTRIESREAD', '2');
    expect([group(c).lastId, group(c).entriesRead]).toEqual([makeId(1n, 2n), 2]);
    expect(c.eventNames()).toEqual(['xgroup-setid:s']);
    c.run('XGROUP', 'SETID', 's', 'g', '$');
    expect([group(c).lastId, group(c).entriesRead]).toEqual([makeId(1n, 3n), -1]);
    c.run('XGROUP', 'SETID', 's', 'g', '+');
    expect(group(c).lastId).toBe((1n << 128n) - 1n);
    expect(c.run('XGROUP', 'SETID', 's', 'nope', '0')).toEqual(
      err("NOGROUP No such consumer group 'nope' for key name 's'"),
    );
    expect(c.run('XGROUP', 'SETID', 's', 'g', '0', 'MKSTREAM')).toEqual(
      err("ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."),
    );
  });

  test('CREATECONSUMER, DELCONSUMER (its pending entries leave the group PEL), DESTROY', () => {
    const c = withGroup();
    expect(c.run('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice')).toBe(1);
    expect(c.eventNames()).toEqual(['xgroup-createconsumer:s']);
    expect(c.run('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice')).toBe(0);
    expect(c.events).toEqual([]);
    c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    c.run('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    expect(c.run('XGROUP', 'DELCONSUMER', 's', 'g', 'alice')).toBe(2);
    expect(c.eventNames()).toEqual(['xgroup-delconsumer:s']);
    expect(group(c).pel.keys).toEqual([makeId(1n, 3n)]);
    expect(c.run('XGROUP', 'DELCONSUMER', 's', 'g', 'alice')).toBe(0);
    expect(c.run('XGROUP', 'DESTROY', 's', 'nope')).toBe(0);
    c.host.touched.length = 0;
    expect(c.run('XGROUP', 'DESTROY', 's', 'g')).toBe(1);
    expect(c.host.touched).toEqual(['s']);
    expect(c.eventNames()).toEqual(['xgroup-destroy:s']);
    expect(c.run('XGROUP', 'DESTROY', 'nokey', 'g')).toEqual(
      err(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      ),
    );
  });

  test('HELP is status lines', () => {
    const c = ctx();
    const help = c.run('XGROUP', 'HELP') as string[];
    expect(help[0]).toBe('XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toHaveLength(17);
    expect(c.run('XGROUP', 'NOPE')).toEqual(err("ERR unknown subcommand 'NOPE'. Try XGROUP HELP."));
  });
});

describe('XREADGROUP', () => {
  test('new entries: the PEL, the group position, and XCLAIM per entry propagated', () => {
    const c = withGroup();
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>')).toEqual([
      ['s', [entry('1-1'), entry('1-2')]],
    ]);
    expect(c.eventNames()).toEqual(['xgroup-createconsumer:s']);
    expect(c.propagated).toEqual([
      claimArgv('alice', '1-1', T0, 1, '1-1'),
      claimArgv('alice', '1-2', T0, 1, '1-2'),
    ]);
    expect([group(c).lastId, group(c).entriesRead]).toEqual([makeId(1n, 2n), 2]);
    expect(c.run('XPENDING', 's', 'g')).toEqual([2, '1-1', '1-2', [['alice', '2']]]);
    // Nothing new for a known consumer: no consumer created, nothing propagated.
    c.run('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>')).toBeNull();
    expect(group(c).consumers.has('carol')).toBe(false);
    expect(c.propagated).toEqual([]);
  });

  test('NOACK: nothing pending; XGROUP CREATECONSUMER and SETID ... ENTRIESREAD propagated', () => {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>');
    expect(c.propagated).toEqual([
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'],
      ['XGROUP', 'SETID', 's', 'g', '1-3', 'ENTRIESREAD', '3'],
    ]);
    expect(group(c).pel.size).toBe(0);
  });

  test('history: the consumer PEL from an ID, delivered again; deleted entries come without fields', () => {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    c.host.time = T0 + 500;
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1-1')).toEqual([
      ['s', [entry('1-2'), entry('1-3')]],
    ]);
    expect(c.propagated).toEqual([]);
    c.run('XDEL', 's', '1-2');
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '0')).toEqual([
      ['s', [entry('1-1'), ['1-2', null]]],
    ]);
    expect(c.run('XPENDING', 's', 'g', '-', '+', '10')).toEqual([
      ['1-1', 'alice', 0, 2],
      ['1-2', 'alice', 0, 2],
      ['1-3', 'alice', 0, 2],
    ]);
    // The largest ID is `>`: nothing new, so no reply at all.
    expect(
      c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '18446744073709551615-18446744073709551615'),
    ).toBeNull();
  });

  test('an entry pending for another consumer is taken over after SETID, counted as delivered once', () => {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    c.run('XCLAIM', 's', 'g', 'alice', '0', '1-1', 'RETRYCOUNT', '5', 'JUSTID');
    c.run('XGROUP', 'SETID', 's', 'g', '0');
    c.run('XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 's', '>');
    expect(c.run('XPENDING', 's', 'g', '-', '+', '1')).toEqual([['1-1', 'bob', 0, 1]]);
    expect(group(c).consumers.get('alice')?.pel.size).toBe(2);
    // entries-read was reset by SETID and is re-estimated from the stream.
    expect(group(c).entriesRead).toBe(1);
  });

  test('errors, checked key by key: type, group, then ID', () => {
    const c = withGroup();
    c.run('SET', 'str', 'x');
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'str', '>', '>')).toEqual(REPLY_WRONGTYPE);
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', 's', '>', '$')).toEqual(
      err("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"),
    );
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$')).toEqual(
      err(
        'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
      ),
    );
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '-')).toEqual(
      err('ERR Invalid stream ID specified as stream command argument'),
    );
    expect(group(c).consumers.size).toBe(0);
  });
});

describe('blocking XREADGROUP', () => {
  function blocked(): TestCtx {
    const c = withGroup();
    c.run('XGROUP', 'SETID', 's', 'g', '$');
    expect(c.run('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '100', 'STREAMS', 's', '>')).toBeNull();
    expect(c.blocked).toEqual({ keys: ['s'], timeoutMs: 100, rerunArgv: undefined });
    return c;
  }
  const rerun = (c: TestCtx, key: string): Reply => {
    c.woken = key;
    try {
      return c.run('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '100', 'STREAMS', 's', '>');
    } finally {
      c.woken = null;
    }
  };

  test('served by XADD: at most 1000 entries without COUNT', () => {
    const c = blocked();
    for (let i = 1; i <= 1005; i++) c.run('XADD', 's', `2-${i}`, 'f', 'v');
    const r = rerun(c, 's') as [string, Reply[]][];
    expect(r[0][0]).toBe('s');
    expect(r[0][1]).toHaveLength(1000);
    expect(c.propagated).toHaveLength(1000);
  });

  test('kept blocked by a change Redis does not signal (XACK, SETID), served by the next XADD', () => {
    const c = blocked();
    c.run('XGROUP', 'SETID', 's', 'g', '0');
    expect(rerun(c, 's')).toBeNull();
    expect(c.blocked?.keys).toEqual(['s']);
    c.run('XADD', 's', '2-1', 'f', '2-1');
    expect(rerun(c, 's')).toEqual([['s', [entry('1-1'), entry('1-2'), entry('1-3'), entry('2-1')]]]);
  });

  test('unblocked with -UNBLOCKED when the key goes, -NOGROUP when the group goes', () => {
    const c = blocked();
    c.run('XGROUP', 'DESTROY', 's', 'g');
    expect(rerun(c, 's')).toEqual(
      err('NOGROUP the consumer group this client was blocked on no longer exists'),
    );
    const d = blocked();
    d.run('SET', 's', 'x');
    expect(rerun(d, 's')).toEqual(err('UNBLOCKED the stream key no longer exists'));
    const e = blocked();
    e.run('DEL', 's');
    expect(rerun(e, 's')).toEqual(err('UNBLOCKED the stream key no longer exists'));
  });

  test('XADD then XDEL: served an empty list, as Redis compares with the last ID', () => {
    const c = blocked();
    c.run('XADD', 's', '2-1', 'f', 'v');
    c.run('XDEL', 's', '2-1');
    expect(rerun(c, 's')).toEqual([['s', []]]);
    expect(group(c).consumers.has('c')).toBe(true);
  });

  test('inside MULTI it does not block', () => {
    const c = withGroup();
    c.run('XGROUP', 'SETID', 's', 'g', '$');
    c.inExec = true;
    c.run('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    expect(c.blocked?.keys).toEqual(['s']);
  });
});

describe('XACK and XPENDING', () => {
  test('XACK counts what it removes; no key or group: 0 before IDs are parsed', () => {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>');
    expect(c.run('XACK', 'nokey', 'g', 'bad')).toBe(0);
    expect(c.run('XACK', 's', 'g', '1-1', 'bad')).toEqual(
      err('ERR Invalid stream ID specified as stream command argument'),
    );
    c.host.touched.length = 0;
    expect(c.run('XACK', 's', 'g', '1-1', '1-1', '9-9')).toBe(1);
    expect(c.host.touched).toEqual(['s']);
    expect(c.run('XACK', 's', 'g', '1-1')).toBe(0);
    expect(c.run('XPENDING', 's', 'g')).toEqual([2, '1-2', '1-3', [['a', '2']]]);
  });

  test('XPENDING: empty summary, IDLE, ranges, a consumer, extra arguments', () => {
    const c = withGroup();
    expect(c.run('XPENDING', 's', 'g')).toEqual([0, null, null, null]);
    c.run('XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>');
    c.host.time = T0 + 1000;
    c.run('XREADGROUP', 'GROUP', 'g', 'b', 'STREAMS', 's', '>');
    c.host.time = T0 + 1500;
    expect(c.run('XPENDING', 's', 'g', 'IDLE', '1000', '-', '+', '10')).toEqual([['1-1', 'a', 1500, 1]]);
    expect(c.run('XPENDING', 's', 'g', '(1-1', '+', '1')).toEqual([['1-2', 'b', 500, 1]]);
    expect(c.run('XPENDING', 's', 'g', '-', '+', '10', 'b', 'ignored')).toEqual([
      ['1-2', 'b', 500, 1],
      ['1-3', 'b', 500, 1],
    ]);
    expect(c.run('XPENDING', 's', 'g', '-', '+', '10', 'nobody')).toEqual([]);
    expect(c.run('XPENDING', 's', 'g', 'IDLE', '10', '-', '+')).toEqual(err('ERR syntax error'));
    expect(c.run('XPENDING', 'nokey', 'g', 'bad', '+', 'x')).toEqual(
      err('ERR value is not an integer or out of range'),
    );
    expect(c.run('XPENDING', 'nokey', 'g')).toEqual(err("NOGROUP No such key 'nokey' or consumer group 'g'"));
  });
});

describe('XCLAIM', () => {
  function claimed(): TestCtx {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    c.host.time = T0 + 10_000;
    return c;
  }

  test('min-idle, IDLE, TIME, RETRYCOUNT, JUSTID, and each claim propagated', () => {
    const c = claimed();
    expect(c.run('XCLAIM', 's', 'g', 'bob', '20000', '1-1')).toEqual([]);
    expect(group(c).consumers.has('bob')).toBe(false);
    expect(c.run('XCLAIM', 's', 'g', 'bob', '10000', '1-1')).toEqual([entry('1-1')]);
    expect(c.propagated).toEqual([claimArgv('bob', '1-1', T0 + 10_000, 2, '1-3')]);
    expect(c.eventNames()).toEqual(['xgroup-createconsumer:s']);
    c.run('XCLAIM', 's', 'g', 'bob', '0', '1-2', 'IDLE', '3000', 'JUSTID');
    expect(c.propagated).toEqual([claimArgv('bob', '1-2', T0 + 7000, 1, '1-3')]);
    c.run('XCLAIM', 's', 'g', 'bob', '0', '1-2', 'TIME', '12345', 'RETRYCOUNT', '9');
    expect(c.propagated).toEqual([claimArgv('bob', '1-2', 12345, 9, '1-3')]);
    c.run('XCLAIM', 's', 'g', 'bob', '0', '1-2', 'TIME', String(T0 + 99_999), 'JUSTID');
    expect(c.propagated).toEqual([claimArgv('bob', '1-2', T0 + 10_000, 9, '1-3')]);
  });

  test('FORCE creates a pending entry; deleted entries leave the PEL; LASTID alone propagates SETID', () => {
    const c = claimed();
    c.run('XACK', 's', 'g', '1-3');
    expect(c.run('XCLAIM', 's', 'g', 'bob', '0', '1-3', 'FORCE')).toEqual([entry('1-3')]);
    expect(c.run('XPENDING', 's', 'g', '1-3', '1-3', '1')).toEqual([['1-3', 'bob', 0, 2]]);
    c.run('XDEL', 's', '1-1');
    expect(c.run('XCLAIM', 's', 'g', 'bob', '0', '1-1', '1', 'JUSTID')).toEqual([]);
    expect(c.propagated).toEqual([claimArgv('alice', '1-1', T0, 1, '1-3')]);
    expect(group(c).pel.has(makeId(1n, 1n))).toBe(false);
    c.run('XCLAIM', 's', 'g', 'bob', '0', '9-9', 'LASTID', '5-5');
    expect(c.propagated).toEqual([['XGROUP', 'SETID', 's', 'g', '5-5', 'ENTRIESREAD', '3']]);
  });

  test('option errors', () => {
    const c = claimed();
    expect(c.run('XCLAIM', 's', 'g', 'b', 'x', '1-1')).toEqual(
      err('ERR Invalid min-idle-time argument for XCLAIM'),
    );
    expect(c.run('XCLAIM', 's', 'g', 'b', '0', '1-1', 'Idle')).toEqual(
      err("ERR Unrecognized XCLAIM option 'Idle'"),
    );
    expect(c.run('XCLAIM', 's', 'g', 'b', '0', '1-1', 'TIME', 'x')).toEqual(
      err('ERR Invalid TIME option argument for XCLAIM'),
    );
    expect(c.run('XCLAIM', 'nokey', 'g', 'b', 'x', '1-1')).toEqual(
      err("NOGROUP No such key 'nokey' or consumer group 'g'"),
    );
  });
});

describe('XAUTOCLAIM', () => {
  test('the cursor, COUNT, JUSTID, and deleted entries counted and reported', () => {
    const c = withGroup();
    c.run('XADD', 's', '1-4', 'f', '1-4');
    c.run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    expect(c.run('XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2')).toEqual([
      '1-3',
      [entry('1-1'), entry('1-2')],
      [],
    ]);
    c.run('XDEL', 's', '1-3');
    expect(c.run('XAUTOCLAIM', 's', 'g', 'bob', '0', '1-3', 'COUNT', '1', 'JUSTID')).toEqual([
      '1-4',
      [],
      ['1-3'],
    ]);
    expect(c.propagated).toEqual([claimArgv('alice', '1-3', T0, 1, '1-4')]);
    expect(c.run('XAUTOCLAIM', 's', 'g', 'bob', '0', '1-4', 'JUSTID')).toEqual(['0-0', ['1-4'], []]);
    expect(c.run('XPENDING', 's', 'g', '-', '+', '10')).toEqual([
      ['1-1', 'bob', 0, 2],
      ['1-2', 'bob', 0, 2],
      ['1-4', 'bob', 0, 1],
    ]);
  });

  test('scans at most COUNT * 10 entries', () => {
    const c = ctx();
    for (let i = 1; i <= 30; i++) c.run('XADD', 's', `${i}-0`, 'f', 'v');
    c.run('XGROUP', 'CREATE', 's', 'g', '0');
    c.run('XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>');
    c.run('XCLAIM', 's', 'g', 'a', '0', '25-0', 'IDLE', '100000', 'JUSTID');
    expect(c.run('XAUTOCLAIM', 's', 'g', 'b', '50000', '0', 'COUNT', '1')).toEqual(['11-0', [], []]);
    expect(c.run('XAUTOCLAIM', 's', 'g', 'b', '50000', '11-0', 'COUNT', '1')).toEqual(['21-0', [], []]);
    expect(c.run('XAUTOCLAIM', 's', 'g', 'b', '50000', '21-0', 'COUNT', '1', 'JUSTID')).toEqual([
      '26-0',
      ['25-0'],
      [],
    ]);
    expect(c.run('XAUTOCLAIM', 's', 'g', 'b', '0', '21-0', 'COUNT', '2', 'JUSTID')).toEqual([
      '23-0',
      ['21-0', '22-0'],
      [],
    ]);
  });

  test('argument errors come before the key is looked up', () => {
    const c = ctx();
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', 'x', '0')).toEqual(
      err('ERR Invalid min-idle-time argument for XAUTOCLAIM'),
    );
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0', 'COUNT', '0')).toEqual(
      err('ERR COUNT must be > 0'),
    );
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0', 'COUNT', '576460752303423488')).toEqual(
      err('ERR COUNT must be > 0'),
    );
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0', 'COUNT', '92233720368547758')).toEqual(
      err('ERR Insufficient memory, failed allocating transient memory, COUNT too high.'),
    );
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0', 'JUSTID', 'x')).toEqual(err('ERR syntax error'));
    expect(c.run('XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0')).toEqual(
      err("NOGROUP No such key 'nokey' or consumer group 'g'"),
    );
  });
});

describe('XINFO', () => {
  test('STREAM, FULL with COUNT, GROUPS (entries-read and lag), CONSUMERS (idle)', () => {
    const c = withGroup();
    c.run('XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>');
    c.host.time = T0 + 42;
    expect(c.run('XINFO', 'STREAM', 's')).toEqual([
      'length',
      3,
      'radix-tree-keys',
      1,
      'radix-tree-nodes',
      2,
      'last-generated-id',
      '1-3',
      'max-deleted-entry-id',
      '0-0',
      'entries-added',
      3,
      'recorded-first-entry-id',
      '1-1',
      'groups',
      1,
      'first-entry',
      entry('1-1'),
      'last-entry',
      entry('1-3'),
    ]);
    expect(c.run('XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1')).toEqual([
      'length',
      3,
      'radix-tree-keys',
      1,
      'radix-tree-nodes',
      2,
      'last-generated-id',
      '1-3',
      'max-deleted-entry-id',
      '0-0',
      'entries-added',
      3,
      'recorded-first-entry-id',
      '1-1',
      'entries',
      [entry('1-1')],
      'groups',
      [
        [
          'name',
          'g',
          'last-delivered-id',
          '1-1',
          'entries-read',
          1,
          'lag',
          2,
          'pel-count',
          1,
          'pending',
          [['1-1', 'a', T0, 1]],
          'consumers',
          [['name', 'a', 'seen-time', T0, 'pel-count', 1, 'pending', [['1-1', T0, 1]]]],
        ],
      ],
    ]);
    expect(c.run('XINFO', 'GROUPS', 's')).toEqual([
      ['name', 'g', 'consumers', 1, 'pending', 1, 'last-delivered-id', '1-1', 'entries-read', 1, 'lag', 2],
    ]);
    c.run('XDEL', 's', '1-2');
    expect((c.run('XINFO', 'GROUPS', 's') as Reply[][])[0].slice(8)).toEqual([
      'entries-read',
      1,
      'lag',
      null,
    ]);
    expect(c.run('XINFO', 'CONSUMERS', 's', 'g')).toEqual([['name', 'a', 'pending', 1, 'idle', 42]]);
    expect(c.run('XINFO', 'STREAM', 'nokey', 'foo')).toEqual(err('ERR no such key'));
    expect(c.run('XINFO', 'STREAM', 's', 'full', 'x')).toEqual(
      err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."),
    );
  });

  test('radix-tree-nodes as Redis reports them for known key sets', () => {
    const keys = (ids: [bigint, bigint][]): Buffer[] => ids.map(([ms, seq]) => idBytes(makeId(ms, seq)));
    expect(raxNodeCount([])).toBe(1);
    expect(raxNodeCount(keys([[1n, 1n]]))).toBe(2);
    // Two keys parting at the last byte: the shared prefix, a branching node, two leaves.
    expect(
      raxNodeCount(
        keys([
          [1n, 1n],
          [1n, 2n],
        ]),
      ),
    ).toBe(4);
    // Parting at the first byte: a branching head and two compressed chains with their leaves.
    expect(
      raxNodeCount(
        keys([
          [1n, 0n],
          [1n << 56n, 0n],
        ]),
      ),
    ).toBe(5);
    expect(
      raxNodeCount(
        keys([
          [1n, 1n],
          [1n, 2n],
          [1n, 3n],
        ]),
      ),
    ).toBe(5);
  });
});
