// Runs a command from an image's own file tree, as a container runtime would see it: the image that
// test/cluster/images.sh built is mounted by buildah, then the command runs chrooted into it in a
// private mount namespace with the root filesystem read-only, a tmpfs at /tmp, the given host
// directories bound in, /proc mounted, as the image's user. Nothing of the checkout is visible inside.
// The network is the host's (loopback ports), which is all these tests need.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface ImageRoot {
  /** The mounted file tree of a fresh working container of the image. */
  dir: string;
  /** The image's configured user, e.g. "10001:10001". */
  user: string;
  /** The image's working directory (WORKDIR), where a container runtime starts the process. */
  workdir: string;
  remove(): void;
}

/** A fresh working container of the image, mounted; remove() unmounts and deletes it. */
export function mountImage(image: string): ImageRoot {
  const id = execFileSync('buildah', ['from', '--pull-never', image], { encoding: 'utf8' }).trim();
  const dir = execFileSync('buildah', ['mount', id], { encoding: 'utf8' }).trim();
  const config = (field: string): string =>
    execFileSync('buildah', ['inspect', '--format', `{{.OCIv1.Config.${field}}}`, id], {
      encoding: 'utf8',
    }).trim();
  return {
    dir,
    user: config('User'),
    workdir: config('WorkingDir') || '/',
    remove: () => {
      execFileSync('buildah', ['umount', id], { stdio: 'ignore' });
      execFileSync('buildah', ['rm', id], { stdio: 'ignore' });
    },
  };
}

export interface Contained {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts argv inside the image's tree: root read-only, /tmp a tmpfs, each of binds (host dir -> path
 * inside) mounted read-write, the process running as the image's user in its WORKDIR with only env in
 * its environment.
 */
export function runInImage(
  root: ImageRoot,
  argv: string[],
  env: Record<string, string>,
  binds: Record<string, string> = {},
): Contained {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = q(root.dir);
  const steps = [
    'set -e',
    `mount --bind ${r} ${r}`,
    ...Object.entries(binds).map(
      ([host, inside]) => `mount --bind ${q(host)} ${q(path.join(root.dir, inside))}`,
    ),
    `mount -t proc proc ${r}/proc`,
    `mount -t tmpfs -o mode=1777 tmpfs ${r}/tmp`,
    // Read-only last: the mounts above are made on the still-writable tree.
    `mount -o remount,bind,ro ${r} ${r}`,
    `exec /usr/bin/env -i ${Object.entries(env)
      .map(([k, v]) => q(`${k}=${v}`))
      .join(
        ' ',
      )} /usr/sbin/chroot --userspec=${q(root.user)} ${r} /usr/bin/env -C ${q(root.workdir)} ${argv.map(q).join(' ')}`,
  ];
  const proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', steps.join('\n')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
