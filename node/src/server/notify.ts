// Keyspace notifications: publishing one event to __keyspace@<db>__:<key> and
// __keyevent@<db>__:<event> when its class is enabled (config/notify-classes.ts holds the classes).
import { NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from '../config/notify-classes.js';

/** Where an event goes: a publish to one channel (the server's Pub/Sub). */
export type Publish = (channel: string, message: string) => void;

/**
 * Publishes one event if its class is enabled: the key-space channel carries the event name, the
 * key-event channel the key, as Redis's notifyKeyspaceEvent does.
 */
export function publishKeyspaceEvent(
  enabled: number,
  cls: number,
  event: string,
  key: string,
  dbId: number,
  publish: Publish,
): void {
  if ((enabled & cls) === 0) return;
  if ((enabled & NOTIFY_KEYSPACE) !== 0) publish(`__keyspace@${dbId}__:${key}`, event);
  if ((enabled & NOTIFY_KEYEVENT) !== 0) publish(`__keyevent@${dbId}__:${event}`, key);
}
