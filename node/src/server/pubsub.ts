// Pub/Sub registry: channel, pattern and shard channel subscriptions, message fan-out (RESP2 arrays /
// RESP3 pushes). Shard channels (SSUBSCRIBE / SPUBLISH) are a namespace of their own without patterns.
import { globMatch } from '../commands/glob.js';
import type { Client } from './client.js';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  subscribe(c: Client, ch: string): boolean {
    if (c.channels.has(ch)) return false;
    c.channels.add(ch);
    let s = this.channels.get(ch);
    if (s === undefined) this.channels.set(ch, (s = new Set()));
    s.add(c);
    return true;
  }

  unsubscribe(c: Client, ch: string): boolean {
    if (!c.channels.delete(ch)) return false;
    const s = this.channels.get(ch);
    if (s !== undefined) {
      s.delete(c);
      if (s.size === 0) this.channels.delete(ch);
    }
    return true;
  }

  psubscribe(c: Client, pat: string): boolean {
    if (c.patterns.has(pat)) return false;
    c.patterns.add(pat);
    let s = this.patterns.get(pat);
    if (s === undefined) this.patterns.set(pat, (s = new Set()));
    s.add(c);
    return true;
  }

  punsubscribe(c: Client, pat: string): boolean {
    if (!c.patterns.delete(pat)) return false;
    const s = this.patterns.get(pat);
    if (s !== undefined) {
      s.delete(c);
      if (s.size === 0) this.patterns.delete(pat);
    }
    return true;
  }

  ssubscribe(c: Client, ch: string): boolean {
    if (c.shardChannels.has(ch)) return false;
    c.shardChannels.add(ch);
    let s = this.shardChannels.get(ch);
    if (s === undefined) this.shardChannels.set(ch, (s = new Set()));
    s.add(c);
    return true;
  }

  sunsubscribe(c: Client, ch: string): boolean {
    if (!c.shardChannels.delete(ch)) return false;
    const s = this.shardChannels.get(ch);
    if (s !== undefined) {
      s.delete(c);
      if (s.size === 0) this.shardChannels.delete(ch);
    }
    return true;
  }

  removeClient(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
    for (const ch of [...c.shardChannels]) this.sunsubscribe(c, ch);
  }

  /** SPUBLISH: delivers to the shard channel's subscribers; returns how many. */
  spublish(channel: string, message: string, deliver: (c: Client) => void): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    for (const c of subs) {
      c.pushLen(3);
      c.write(`$8\r\nsmessage\r\n$${channel.length}\r\n${channel}\r\n$${message.length}\r\n${message}\r\n`);
      deliver(c);
    }
    return subs.size;
  }

  /** Delivers a message; returns the number of receivers (clients counted once per subscription). */
  publish(channel: string, message: string, deliver: (c: Client) => void): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        c.pushLen(3);
        c.write(`$7\r\nmessage\r\n$${channel.length}\r\n${channel}\r\n$${message.length}\r\n${message}\r\n`);
        deliver(c);
        n++;
      }
    }
    for (const [pat, clients] of this.patterns) {
      if (!globMatch(pat, channel)) continue;
      for (const c of clients) {
        c.pushLen(4);
        c.write(
          `$8\r\npmessage\r\n$${pat.length}\r\n${pat}\r\n$${channel.length}\r\n${channel}\r\n$${message.length}\r\n${message}\r\n`,
        );
        deliver(c);
        n++;
      }
    }
    return n;
  }
}
