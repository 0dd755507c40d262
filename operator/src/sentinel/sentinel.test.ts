// Unit tests of the Sentinel endpoint's pure parts: names (both forms, two namespaces with one name),
// the events of replica changes, PSUBSCRIBE patterns, the standby's views from status, peers and IDs.
// (The replies themselves are compared with a real Sentinel in test/sentinel-protocol.test.ts.)
import { SentinelRegistry, type ReplicationView } from './registry.js';
import { globMatch } from './pattern.js';
import { peersOf, sentinelId, viewFromStatus } from './from-status.js';
import { deliver, handleCommand, newConn, type SentinelHost } from './commands.js';
import type { SentinelEvent } from './events.js';
import type { RedisReplication } from '../api/types.js';

function view(
  ns: string,
  name: string,
  masterIp: string,
  replicas: [string, boolean][] = [],
): ReplicationView {
  return {
    namespace: ns,
    name,
    master: { pod: `${name}-0`, ip: masterIp, offset: 0 },
    replicas: replicas.map(([ip, linkUp], i) => ({
      pod: `${name}-${i + 1}`,
      ip,
      linkUp,
      offset: 0,
      priority: 100,
    })),
    downAfterMs: 1000,
    masterDown: false,
  };
}

function recording(reg: SentinelRegistry): SentinelEvent[] {
  const got: SentinelEvent[] = [];
  reg.onEvent((e) => got.push(e));
  return got;
}

test('a set answers to ns/name and, while unique, to its bare name; both get every event', () => {
  const reg = new SentinelRegistry(() => 1000);
  const got = recording(reg);
  reg.update(view('default', 'minimal', '10.0.0.1'));
  expect(reg.named().map((n) => n.name)).toEqual(['default/minimal', 'minimal']);
  expect(reg.find('minimal')?.namespace).toBe('default');
  reg.update(view('default', 'minimal', '10.0.0.2'));
  expect(got.filter((e) => e.channel === '+switch-master').map((e) => e.message)).toEqual([
    'default/minimal 10.0.0.1 6379 10.0.0.2 6379',
    'minimal 10.0.0.1 6379 10.0.0.2 6379',
  ]);
  // A second namespace with the same name: the bare name is ambiguous, so neither set answers to it.
  reg.update(view('team-b', 'minimal', '10.0.1.1'));
  expect(reg.find('minimal')).toBeUndefined();
  expect(reg.named().map((n) => n.name)).toEqual(['default/minimal', 'team-b/minimal']);
  reg.remove('team-b', 'minimal');
  expect(reg.find('minimal')?.master?.ip).toBe('10.0.0.2');
});

test('replica events: +slave when new, +sdown when gone, -sdown when back, +slave-reconf-done after a switch', () => {
  let now = 1000;
  const reg = new SentinelRegistry(() => now);
  const got = recording(reg);
  const only = (ch: string) =>
    got.filter((e) => e.channel === ch && e.message.includes('@ ns/s ')).map((e) => e.message);
  reg.update({ ...view('ns', 's', '10.0.0.1', [['10.0.0.2', true]]), name: 's' });
  reg.update({
    ...view('ns', 's', '10.0.0.1', [
      ['10.0.0.2', true],
      ['10.0.0.3', true],
    ]),
    name: 's',
  });
  expect(only('+slave')).toEqual([
    'slave 10.0.0.2:6379 10.0.0.2 6379 @ ns/s 10.0.0.1 6379',
    'slave 10.0.0.3:6379 10.0.0.3 6379 @ ns/s 10.0.0.1 6379',
  ]);
  reg.update({ ...view('ns', 's', '10.0.0.1', [['10.0.0.2', true]]), name: 's' });
  expect(only('+sdown')).toEqual(['slave 10.0.0.3:6379 10.0.0.3 6379 @ ns/s 10.0.0.1 6379']);
  reg.update({
    ...view('ns', 's', '10.0.0.1', [
      ['10.0.0.2', true],
      ['10.0.0.3', true],
    ]),
    name: 's',
  });
  expect(only('-sdown')).toEqual(['slave 10.0.0.3:6379 10.0.0.3 6379 @ ns/s 10.0.0.1 6379']);
  // The master moves to .2; .3 links to it a moment later: reconfigured.
  now += 1000;
  reg.update({ ...view('ns', 's', '10.0.0.2', [['10.0.0.3', false]]), name: 's' });
  expect(reg.epoch(reg.find('ns/s') as ReplicationView)).toBe(1);
  reg.update({ ...view('ns', 's', '10.0.0.2', [['10.0.0.3', true]]), name: 's' });
  expect(only('+slave-reconf-done')).toEqual(['slave 10.0.0.3:6379 10.0.0.3 6379 @ ns/s 10.0.0.2 6379']);
  // Long after the switch, a link coming up is not a reconfiguration.
  now += 120_000;
  reg.update({ ...view('ns', 's', '10.0.0.2', [['10.0.0.3', false]]), name: 's' });
  reg.update({ ...view('ns', 's', '10.0.0.2', [['10.0.0.3', true]]), name: 's' });
  expect(only('+slave-reconf-done')).toHaveLength(1);
});

test('the master failing and recovering: +sdown/+odown, then -odown/-sdown', () => {
  const reg = new SentinelRegistry(() => 5);
  const got = recording(reg);
  reg.update(view('ns', 'x', '10.0.0.1'));
  reg.update({ ...view('ns', 'x', '10.0.0.1'), masterDown: true });
  reg.update(view('ns', 'x', '10.0.0.1'));
  expect(
    got.filter((e) => e.message.startsWith('master x ')).map((e) => `${e.channel} ${e.message}`),
  ).toEqual([
    '+monitor master x 10.0.0.1 6379 quorum 1',
    '+sdown master x 10.0.0.1 6379',
    '+odown master x 10.0.0.1 6379 #quorum 1/1',
    '-odown master x 10.0.0.1 6379',
    '-sdown master x 10.0.0.1 6379',
  ]);
});

