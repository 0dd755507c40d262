// Unit tests of the process kubelet's pure parts: $(VAR) expansion and env assembly, the image table,
// the container start script, path resolution inside the image, the cluster layout, and pid files.
import { expandVars, containerEnv, fieldValue, EnvError } from './env.js';
import { imageRepository, resolveImage, containerArgv } from './images.js';
import { containerScript, shQuote } from './container-script.js';
import { resolveInImage } from './container.js';
import { clusterLayout, nodeLayout, namedLayout } from '../layout.js';
import { daemonPids, isAlive, procStartTime, runDir, startDaemon, stopDaemon } from '../daemons.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from './types.js';

const pod: Pod = {
  metadata: { name: 'rr-0', namespace: 'prod', uid: 'u-1', labels: { app: 'x', tier: 'db' } },
  spec: { nodeName: 'n0', serviceAccountName: 'sa', containers: [{ name: 'c', image: 'tsredis/node' }] },
};

test('$(VAR) expansion follows Kubernetes: known names expand, unknown stay, $$ escapes', () => {
  const vars = new Map([
    ['A', 'one'],
    ['B', 'two'],
  ]);
  expect(expandVars('$(A)-$(B)', vars)).toBe('one-two');
  expect(expandVars('$(C) stays', vars)).toBe('$(C) stays');
  expect(expandVars('$$(A) is literal', vars)).toBe('$(A) is literal');
  expect(expandVars('cost $5 and $(A', vars)).toBe('cost $5 and $(A');
});

test('container env: envFrom with prefix, then env in order with expansion and valueFrom', async () => {
  const lookups = {
    configMap: async (n: string) => (n === 'cm' ? { X: '1', Y: '2' } : undefined),
    secret: async (n: string) => (n === 's' ? { password: 'hunter2' } : undefined),
  };
  const env = await containerEnv(
    pod,
    {
      name: 'c',
      image: 'i',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
        { name: 'ADDR', value: '$(POD).$(CM_X):$(PORT)' },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'missing', key: 'k', optional: true } } },
      ],
    },
    { PORT: '6379' },
    { pod: '10.0.0.5', host: '10.0.0.1' },
    lookups,
  );
  expect(env).toMatchObject({
    CM_X: '1',
    CM_Y: '2',
    POD: 'rr-0',
    IP: '10.0.0.5',
    PASS: 'hunter2',
    ADDR: 'rr-0.1:6379',
  });
  expect(env).not.toHaveProperty('OPT');
  await expect(
    containerEnv(
      pod,
      {
        name: 'c',
        image: 'i',
        env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'nope' } } }],
      },
      {},
      { pod: '', host: '' },
      lookups,
    ),
  ).rejects.toThrow(EnvError);
});

test('downward API field paths', () => {
  expect(fieldValue(pod, "metadata.labels['tier']", '', '')).toBe('db');
  expect(fieldValue(pod, 'metadata.labels', '', '')).toBe('app="x"\ntier="db"');
  expect(fieldValue(pod, 'spec.serviceAccountName', '', '')).toBe('sa');
  expect(fieldValue(pod, 'status.hostIP', '', '10.1.1.1')).toBe('10.1.1.1');
  expect(() => fieldValue(pod, 'spec.bogus', '', '')).toThrow(EnvError);
});

test('image table: registry and tag are ignored; command/args override entrypoint/cmd as in Kubernetes', () => {
  expect(imageRepository('ghcr.io/tsredis/node:1.2@sha256:abc')).toBe('tsredis/node');
  expect(imageRepository('localhost:5000/tsredis/operator:dev')).toBe('tsredis/operator');
  expect(imageRepository('busybox')).toBe('busybox');
  const node = resolveImage('tsredis/node:dev', '/repo');
  expect(node?.entrypoint[1]).toBe('/app/dist/node/src/main.js');
  expect(node?.contents).toEqual([{ source: '/repo', target: '/app' }]);
  expect(resolveImage('nginx:latest', '/repo')).toBeUndefined();
  const img = { entrypoint: ['/ep'], cmd: ['--default'], id: 'x' };
  expect(containerArgv(img, undefined, undefined)).toEqual(['/ep', '--default']);
  expect(containerArgv(img, undefined, ['--port', '1'])).toEqual(['/ep', '--port', '1']);
  expect(containerArgv(img, ['/bin/sh'], undefined)).toEqual(['/bin/sh']); // command drops the image's cmd
  expect(containerArgv(img, ['/bin/sh'], ['-c', 'x'])).toEqual(['/bin/sh', '-c', 'x']);
});

