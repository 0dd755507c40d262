// A TCP proxy on loopback for replication tests: forwards to a target and can cut every connection
// (a link failure) or stall traffic, then heal.
import * as net from 'node:net';

export class TcpProxy {
  private server: net.Server;
  private pairs = new Set<[net.Socket, net.Socket]>();
  port = 0;
  stalled = false;
  private held: { to: net.Socket; data: Buffer }[] = [];

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (d: Buffer) => {
        if (this.stalled) this.held.push({ to, data: d });
        else to.write(d);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }

  /** Destroys every proxied connection (both sides see the link drop). */
  cutAll(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    this.held = [];
  }

  stall(): void {
    this.stalled = true;
  }

  /** Stops reading from both sides, so TCP back-pressure builds up in the senders. */
  freeze(): void {
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  resume(): void {
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
    this.stalled = false;
    for (const { to, data } of this.held) if (!to.destroyed) to.write(data);
    this.held = [];
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