test('PSUBSCRIBE patterns match as Redis globs', () => {
  expect(globMatch('*', '+switch-master')).toBe(true);
  expect(globMatch('[-+]sdown', '-sdown')).toBe(true);
  expect(globMatch('[-+]sdown', '+sdown')).toBe(true);
  expect(globMatch('[-+]sdown', '+odown')).toBe(false);
  expect(globMatch('+s?itch-*', '+switch-master')).toBe(true);
  expect(globMatch('[^+]sdown', '+sdown')).toBe(false);
  expect(globMatch('[a-c]x', 'bx')).toBe(true);
  expect(globMatch('\\*', '*')).toBe(true);
  expect(globMatch('\\*', 'a')).toBe(false);
  expect(globMatch('+odown.', '+odown')).toBe(false);
});

test('events reach the subscriptions they match, once per matching pattern', () => {
  const host = { password: '' } as SentinelHost;
  const conn = newConn(1, host);
  handleCommand(host, conn, ['SUBSCRIBE', '+switch-master']);
  handleCommand(host, conn, ['PSUBSCRIBE', '*', '+switch*', '[-+]sdown']);
  const out = deliver(conn, { channel: '+switch-master', message: 'm 1 2 3 4' });
  expect(out.match(/\*3\r\n\$7\r\nmessage/g)).toHaveLength(1);
  expect(out.match(/\*4\r\n\$8\r\npmessage/g)).toHaveLength(2);
  expect(deliver(conn, { channel: '-sdown', message: 'x' })).toContain('[-+]sdown');
  expect(deliver(newConn(2, host), { channel: '-sdown', message: 'x' })).toBe('');
});

test("a standby's views come from the status; peers are the other running operator pods", () => {
  const cr = {
    metadata: { namespace: 'default', name: 'm' },
    spec: { failover: { downAfterMilliseconds: 1500 } },
    status: {
      master: { pod: 'm-1', ip: '10.0.0.2' },
      replicas: [
        { pod: 'm-0', ip: '10.0.0.1', role: 'replica', link: 'up', offset: 90, lag: 10 },
        { pod: 'm-1', ip: '10.0.0.2', role: 'master', link: 'n/a', offset: 100, lag: 0 },
        { pod: 'm-2', role: 'unknown', link: 'down', offset: 0, lag: 0 },
      ],
    },
  } as unknown as RedisReplication;
  const v = viewFromStatus(cr, 7);
  expect(v.master).toEqual({ pod: 'm-1', ip: '10.0.0.2', offset: 100 });
  expect(v.replicas).toEqual([{ pod: 'm-0', ip: '10.0.0.1', linkUp: true, offset: 90, priority: 100 }]);
  expect(v.downAfterMs).toBe(1500);
  expect(v.masterDown).toBe(false);
  expect(sentinelId('uid-1')).toMatch(/^[0-9a-f]{40}$/);
  expect(sentinelId('uid-1')).not.toBe(sentinelId('uid-2'));
  const peers = peersOf(
    [
      { uid: 'a', name: 'op-a', ip: '10.1.0.1', running: true, deleting: false },
      { uid: 'b', name: 'op-b', ip: '10.1.0.2', running: true, deleting: false },
      { uid: 'c', name: 'op-c', ip: '10.1.0.3', running: true, deleting: true },
      { uid: 'd', name: 'op-d', running: false, deleting: false },
    ],
    'op-a',
    26379,
  );
  expect(peers).toEqual([{ id: sentinelId('b'), ip: '10.1.0.2', port: 26379 }]);
});

test('the commands that reconfigure a Sentinel are refused with a reason, not ignored', () => {
  const host = { password: '' } as SentinelHost;
  for (const sub of ['MONITOR', 'REMOVE', 'SET', 'FAILOVER', 'RESET', 'CONFIG'])
    expect(handleCommand(host, newConn(1, host), ['SENTINEL', sub, 'x'])).toMatch(
      new RegExp(`^-ERR SENTINEL ${sub} is not available: the tsredis operator`),
    );
});

test("SENTINEL MASTER's flags, in Sentinel's order: disconnected as soon as the link is down, s_down,o_down once failing", () => {
  const reg = new SentinelRegistry(() => 5);
  const host: SentinelHost = {
    registry: reg,
    myId: 'a'.repeat(40),
    port: 26379,
    peers: () => [],
    password: '',
    now: () => 5,
    startedAt: 0,
    connectedClients: () => 1,
  };
  const flags = (): string => {
    const reply = handleCommand(host, newConn(1, host), ['SENTINEL', 'MASTER', 'ns/x']);
    return /\r\nflags\r\n\$\d+\r\n([^\r]*)\r\n/.exec(reply)?.[1] ?? `no flags in ${reply}`;
  };
  reg.update(view('ns', 'x', '10.0.0.1'));
  expect(flags()).toBe('master');
  reg.setMasterLink('ns', 'x', 'x-0', true);
  expect(flags()).toBe('master,disconnected');
  // A link change for a pod that is no longer the view's master changes nothing.
  reg.setMasterLink('ns', 'x', 'x-1', false);
  expect(flags()).toBe('master,disconnected');
  reg.update({ ...view('ns', 'x', '10.0.0.1'), masterDown: true, masterLinkDown: true });
  expect(flags()).toBe('s_down,o_down,master,disconnected');
  reg.setMasterLink('ns', 'x', 'x-0', false);
  expect(flags()).toBe('s_down,o_down,master');
  reg.update(view('ns', 'x', '10.0.0.2'));
  expect(flags()).toBe('master');
});