test('the container script mounts an overlay, the volumes, and execs the argv quoted inside the chroot', () => {
  const tools = { mount: '/m', mkdir: '/mk', touch: '/t', chroot: '/ch', env: '/e', hostname: '/h' };
  const s = containerScript(tools, {
    root: '/p/root',
    upper: '/p/up',
    work: '/p/wk',
    mounts: [
      { source: '/vol/data', target: '/data', readOnly: false, file: false },
      { source: '/p/hosts', target: '/etc/hosts', readOnly: true, file: true },
    ],
    hostname: 'rr-0',
    workingDir: '/',
    argv: ['sh', '-c', "echo 'hi' $HOME"],
  });
  const lines = s.trim().split('\n');
  expect(lines[0]).toBe('set -e');
  expect(lines[1]).toBe("/m -t overlay overlay -o 'lowerdir=/,upperdir=/p/up,workdir=/p/wk' '/p/root'");
  expect(s).toContain("/mk -p '/p/root/data'\n/m --bind '/vol/data' '/p/root/data'\n");
  expect(s).toContain("[ -e '/p/root/etc/hosts' ] || /t '/p/root/etc/hosts'");
  expect(s).toContain("/m -o remount,bind,ro '/p/root/etc/hosts'");
  expect(lines[lines.length - 1]).toBe(
    `exec /ch '/p/root' /e -C '/' -- 'sh' '-c' ${shQuote("echo 'hi' $HOME")}`,
  );
  expect(shQuote("a'b")).toBe(`'a'\\''b'`);
});

test("mount targets resolve the image's symlinks inside the image (Debian: /var/run -> /run)", () => {
  expect(resolveInImage('/var/run/secrets/kubernetes.io/serviceaccount')).toBe(
    '/run/secrets/kubernetes.io/serviceaccount',
  );
  expect(resolveInImage('/data/x/../y')).toBe('/data/y');
  expect(resolveInImage('/')).toBe('/');
});

test('cluster layouts do not overlap: own bridge, subnets and port block per index', () => {
  const a = clusterLayout('dev', 0, 2);
  const b = namedLayout('e2e');
  expect(b.index).toBe(1);
  expect(a.bridge).not.toBe(b.bridge);
  expect(a.gatewayIp).toBe('10.244.0.1');
  expect(b.gatewayIp).toBe('10.245.0.1');
  const ports = (l: typeof a) => [
    ...Object.values(l.ports),
    ...[0, 1].flatMap((i) => [nodeLayout(l, i).kubeletPort, nodeLayout(l, i).adminPort]),
  ];
  const all = [...ports(a), ...ports(clusterLayout('e2e', 1, 2))];
  expect(new Set(all).size).toBe(all.length);
  expect(nodeLayout(a, 1).podCidr).toBe('10.244.2.0/24');
  expect(() => clusterLayout('Bad Name', 0)).toThrow();
});

test('a pid file whose process is gone or was replaced (another boot) is never signalled', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsr-pid-'));
  try {
    const pid = startDaemon(dir, 'sleeper', 'sleep', ['30']);
    expect(daemonPids(dir).get('sleeper')).toBe(pid);
    // The same pid with another start time: what a pid file from before a reboot looks like when the
    // number has been reused by an unrelated process.
    writeFileSync(path.join(runDir(dir), 'sleeper.pid'), `${pid} ${Number(procStartTime(pid)) - 1}\n`);
    expect(daemonPids(dir).has('sleeper')).toBe(false);
    await stopDaemon(dir, 'sleeper', 500);
    expect(isAlive(pid)).toBe(true);
    writeFileSync(path.join(runDir(dir), 'sleeper.pid'), `${pid} ${procStartTime(pid)}\n`);
    await stopDaemon(dir, 'sleeper', 500);
    expect(isAlive(pid)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
