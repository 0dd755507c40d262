// One pod on this node, from binding to deletion: network namespace and IP, volumes, init containers in
// order, then the containers with their probes, restart policy and back-off; pod status (phase,
// conditions, container statuses) written to the API as it changes; graceful termination on deletion
// and the final delete that removes the pod object.
import { mkdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from './types.js';
import { ContainerProcess, type ExitInfo } from './container.js';
import { PodVolumes, VolumeNotReady, type VolumeApi } from './volumes.js';
import { containerEnv, EnvError, expandVars, type EnvLookups } from './env.js';
import { resolveImage, containerArgv, type ImageInfo } from './images.js';
import { ProbeWorker } from './probes.js';
import { createPodNetwork, deletePodNetwork, setPodLink } from '../network.js';
import type { Mount, ScriptTools } from './container-script.js';

export interface PodWorkerDeps {
  nodeName: string;
  hostIp: string;
  podsDir: string;
  projectRoot: string;
  binDir: string;
  bridge: string;
  gatewayIp: string;
  prefixLen: number;
  apiServer: { host: string; port: number };
  netnsName(uid: string): string;
  vethName(uid: string): string;
  allocateIp(uid: string): string;
  releaseIp(uid: string): void;
  tools: ScriptTools;
  volumeApi: VolumeApi;
  envLookups(namespace: string): EnvLookups;
  writeStatus(pod: Pod, status: PodStatus): Promise<void>;
  finalDelete(pod: Pod): Promise<void>;
  log(msg: string, extra?: Record<string, unknown>): void;
}

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 600_000;

interface Slot {
  proc: ContainerProcess;
  image?: ImageInfo;
  ready: boolean;
  started: boolean;
  probes: ProbeWorker[];
  backoffMs: number;
  restartTimer?: NodeJS.Timeout;
  done: boolean; // terminated and will not be restarted
}

export class PodWorker {
  pod: Pod;
  readonly dir: string;
  readonly netns: string;
  readonly hostVeth: string;
  ip = '';
  private volumes?: PodVolumes;
  private initSlots: Slot[] = [];
  private slots: Slot[] = [];
  private conditions = new Map<string, PodCondition>();
  private startTime?: string;
  private phase: PodStatus['phase'] = 'Pending';
  private networkReady = false;
  private initialized = false;
  private terminating = false;
  private finished = false;
  private setupTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private lastStatus = '';
  private message?: string;
  linkUp = true;

  constructor(
    pod: Pod,
    private readonly d: PodWorkerDeps,
  ) {
    this.pod = pod;
    const uid = pod.metadata.uid;
    this.dir = path.join(d.podsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${uid}`);
    this.netns = d.netnsName(uid);
    this.hostVeth = d.vethName(uid);
    const mk = (c: Container, init: boolean): Slot => ({
      proc: new ContainerProcess(
        c,
        path.join(this.dir, init ? 'init' : 'containers', c.name),
        d.tools,
        (info) => this.onExit(slot(c.name, init), info),
      ),
      ready: false,
      started: false,
      probes: [],
      backoffMs: 0,
      done: false,
    });
    const slot = (name: string, init: boolean) =>
      (init ? this.initSlots : this.slots).find((s) => s.proc.spec.name === name)!;
    this.initSlots = (pod.spec.initContainers ?? []).map((c) => mk(c, true));
    this.slots = pod.spec.containers.map((c) => mk(c, false));
  }

  get name(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  containers(): ContainerProcess[] {
    return [...this.initSlots, ...this.slots].map((s) => s.proc);
  }

  /** Called with each new version of the pod object. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) void this.terminate(true);
  }

  start(): void {
    this.setCondition('PodScheduled', 'True');
    this.flushStatus();
    void this.setup();
  }

  private async setup(): Promise<void> {
    if (this.terminating) return;
    try {
      if (!this.networkReady) {
        mkdirSync(this.dir, { recursive: true });
        this.ip = this.d.allocateIp(this.pod.metadata.uid);
        createPodNetwork(
          { netns: this.netns, hostVeth: this.hostVeth, ip: this.ip },
          this.d.bridge,
          this.d.gatewayIp,
          this.d.prefixLen,
        );
        this.networkReady = true;
        if (!this.linkUp) setPodLink(this.hostVeth, false);
        this.setCondition('PodReadyToStartContainers', 'True');
        this.writeHosts();
      }
      this.volumes ??= new PodVolumes(this.pod, this.dir, this.d.volumeApi, {
        pod: this.ip,
        host: this.d.hostIp,
      });
      await this.volumes.sync();
      this.message = undefined;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.message = e instanceof VolumeNotReady ? `volume not ready: ${msg}` : msg;
      if (!(e instanceof VolumeNotReady)) this.d.log('pod setup failed', { pod: this.name, error: msg });
      this.flushStatus();
      this.setupTimer = setTimeout(() => void this.setup(), 1000);
      return;
    }
    this.startTime ??= new Date().toISOString();
    this.setCondition(
      'Initialized',
      this.initSlots.length === 0 ? 'True' : 'False',
      this.initSlots.length ? 'ContainersNotInitialized' : undefined,
    );
    if (this.initSlots.length === 0) this.initialized = true;
    this.flushStatus();
    if (this.initialized) for (const s of this.slots) void this.runContainer(s);
    else void this.runContainer(this.initSlots[0]);
  }

  private writeHosts(): void {
    const host = this.pod.spec.hostname ?? this.pod.metadata.name;
    const fqdn = this.pod.spec.subdomain
      ? `${host}.${this.pod.spec.subdomain}.${this.pod.metadata.namespace}.svc.cluster.local `
      : '';
    writeFileSync(
      path.join(this.dir, 'hosts'),
      `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${this.ip}\t${fqdn}${host}\n`,
    );
  }

  private async runContainer(s: Slot): Promise<void> {
    if (this.terminating || s.proc.running) return;
    const c = s.proc.spec;
    s.image = resolveImage(c.image, this.d.projectRoot);
    if (!s.image) {
      s.proc.state = {
        waiting: {
          reason: 'ImagePullBackOff',
          message: `Back-off pulling image "${c.image}": not in the process kubelet's image table`,
        },
      };
      this.flushStatus();
      s.restartTimer = setTimeout(() => void this.runContainer(s), 10_000);
      return;
    }
    const base: Record<string, string> = {
      PATH: [
        ...(s.image.cmd[0] === '/bin/sh' ? [this.d.binDir] : []),
        '/usr/local/sbin',
        '/usr/local/bin',
        '/usr/sbin',
        '/usr/bin',
        '/sbin',
        '/bin',
      ].join(':'),
      HOSTNAME: this.pod.spec.hostname ?? this.pod.metadata.name,
      HOME: '/root',
      // Service discovery for the API server (no kube-proxy here: the API server's own address).
      KUBERNETES_SERVICE_HOST: this.d.apiServer.host,
      KUBERNETES_SERVICE_PORT: String(this.d.apiServer.port),
      KUBERNETES_SERVICE_PORT_HTTPS: String(this.d.apiServer.port),
      KUBERNETES_PORT: `tcp://${this.d.apiServer.host}:${this.d.apiServer.port}`,
    };
    let env: Record<string, string>;
    try {
      env = await containerEnv(
        this.pod,
        c,
        base,
        { pod: this.ip, host: this.d.hostIp },
        this.d.envLookups(this.pod.metadata.namespace),
      );
    } catch (e) {
      if (!(e instanceof EnvError)) throw e;
      s.proc.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
      this.flushStatus();
      s.restartTimer = setTimeout(() => void this.runContainer(s), 2000);
      return;
    }
    if (this.terminating) return;
    const vars = new Map(Object.entries(env));
    const argv = containerArgv(
      s.image,
      c.command?.map((a) => expandVars(a, vars)),
      c.args?.map((a) => expandVars(a, vars)),
    );
    if (argv.length === 0) {
      s.proc.state = { waiting: { reason: 'CreateContainerError', message: 'no command specified' } };
      this.flushStatus();
      return;
    }
    s.proc.start({
      netns: this.netns,
      env,
      argv,
      mounts: [
        ...(s.image.contents ?? []).map((m) => ({ ...m, readOnly: true, file: false })),
        ...this.mounts(c),
      ],
      hostname: base.HOSTNAME,
      workingDir: c.workingDir ?? '/',
    });
    this.d.log('container started', {
      pod: this.name,
      container: c.name,
      pid: s.proc.pid,
      restartCount: s.proc.restartCount,
    });
    this.startProbes(s);
    this.flushStatus();
  }

  private mounts(c: Container): Mount[] {
    const out: Mount[] = [
      { source: path.join(this.dir, 'hosts'), target: '/etc/hosts', readOnly: false, file: true },
    ];
    for (const m of c.volumeMounts ?? []) {
      const dir = this.volumes?.dirs.get(m.name);
      if (!dir) throw new Error(`volume ${m.name} is not defined`);
      const source = m.subPath ? path.join(dir, m.subPath) : dir;
      let file = false;
      try {
        file = statSync(source).isFile();
      } catch {
        mkdirSync(source, { recursive: true });
      }
      out.push({ source, target: m.mountPath, readOnly: !!m.readOnly, file });
    }
    return out;
  }

  private startProbes(s: Slot): void {
    for (const p of s.probes) p.stop();
    s.probes = [];
    s.ready = false;
    const c = s.proc.spec;
    const target = () => (s.proc.pid ? { podIp: this.ip, pid: s.proc.pid, env: s.proc.env } : undefined);
    const isInit = this.initSlots.includes(s);
    const afterStartup = () => {
      s.started = true;
      if (isInit) return;
      if (c.readinessProbe) {
        const w = new ProbeWorker(c.readinessProbe, c, target, 'readiness', (ok, msg) => {
          s.ready = ok;
          if (!ok) this.d.log('readiness probe failed', { pod: this.name, container: c.name, message: msg });
          this.flushStatus();
        });
        s.probes.push(w);
        w.start();
      } else s.ready = true;
      if (c.livenessProbe) {
        const w = new ProbeWorker(c.livenessProbe, c, target, 'liveness', (ok, msg) => {
          if (!ok) this.restartAfterProbe(s, 'liveness', msg);
        });
        s.probes.push(w);
        w.start();
      }
      this.flushStatus();
    };
    if (c.startupProbe && !isInit) {
      const w = new ProbeWorker(c.startupProbe, c, target, 'startup', (ok, msg) => {
        if (ok) afterStartup();
        else this.restartAfterProbe(s, 'startup', msg);
      });
      s.probes.push(w);
      w.start();
    } else afterStartup();
  }

  /** A failed liveness or startup probe: the container is stopped, and restarted by its exit handler. */
  private restartAfterProbe(s: Slot, kind: string, message: string): void {
    this.d.log(`${kind} probe failed, restarting container`, {
      pod: this.name,
      container: s.proc.spec.name,
      message,
    });
    void s.proc.stop(this.graceMs());
  }

  private graceMs(): number {
    return (this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  private onExit(s: Slot, info: ExitInfo): void {
    for (const p of s.probes) p.stop();
    s.probes = [];
    s.ready = false;
    s.started = false;
    this.d.log('container exited', {
      pod: this.name,
      container: s.proc.spec.name,
      exitCode: info.exitCode,
      signal: info.signal,
    });
    if (this.terminating) {
      s.done = true;
      this.flushStatus();
      return;
    }
    const isInit = this.initSlots.includes(s);
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const restart = isInit
      ? info.exitCode !== 0 && policy !== 'Never'
      : policy === 'Always' || (policy === 'OnFailure' && info.exitCode !== 0);
    if (isInit && info.exitCode === 0) {
      s.done = true;
      const next = this.initSlots[this.initSlots.indexOf(s) + 1];
      if (next) void this.runContainer(next);
      else {
        this.initialized = true;
        this.setCondition('Initialized', 'True');
        for (const m of this.slots) void this.runContainer(m);
      }
      this.flushStatus();
      return;
    }
    if (!restart) {
      s.done = true;
      this.flushStatus();
      return;
    }
    // Back-off: the first restart is immediate, then 10s doubling to 5 min; reset after 10 min of running.
    if (Date.now() - s.proc.runningSince > BACKOFF_RESET_MS) s.backoffMs = 0;
    const delay = s.backoffMs;
    s.backoffMs = s.backoffMs === 0 ? BACKOFF_START_MS : Math.min(s.backoffMs * 2, BACKOFF_MAX_MS);
    s.proc.lastState = s.proc.state;
    s.proc.restartCount++;
    if (delay > 0) {
      s.proc.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${delay / 1000}s restarting failed container=${s.proc.spec.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.pod.metadata.uid})`,
        },
      };
    }
    this.flushStatus();
    s.restartTimer = setTimeout(() => void this.runContainer(s), delay);
  }

  /** Stops every container (graceful unless `graceful` is false), tears the pod down and, for a
   *  deletion seen through the API, removes the pod object. */
  async terminate(graceful: boolean): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    if (this.setupTimer) clearTimeout(this.setupTimer);
    const grace = graceful
      ? (this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30) *
        1000
      : 0;
    const all = [...this.initSlots, ...this.slots];
    for (const s of all) {
      if (s.restartTimer) clearTimeout(s.restartTimer);
      for (const p of s.probes) p.stop();
    }
    this.d.log('killing pod', { pod: this.name, gracePeriodMs: grace });
    await Promise.all(all.map((s) => s.proc.stop(grace)));
    this.teardown();
    this.flushStatus();
    if (graceful) {
      try {
        await this.d.finalDelete(this.pod);
      } catch (e) {
        this.d.log('final delete failed', { pod: this.name, error: String(e) });
      }
    }
    this.finished = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
  }

  private teardown(): void {
    deletePodNetwork({ netns: this.netns, hostVeth: this.hostVeth });
    this.d.releaseIp(this.pod.metadata.uid);
    // emptyDirs and writable layers go with the pod; PVC directories live elsewhere.
    rmSync(this.dir, { recursive: true, force: true });
  }

  isFinished(): boolean {
    return this.finished;
  }

  async refresh(): Promise<void> {
    if (this.terminating || !this.volumes) return;
    try {
      await this.volumes.sync();
    } catch (e) {
      this.d.log('volume refresh failed', { pod: this.name, error: String(e) });
    }
  }

  setLink(up: boolean): void {
    this.linkUp = up;
    if (!this.networkReady || this.terminating) return; // a pod being torn down has no link to set
    setPodLink(this.hostVeth, up);
  }

  private setCondition(type: string, status: 'True' | 'False', reason?: string, message?: string): void {
    const cur = this.conditions.get(type);
    if (cur && cur.status === status && cur.reason === reason) return;
    this.conditions.set(type, {
      type,
      status,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
      lastProbeTime: null,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }

  private containerStatus(s: Slot): ContainerStatus {
    return {
      name: s.proc.spec.name,
      image: s.proc.spec.image,
      imageID: s.image?.id ?? '',
      ...(s.proc.running ? { containerID: s.proc.containerID } : {}),
      ready: s.ready && s.proc.running,
      started: s.started && s.proc.running,
      restartCount: s.proc.restartCount,
      state: s.proc.state,
      lastState: s.proc.lastState,
    };
  }

  /** The status this worker reports now (pure view of its state). */
  status(): PodStatus {
    const mains = this.slots;
    const allReady = this.initialized && mains.every((s) => s.ready && s.proc.running);
    const notReady = mains.filter((s) => !(s.ready && s.proc.running)).map((s) => s.proc.spec.name);
    const reason = allReady ? undefined : 'ContainersNotReady';
    const message = allReady ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
    this.setCondition('ContainersReady', allReady ? 'True' : 'False', reason, message);
    this.setCondition('Ready', allReady ? 'True' : 'False', reason, message);
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    if (mains.some((s) => s.proc.running)) this.phase = 'Running';
    if (this.initialized && mains.every((s) => s.done)) {
      const failed = mains.some((s) => s.proc.state.terminated && s.proc.state.terminated.exitCode !== 0);
      this.phase = failed && policy !== 'Always' ? 'Failed' : policy === 'Always' ? this.phase : 'Succeeded';
    }
    const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    return {
      phase: this.phase,
      conditions: order.map((t) => this.conditions.get(t)).filter((c): c is PodCondition => c !== undefined),
      hostIP: this.d.hostIp,
      hostIPs: [{ ip: this.d.hostIp }],
      ...(this.ip ? { podIP: this.ip, podIPs: [{ ip: this.ip }] } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      ...(this.message ? { message: this.message } : {}),
      ...(this.initSlots.length
        ? { initContainerStatuses: this.initSlots.map((s) => this.containerStatus(s)) }
        : {}),
      containerStatuses: mains.map((s) => this.containerStatus(s)),
    };
  }

  /** Writes the status if it changed; coalesces bursts of changes into one write. */
  flushStatus(): void {
    if (this.statusTimer || this.finished) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      const st = this.status();
      const text = JSON.stringify(st);
      if (text === this.lastStatus) return;
      this.d
        .writeStatus(this.pod, st)
        .then(() => (this.lastStatus = text))
        .catch((e: unknown) => {
          this.d.log('status update failed', { pod: this.name, error: String(e) });
          setTimeout(() => this.flushStatus(), 1000);
        });
    }, 20);
  }

  /** Forces the next flush to write even if unchanged (after the node comes back). */
  resendStatus(): void {
    this.lastStatus = '';
    this.flushStatus();
  }
}
