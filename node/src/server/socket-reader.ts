// Reading client connections without a buffer per read: every accepted socket is re-created on its own
// handle with Node's `onread` option, so libuv reads into one shared buffer and our callback runs
// straight from the read, with no Buffer allocated and no Readable stream machinery (push, 'data'
// events) in between. The bytes are valid only during the callback: the caller must copy what it
// keeps. Where the handle cannot be taken over (no `_handle`, a runtime without user buffers), the
// socket is read the ordinary way, with a fresh Buffer per read.
import net from 'node:net';

/** Called with the bytes of one read; `transient` means `chunk` is overwritten by the next read. */
export type OnBytes = (chunk: Buffer, transient: boolean) => void;

/** The shared read buffer: reads are delivered one at a time on the main thread. */
const READ_BUFFER_BYTES = 64 * 1024;
let shared: Buffer | null = null;

interface StreamHandle {
  readStart(): number;
  useUserBuffer(buf: Uint8Array): void;
}

function takeHandle(socket: net.Socket): StreamHandle | null {
  // `_handle` is Node's libuv stream wrap: undocumented, but it is what `new net.Socket({ handle })`
  // accepts. The check keeps us on the ordinary path anywhere it is not what we expect.
  const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  if (h === null || h === undefined) return null;
  if (typeof h.useUserBuffer !== 'function' || typeof h.readStart !== 'function') return null;
  return h as StreamHandle;
}

/**
 * Takes over a socket accepted by a server created with `pauseOnConnect: true` and returns the socket to
 * use from now on (the same object on the fallback path). Reading starts before it returns.
 */
export function readWithSharedBuffer(accepted: net.Socket, onBytes: OnBytes): net.Socket {
  const handle = takeHandle(accepted);
  if (handle === null) {
    accepted.on('data', (chunk: Buffer) => onBytes(chunk, false));
    accepted.resume();
    return accepted;
  }
  shared ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  // Detach the handle from the accepted socket, then destroy that (now handle-less) socket so the
  // server's connection count does not wait for it.
  (accepted as unknown as { _handle: null })._handle = null;
  accepted.destroy();
  // Node's typings leave `handle` (how net.Server itself builds sockets) and `onread` (typed on
  // connect's options only) out of the constructor's options.
  const options: net.SocketConstructorOpts & { handle: StreamHandle; onread: net.OnReadOpts } = {
    handle,
    allowHalfOpen: false,
    readable: true,
    writable: true,
    onread: {
      buffer: shared,
      callback: (n: number, buf: Uint8Array): boolean => {
        onBytes((buf as Buffer).subarray(0, n), true);
        return true; // keep reading: a client's input is buffered by its parser, as before
      },
    },
  };
  const socket = new net.Socket(options);
  // Flowing mode, so that the end of the stream is seen ('end', then the close on our side).
  socket.resume();
  return socket;
}
