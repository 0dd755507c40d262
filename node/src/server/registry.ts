// The full command table: every command family the node serves.
import type { CommandSpec } from './command.js';
import { commands as connection } from '../commands/connection.js';
import { commands as admin } from '../commands/admin.js';
import { commands as keyspace } from '../commands/keyspace.js';
import { commands as dump } from '../commands/dump.js';
import { commands as string } from '../commands/string.js';
import { commands as list } from '../commands/list.js';
import { commands as hash } from '../commands/hash.js';
import { commands as set } from '../commands/set.js';
import { commands as zset } from '../commands/zset.js';
import { commands as geo } from '../commands/geo.js';
import { commands as stream } from '../commands/stream.js';
import { commands as streamGroups } from '../commands/stream-groups.js';
import { commands as bitmap } from '../commands/bitmap.js';
import { commands as hyperloglog } from '../commands/hyperloglog.js';
import { commands as sort } from '../commands/sort.js';
import { commands as diagnostics } from '../commands/diagnostics.js';
import { commands as memory } from '../commands/memory.js';
import { commands as migrate } from '../commands/migrate.js';
import { commands as lolwut } from '../commands/lolwut.js';
import { commands as acl } from '../commands/acl.js';

export function allCommands(): CommandSpec[] {
  return [
    ...connection,
    ...admin,
    ...keyspace,
    ...dump,
    ...string,
    ...list,
    ...hash,
    ...set,
    ...zset,
    ...geo,
    ...stream,
    ...streamGroups,
    ...bitmap,
    ...hyperloglog,
    ...sort,
    ...diagnostics,
    ...memory,
    ...migrate,
    ...lolwut,
    ...acl,
  ];
}
