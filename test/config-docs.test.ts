// docs/configuration.md lists every directive of the config table with the status the table gives it
// (works / refused unless ... / ignored), so the page cannot fall behind the code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARAMS } from '../node/src/config/table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = fs.readFileSync(path.resolve(here, '../../docs/configuration.md'), 'utf8');
/** The directive table: the lines of the "Every directive" section (other sections have tables too). */
const section = doc.slice(doc.indexOf('## Every directive'), doc.indexOf('### Redis 7.0 directives'));
const rows = new Map(
  section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| directive') && !l.startsWith('|---'))
    .map((l) => {
      const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
      return [cells[1].split(',')[0].trim(), cells[4]] as const;
    }),
);

test.each(PARAMS.map((p) => [p.name, p] as const))('%s is documented with its status', (name, p) => {
  const status = rows.get(name);
  expect(status).toBeDefined();
  if (p.ignored !== undefined) expect(status).toMatch(/^ignored: /);
  else if (p.only !== undefined) expect(status).toMatch(/^refused unless /);
  else expect(status).toMatch(/^works/);
});

test('the page lists no directive the table does not have', () => {
  const names = new Set(PARAMS.map((p) => p.name));
  for (const name of rows.keys()) expect(names.has(name)).toBe(true);
});
