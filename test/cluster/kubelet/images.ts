// The image table: what a container image means on a machine without a container runtime. Each known
// image maps to the command that stands for its entrypoint; the container's `command`/`args` override
// it exactly as they override an image's ENTRYPOINT/CMD. A container sees the host's files (read-only
// base, private writes) with its volumes mounted at their mountPaths.

export interface ImageInfo {
  entrypoint: string[];
  cmd: string[];
  /** Host directories the image contains, bind-mounted read-only (as the real images have /app). */
  contents?: { source: string; target: string }[];
  /** Stands in for the image digest in containerStatuses[].imageID. */
  id: string;
}

/** The repository part of an image reference: registry and tag/digest removed. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost'))
    parts.shift();
  return parts.join('/');
}

export function resolveImage(image: string, projectRoot: string): ImageInfo | undefined {
  const repo = imageRepository(image);
  const node = process.execPath;
  // Like the Dockerfiles: the built project at /app (dist/ and node_modules/).
  const app = [{ source: projectRoot, target: '/app' }];
  switch (repo) {
    case 'tsredis/node':
      return {
        entrypoint: [node, '/app/dist/node/src/main.js'],
        cmd: [],
        contents: app,
        id: 'tsredis-local://tsredis/node',
      };
    case 'tsredis/operator':
      return {
        entrypoint: [node, '/app/dist/operator/src/main.js'],
        cmd: [],
        contents: app,
        id: 'tsredis-local://tsredis/operator',
      };
    // General-purpose images: the host's own userland (sh, coreutils, kubectl, redis-cli, ...).
    case 'tsredis/toolbox':
    case 'busybox':
    case 'library/busybox':
    case 'debian':
    case 'library/debian':
      return { entrypoint: [], cmd: ['/bin/sh'], id: `tsredis-local://${repo}` };
    default:
      return undefined;
  }
}

/** The argv a container runs: command (or the image entrypoint) followed by args (or the image cmd). */
export function containerArgv(
  img: ImageInfo,
  command: string[] | undefined,
  args: string[] | undefined,
): string[] {
  const entry = command && command.length > 0 ? command : img.entrypoint;
  const rest = args ?? (command && command.length > 0 ? [] : img.cmd);
  return [...entry, ...rest];
}
