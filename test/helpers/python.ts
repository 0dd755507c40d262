// A python3 that can `import redis`, for the tests that drive redis-py (pyenv's python3 may shadow
// Debian's, where .ci/run installs python3-redis).
import { spawnSync } from 'node:child_process';

let python: string | undefined;

export function pythonWithRedis(): string {
  if (python) return python;
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (spawnSync(p, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0) return (python = p);
  }
  throw new Error(
    `no python3 with the redis module (tried ${candidates.join(', ')}); apt-get install python3-redis`,
  );
}
