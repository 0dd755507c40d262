// The module boundaries the images rely on, read from the TypeScript sources: node/src/protocol imports
// nothing else of the node (it is the one module the operator shares, and both images ship it), the
// operator reaches into the node only through it, the node never imports the operator nor any npm package.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();

/** Every non-test .ts file under dir, as absolute paths. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The relative specifiers a file imports or re-exports (static and dynamic), resolved to repo paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

test('the scanner sees the imports it is meant to police', () => {
  // A check that finds no imports at all would pass vacuously: the Sentinel endpoint is known to use
  // the protocol module, and the server to import commands.
  const sentinel = relativeImports(join(root, 'operator/src/sentinel/server.ts'));
  expect(sentinel).toContain('node/src/protocol/parser.ts');
  expect(relativeImports(join(root, 'node/src/protocol/reply.ts'))).toContain('node/src/protocol/double.ts');
});

/** "file -> import" for each relative import under dir (non-test files) that `allowed` refuses. */
function offenders(dir: string, allowed: (target: string) => boolean): string[] {
  return sources(join(root, dir)).flatMap((f) =>
    relativeImports(f)
      .filter((p) => !allowed(p))
      .map((p) => `${relative(root, f)} -> ${p}`),
  );
}

test('node/src/protocol depends on nothing else of the node', () => {
  expect(offenders('node/src/protocol', (p) => p.startsWith('node/src/protocol/'))).toEqual([]);
});

test('the operator shares only node/src/protocol with the node', () => {
  expect(
    offenders('operator/src', (p) => p.startsWith('operator/') || p.startsWith('node/src/protocol/')),
  ).toEqual([]);
});

test('the node never imports the operator', () => {
  expect(offenders('node/src', (p) => p.startsWith('node/'))).toEqual([]);
});

test('the node imports no npm package, so its image ships no node_modules', () => {
  const offenders = sources(join(root, 'node/src')).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gms)]
      .map((m) => m[1])
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
      .map((s) => `${relative(root, f)} -> ${s}`),
  );
  expect(offenders).toEqual([]);
});
