// `npm run crds`: regenerates the CRD files from operator/src/api/crd.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILES, crdYaml } from './crd-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
for (const f of CRD_FILES) {
  mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  writeFileSync(path.join(root, f), crdYaml());
  console.log(`wrote ${f}`);
}
