// readWithSharedBuffer against real TCP connections: reads arrive through one shared buffer marked
// transient, several connections share it, and the end of a connection still closes the socket.
import * as net from 'node:net';
import { readWithSharedBuffer } from './socket-reader.js';

test('accepted sockets are read through one shared, transient buffer; end and close still work', async () => {
  const got = new Map<number, string>();
  const buffers = new Set<ArrayBufferLike>();
  let transientReads = 0;
  let closed = 0;
  let next = 0;
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const id = next++;
    got.set(id, '');
    const socket = readWithSharedBuffer(accepted, (chunk, transient) => {
      if (transient) transientReads++;
      buffers.add(chunk.buffer);
      got.set(id, got.get(id) + chunk.toString('latin1'));
      socket.write(`+${chunk.length}\r\n`);
    });
    expect(socket).not.toBe(accepted); // taken over on Node, not the fallback path
    socket.on('close', () => closed++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const talk = (text: string) =>
    new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.end(text));
      let reply = '';
      c.on('data', (d: Buffer) => (reply += d.toString('latin1')));
      c.on('close', () => resolve(reply));
    });
  try {
    const replies = await Promise.all([talk('a'.repeat(100000)), talk('hello'), talk('x'.repeat(3000))]);
    expect(replies.every((r) => r.startsWith('+'))).toBe(true);
    expect([...got.values()].sort((a, b) => a.length - b.length)).toEqual([
      'hello',
      'x'.repeat(3000),
      'a'.repeat(100000),
    ]);
    expect(transientReads).toBeGreaterThanOrEqual(3);
    expect(buffers.size).toBe(1); // every read of every connection landed in the same memory
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(3);
  } finally {
    server.close();
  }
});
