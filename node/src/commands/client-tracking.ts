// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO: the options, their checks
// and errors in Redis 7.0's order, and the replies; the tracking itself is server/tracking.ts.
import type { Client } from '../server/client.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import { Tracking } from '../server/tracking.js';
import { argInt } from './util.js';

export function clientTracking(c: Client, argv: string[]): void {
  const tracking = c.server.tracking;
  let redirect = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (o === 'redirect' && more) {
      j++;
      if (redirect !== 0) throw new RedisError('ERR A client can only redirect to a single other client');
      redirect = argInt(argv[j]);
      if (c.server.clients.get(redirect) === undefined)
        throw new RedisError('ERR The client ID you want redirect to does not exist');
    } else if (o === 'bcast') opts.bcast = true;
    else if (o === 'optin') opts.optin = true;
    else if (o === 'optout') opts.optout = true;
    else if (o === 'noloop') opts.noloop = true;
    else if (o === 'prefix' && more) prefixes.push(argv[++j]);
    else throw new RedisError(ERR_SYNTAX);
  }
  const mode = argv[2].toLowerCase();
  if (mode === 'on') {
    const st = c.tracking;
    if (!opts.bcast && prefixes.length > 0)
      throw new RedisError('ERR PREFIX option requires BCAST mode to be enabled');
    if (st !== null && st.bcast !== opts.bcast)
      throw new RedisError(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    if (opts.bcast && (opts.optin || opts.optout))
      throw new RedisError('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout)
      throw new RedisError("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (st !== null && ((opts.optin && st.optout) || (opts.optout && st.optin)))
      throw new RedisError(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    if (opts.bcast) checkPrefixes(prefixes, st?.prefixes ?? new Set());
    tracking.enable(c, { redirect, ...opts }, prefixes);
  } else if (mode === 'off') {
    tracking.disable(c);
  } else throw new RedisError(ERR_SYNTAX);
  c.ok();
}

/** checkPrefixCollisionsOrReply: no prefix may start another, given now or already registered. */
function checkPrefixes(prefixes: string[], existing: Set<string>): void {
  for (let i = 0; i < prefixes.length; i++) {
    const clash = Tracking.overlap(prefixes[i], existing);
    if (clash !== null)
      throw new RedisError(
        `ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${clash}'. Prefixes for a single client must not overlap.`,
      );
    for (let j = i + 1; j < prefixes.length; j++) {
      if (Tracking.overlap(prefixes[i], [prefixes[j]]) !== null)
        throw new RedisError(
          `ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`,
        );
    }
  }
}

export function clientCaching(c: Client, argv: string[]): void {
  const st = c.tracking;
  if (st === null)
    throw new RedisError(
      'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    );
  const o = argv[2].toLowerCase();
  if (o === 'yes') {
    if (!st.optin)
      throw new RedisError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (o === 'no') {
    if (!st.optout)
      throw new RedisError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else throw new RedisError(ERR_SYNTAX);
  st.caching = true;
  c.ok();
}

export function clientGetredir(c: Client): void {
  c.int(c.tracking === null ? -1 : c.tracking.redirect);
}

export function clientTrackingInfo(c: Client): void {
  const st = c.tracking;
  const flags = [st === null ? 'off' : 'on'];
  if (st !== null) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin');
    if (st.optin && st.caching) flags.push('caching-yes');
    if (st.optout) flags.push('optout');
    if (st.optout && st.caching) flags.push('caching-no');
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedirect) flags.push('broken_redirect');
  }
  c.mapLen(3);
  c.bulk('flags');
  c.setLen(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('redirect');
  c.int(st === null ? -1 : st.redirect);
  c.bulk('prefixes');
  const ps = [...(st?.prefixes ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  c.bulks(ps);
}
