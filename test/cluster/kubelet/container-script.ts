// The shell script that turns a process into a "container" (pure: builds text). It runs inside the
// pod's network namespace and fresh mount and UTS namespaces (ip netns exec + unshare), mounts an
// overlay whose read-only base is the host's root and whose writable layer is private to the
// container, mounts /proc, /dev, /sys and the pod's volumes at their mountPaths, sets the hostname,
// then chroots into the overlay and execs the container's argv, so the pid the kubelet holds is the
// container process itself.

export interface Mount {
  source: string; // host path
  target: string; // path inside the container
  readOnly: boolean;
  file: boolean; // the source is a file (subPath file, /etc/hosts)
}

export interface ScriptTools {
  mount: string;
  mkdir: string;
  touch: string;
  chroot: string;
  env: string;
  hostname: string;
}

export interface ContainerScript {
  root: string;
  upper: string;
  work: string;
  mounts: Mount[];
  hostname: string;
  workingDir: string;
  argv: string[];
}

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function containerScript(t: ScriptTools, s: ContainerScript): string {
  const q = shQuote;
  const r = (p: string) => q(s.root + (p.startsWith('/') ? p : `/${p}`));
  const lines = [
    'set -e',
    `${t.mount} -t overlay overlay -o ${q(`lowerdir=/,upperdir=${s.upper},workdir=${s.work}`)} ${q(s.root)}`,
    `${t.mount} -t proc proc ${r('/proc')}`,
    `${t.mount} --rbind /dev ${r('/dev')}`,
    `${t.mount} --rbind /sys ${r('/sys')}`,
  ];
  // Parents before children (a mount inside another volume), and read-only only once all are in place.
  const mounts = [...s.mounts].sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  for (const m of mounts) {
    lines.push(
      m.file ? `[ -e ${r(m.target)} ] || ${t.touch} ${r(m.target)}` : `${t.mkdir} -p ${r(m.target)}`,
    );
    lines.push(`${t.mount} --bind ${q(m.source)} ${r(m.target)}`);
  }
  for (const m of mounts) if (m.readOnly) lines.push(`${t.mount} -o remount,bind,ro ${r(m.target)}`);
  lines.push(`${t.mkdir} -p ${r(s.workingDir)}`);
  lines.push(`${t.hostname} ${q(s.hostname)}`);
  lines.push(`exec ${t.chroot} ${q(s.root)} ${t.env} -C ${q(s.workingDir)} -- ${s.argv.map(q).join(' ')}`);
  return lines.join('\n') + '\n';
}
