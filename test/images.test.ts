// The images users get start: both are built from node/Dockerfile and operator/Dockerfile
// (test/cluster/images.sh, buildah), and each one's entry point runs from the image's own file tree,
// read-only, as its non-root user, with no part of the checkout visible. The operator image once
// crash-looped on a module that was not in it; this test fails on exactly that.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { ensureImages } from './cluster/control-plane.js';
import { mountImage, runInImage, type ImageRoot } from './helpers/image-root.js';
import { freePort, tmpDir, waitFor } from './helpers/procs.js';

const NODE_IMAGE = 'localhost/tsredis/node:dev';
const OPERATOR_IMAGE = 'localhost/tsredis/operator:dev';
const roots: ImageRoot[] = [];

beforeAll(() => {
  // A build, not a timing: the first one on a machine makes the base image (debootstrap) too.
  const out = ensureImages((s) => process.stderr.write(`${s}\n`));
  for (const name of ['node', 'operator'])
    expect(fs.statSync(path.join(out, `${name}.tar`)).size).toBeGreaterThan(0);
}, 900_000);

afterAll(() => {
  for (const r of roots) r.remove();
});

function mount(image: string): ImageRoot {
  const r = mountImage(image);
  roots.push(r);
  return r;
}

test('the images run as a non-root user and ship production files only', () => {
  for (const image of [NODE_IMAGE, OPERATOR_IMAGE]) {
    const r = mount(image);
    expect(r.user).toBe('10001:10001');
    expect(fs.existsSync(path.join(r.dir, 'app/dist/node/src/protocol/parser.js'))).toBe(true);
    // No sources or tests of ours, no dev dependencies.
    const found = execFileSync(
      'find',
      [path.join(r.dir, 'app/dist'), '-name', '*.test.js', '-o', '-name', '*.ts', '-not', '-name', '*.d.ts'],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(found).toBe('');
    for (const dev of ['typescript', 'jest', 'eslint']) {
      expect(fs.existsSync(path.join(r.dir, 'app/node_modules', dev))).toBe(false);
    }
  }
  const op = mount(OPERATOR_IMAGE);
  expect(fs.existsSync(path.join(op.dir, 'app/node_modules/@kubernetes/client-node'))).toBe(true);
  // The node imports no npm package (test/module-boundaries.test.ts), so its image has none.
  const node = mount(NODE_IMAGE);
  expect(fs.existsSync(path.join(node.dir, 'app/node_modules'))).toBe(false);
});

test("the node image's entry point serves clients from a read-only root, writing only to /data", async () => {
  const r = mount(NODE_IMAGE);
  const data = tmpDir('tsredis-image-data-');
  fs.chownSync(data, 10001, 10001);
  const port = await freePort();
  const c = runInImage(
    r,
    ['node', '/app/dist/node/src/main.js', '--port', String(port), '--bind', '127.0.0.1', '--save', '60 1'],
    { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production' },
    { [data]: '/data' },
  );
  try {
    await waitFor(
      () => c.output().includes('Ready to accept connections') || c.proc.exitCode !== null,
      20_000,
      'the node',
    );
    expect(c.output()).toContain('Ready to accept connections');
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    try {
      expect(await client.set('k', 'v')).toBe('OK');
      // The Lua VM (dist/node/lua/lua51.wasm, built in the image's lua stage) runs scripts.
      expect(await client.eval("return redis.call('get', KEYS[1]) .. ARGV[1]", 1, 'k', '!')).toBe('v!');
      expect(await client.call('SAVE')).toBe('OK');
    } finally {
      client.disconnect();
    }
    // The working directory is the image's /data, here the bound host directory.
    expect(fs.readdirSync(data)).toContain('dump.rdb');
  } finally {
    await c.stop();
  }
  // redis-cli, which the operator's exec probes run, is in the image.
  expect(fs.existsSync(path.join(r.dir, 'usr/bin/redis-cli'))).toBe(true);
}, 60_000);

test("the operator image's entry point starts: health, metrics and the Sentinel endpoint answer", async () => {
  const r = mount(OPERATOR_IMAGE);
  const [health, metrics, sentinel] = [await freePort(), await freePort(), await freePort()];
  // An API server that refuses connections: the operator must still load every module and serve.
  const conf = tmpDir('tsredis-image-kube-');
  fs.writeFileSync(
    path.join(conf, 'config'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]',
      'users: [{name: u, user: {}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  fs.chmodSync(conf, 0o755);
  fs.chmodSync(path.join(conf, 'config'), 0o644);
  const c = runInImage(
    r,
    ['node', '/app/dist/operator/src/main.js'],
    {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      NODE_ENV: 'production',
      KUBECONFIG: '/mnt/config',
      HEALTH_PORT: String(health),
      METRICS_PORT: String(metrics),
      SENTINEL_PORT: String(sentinel),
    },
    // The kubeconfig, as a mounted Secret or ConfigMap would be: an empty directory of the image.
    { [conf]: '/mnt' },
  );
  try {
    const pong = await waitFor(
      () => {
        if (c.proc.exitCode !== null) return `exited: ${c.output()}`;
        try {
          return execFileSync('redis-cli', ['-p', String(sentinel), 'PING'], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          }).trim();
        } catch {
          return '';
        }
      },
      20_000,
      'the Sentinel endpoint',
    );
    expect(pong).toBe('PONG');
    expect(c.output()).not.toContain('ERR_MODULE_NOT_FOUND');
    const res = await fetch(`http://127.0.0.1:${metrics}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('tsredis_operator_leader');
  } finally {
    await c.stop();
  }
}, 60_000);
