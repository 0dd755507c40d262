// Integration, side by side with redis-server 7.0: small behaviours where tsredis used to differ, compared
// byte for byte over raw RESP. EXPIRE's range checks (flags parsed before the time, a seconds value whose
// milliseconds leave int64), an inline line with a NUL byte (never answered: Redis's strchr for its
// newline stops at the NUL, until the buffer is too big an inline request), blocked BLPOP / BZPOPMIN / BLMOVE clients woken by a key that a MULTI pushed to, deleted
// and replaced by another type (they keep waiting, then are served by the next push), SMOVE of a member
// the destination already has (its WATCH holds), and SYNC (the payload sent without +FULLRESYNC, then the
// command stream).
import { Conn, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, runCases, serverPair, type Case } from './helpers/differential.js';

const P = serverPair();

const CASES: Case[] = [
  {
    name: 'CONFIG RESETSTAT clears INFO errorstats',
    steps: [
      ['CONFIG', 'RESETSTAT'],
      ['GET'],
      ['LPUSH', 'str', 'x'],
      ['GET', 'str'],
      ['INFO', 'errorstats'],
      ['CONFIG', 'RESETSTAT'],
      ['INFO', 'errorstats'],
    ],
  },
  {
    name: 'EXPIRE range checks',
    steps: [
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', '-9223372036854775'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '9223372036854776'],
      ['EXPIRE', 'k', '9223372036854775'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['EXPIREAT', 'k', '9223372036854776'],
      ['EXPIRE', 'k', 'x', 'NX', 'XX'],
      ['EXPIRE', 'k', 'x', 'FOO'],
      ['EXPIRE', 'k', 'x'],
      ['EXPIRE', 'missing', '-9223372036854776'],
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', '-9223372036854775808'],
      ['EXISTS', 'k'],
    ],
  },
];

describe('small differences, side by side with redis-server', () => {
  test('EXPIRE and friends', async () => {
    const diffs = new Diffs();
    await runCases(P, CASES, diffs);
    diffs.assertNone('expire');
  });

  test('an inline line with a NUL byte is never complete: no reply, until too big an inline request', async () => {
    const silent = async (port: number): Promise<string> => {
      const c = await Conn.open(port);
      const sock = (c as unknown as { sock: import('node:net').Socket }).sock;
      let got = '';
      sock.removeAllListeners('data');
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.write('\0PING\r\nPING\r\n', 'latin1');
      await sleep(300);
      const before = got;
      sock.write('a'.repeat(70 * 1024));
      for (let i = 0; i < 100 && !got.includes('\r\n'); i++) await sleep(20);
      c.close();
      return `${JSON.stringify(before)} then ${JSON.stringify(got)}`;
    };
    const [a, b] = await Promise.all([silent(P.R.port), silent(P.T.port)]);
    expect(a).toBe(`"" then ${JSON.stringify('-ERR Protocol error: too big inline request\r\n')}`);
    expect(b).toBe(a);
  });

  test('SMOVE of a member the destination has keeps a WATCH on it', async () => {
    const diffs = new Diffs();
    for (const [name, port] of [
      ['redis', P.R.port],
      ['tsredis', P.T.port],
    ] as const) {
      const [a, b] = await Promise.all([Conn.open(port), Conn.open(port)]);
      try {
        for (const cmd of [['FLUSHALL'], ['SADD', 'src', 'm', 'x'], ['SADD', 'dst', 'm']]) await a.send(cmd);
        await a.send(['WATCH', 'dst']);
        await b.send(['SMOVE', 'src', 'dst', 'm']);
        await a.send(['MULTI']);
        await a.send(['SET', 'k', 'v']);
        const exec = await a.send(['EXEC']);
        diffs.check('SMOVE', `EXEC on ${name}`, '*1\r\n+OK\r\n', exec.raw);
      } finally {
        a.close();
        b.close();
      }
    }
    diffs.assertNone('smove');
  });
});

describe('blocked clients woken by a key that changed type', () => {
  /** Blocks `reader` on each server, runs the writer steps, returns the reader's replies (or none). */
  async function scenario(
    diffs: Diffs,
    name: string,
    setup: Arg[][],
    reader: Arg[],
    writes: Arg[][][],
  ): Promise<void> {
    const [wr, wt] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    const [rr, rt] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    try {
      for (const cmd of [['FLUSHALL'], ...setup]) await Promise.all([wr.send(cmd), wt.send(cmd)]);
      const pr = rr.send(reader, 10_000);
      const pt = rt.send(reader, 10_000);
      await sleep(100);
      const pending = (): Promise<Node> => sleep(300).then(() => ({ t: '?', raw: '<still blocked>' }));
      for (const [i, batch] of writes.entries()) {
        for (const cmd of batch) {
          const [a, b] = await Promise.all([wr.send(cmd), wt.send(cmd)]);
          diffs.check(name, `writer ${JSON.stringify(cmd)}`, a.raw, b.raw);
        }
        const [a, b] = await Promise.all([Promise.race([pr, pending()]), Promise.race([pt, pending()])]);
        diffs.check(name, `reader after write batch ${i + 1}`, a.raw, b.raw);
      }
    } finally {
      for (const c of [wr, wt, rr, rt]) c.close();
    }
  }

  test('BLPOP, BRPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP keep waiting, then are served', async () => {
    const diffs = new Diffs();
    const multi = (key: string, push: Arg[]): Arg[][] => [
      ['MULTI'],
      push,
      ['DEL', key],
      ['SET', key, 'str'],
      ['EXEC'],
    ];
    await scenario(
      diffs,
      'BLPOP',
      [],
      ['BLPOP', 'l', '0'],
      [
        multi('l', ['LPUSH', 'l', 'a']),
        [
          ['DEL', 'l'],
          ['RPUSH', 'l', 'b'],
        ],
      ],
    );
    await scenario(
      diffs,
      'BRPOP two keys',
      [],
      ['BRPOP', 'x', 'l', '0'],
      [
        multi('l', ['LPUSH', 'l', 'a']),
        [
          ['DEL', 'l'],
          ['RPUSH', 'l', 'b'],
        ],
      ],
    );
    await scenario(
      diffs,
      'BLMOVE',
      [],
      ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'],
      [
        multi('l', ['LPUSH', 'l', 'a']),
        [
          ['DEL', 'l'],
          ['RPUSH', 'l', 'b'],
          ['LRANGE', 'd', '0', '-1'],
        ],
      ],
    );
    await scenario(
      diffs,
      'BLMPOP',
      [],
      ['BLMPOP', '0', '2', 'x', 'l', 'LEFT'],
      [
        multi('l', ['LPUSH', 'l', 'a']),
        [
          ['DEL', 'l'],
          ['RPUSH', 'l', 'b'],
        ],
      ],
    );
    await scenario(
      diffs,
      'BZPOPMIN',
      [],
      ['BZPOPMIN', 'z', '0'],
      [
        multi('z', ['ZADD', 'z', '1', 'a']),
        [
          ['DEL', 'z'],
          ['ZADD', 'z', '2', 'b'],
        ],
      ],
    );
    await scenario(
      diffs,
      'BZMPOP',
      [],
      ['BZMPOP', '0', '1', 'z', 'MAX'],
      [
        multi('z', ['ZADD', 'z', '1', 'a']),
        [
          ['DEL', 'z'],
          ['ZADD', 'z', '2', 'b'],
        ],
      ],
    );
    diffs.assertNone('blocked clients');
  });
});

describe('SYNC', () => {
  /** Sends SYNC and returns what precedes the payload and the first command streamed after it. */
  async function sync(port: number): Promise<{ head: string; magic: string; next: string }> {
    const c = await Conn.open(port);
    try {
      const sock = (c as unknown as { sock: import('node:net').Socket }).sock;
      let buf = Buffer.alloc(0);
      sock.removeAllListeners('data');
      sock.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
      sock.write('*1\r\n$4\r\nSYNC\r\n');
      const deadline = Date.now() + 8000;
      const parsed = (): { head: string; magic: string; rest: Buffer } | null => {
        let i = 0;
        while (i < buf.length && buf[i] === 0x0a) i++;
        const eol = buf.indexOf('\r\n', i);
        if (eol < 0) return null;
        const head = buf.toString('latin1', i, eol);
        const n = Number(head.slice(1));
        if (!head.startsWith('$') || buf.length < eol + 2 + n) return null;
        return {
          head: head[0],
          magic: buf.toString('latin1', eol + 2, eol + 7),
          rest: buf.subarray(eol + 2 + n),
        };
      };
      let p = parsed();
      while (p === null && Date.now() < deadline) {
        await sleep(20);
        p = parsed();
      }
      if (p === null) return { head: buf.toString('latin1', 0, 40), magic: '', next: '' };
      const w = await Conn.open(port);
      await w.send(['SET', 'after-sync', 'v']);
      w.close();
      // The propagated SET arrives when it arrives: wait for it rather than for a time.
      const restText = () => (parsed() as { rest: Buffer }).rest.toString('latin1');
      const until = Date.now() + 5000;
      while (!restText().includes('after-sync') && Date.now() < until) await sleep(20);
      const rest = restText().replace(/^(\*1\r\n\$4\r\nPING\r\n)+/, '');
      return { head: p.head, magic: p.magic, next: rest.slice(0, 60) };
    } finally {
      c.close();
    }
  }

  test('the payload comes without +FULLRESYNC, then the writes', async () => {
    const [a, b] = await Promise.all([sync(P.R.port), sync(P.T.port)]);
    expect(a.head).toBe('$');
    expect(a.magic).toBe('REDIS');
    expect(b).toEqual(a);
  });
});

describe('CLIENT KILL TYPE: Redis client types', () => {
  /** Until the connection is closed (true) or the deadline passes (false). */
  const closedSoon = async (c: Conn, ms = 3000): Promise<boolean> => {
    const until = Date.now() + ms;
    while (!c.closed && Date.now() < until) await sleep(10);
    return c.closed;
  };
  /** Whether a connection still answers (a PING; '+PONG', or '*...pong' while subscribed). */
  const alive = async (c: Conn): Promise<boolean> => /pong/i.test((await c.send(['PING'], 2000)).raw);

  test('pubsub takes only subscribed clients, normal spares them and the caller, inside MULTI too', async () => {
    const run = async (port: number): Promise<string[]> => {
      const [a, b, s, u] = await Promise.all([port, port, port, port].map((p) => Conn.open(p)));
      try {
        // Only these four: connections earlier tests closed must be gone on the server too.
        const count = async () => (await a.send(['CLIENT', 'LIST'])).raw.split('id=').length - 1;
        for (let i = 0; i < 300 && (await count()) !== 4; i++) await sleep(10);
        const out: string[] = [`clients: ${await count()}`];
        await s.send(['SUBSCRIBE', 'ch']);
        await u.send(['SUBSCRIBE', 'ch']);
        await u.send(['UNSUBSCRIBE', 'ch']); // subscribed to nothing: a normal client again
        out.push((await a.send(['CLIENT', 'KILL', 'TYPE', 'bogus'])).raw);
        out.push((await a.send(['CLIENT', 'LIST', 'TYPE', 'bogus'])).raw);
        const listed = (await a.send(['CLIENT', 'LIST', 'TYPE', 'pubsub'])).raw;
        out.push(`pubsub listed: ${listed.split('\n').filter((l) => l.includes('id=')).length}`);
        out.push((await a.send(['CLIENT', 'KILL', 'TYPE', 'pubsub'])).raw);
        out.push(
          `after pubsub: s closed ${await closedSoon(s)}, b alive ${await alive(b)}, u alive ${await alive(u)}`,
        );
        await a.send(['MULTI']);
        await a.send(['CLIENT', 'KILL', 'TYPE', 'normal']);
        out.push((await a.send(['EXEC'])).raw);
        out.push(`after normal: b closed ${await closedSoon(b)}, u closed ${await closedSoon(u)}`);
        out.push(`a alive ${await alive(a)}`);
        return out;
      } finally {
        for (const c of [a, b, s, u]) c.close();
      }
    };
    const real = await run(P.R.port);
    expect(real).toContain('after pubsub: s closed true, b alive true, u alive true');
    expect(real).toContain('after normal: b closed true, u closed true');
    expect(await run(P.T.port)).toEqual(real);
  });
});
