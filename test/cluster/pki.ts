// The local cluster's certificates, made with the openssl CLI: a CA, the API server's serving
// certificate, client certificates for each identity (admin, controller-manager, scheduler, each
// kubelet, the volume provisioner, the API server's kubelet client), the kubelets' serving certificate
// and the service-account signing key. Kubernetes authenticates a client certificate's CN as the user
// and its O fields as groups.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Identity {
  file: string; // base name: <file>.crt / <file>.key
  cn: string;
  groups?: string[];
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function signLeaf(dir: string, file: string, subject: string, ext: string): void {
  const extFile = path.join(dir, `${file}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-new', ...EC, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', subject], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${file}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-out',
      `${file}.crt`,
      '-extfile',
      extFile,
    ],
    dir,
  );
}

function subjectOf(id: Identity): string {
  return (id.groups ?? []).map((g) => `/O=${g}`).join('') + `/CN=${id.cn}`;
}

/** Creates every certificate that does not exist yet under `dir`. */
export function ensurePki(
  dir: string,
  opts: { serverIps: string[]; serverNames: string[]; clients: Identity[] },
): void {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'ca.crt'))) {
    openssl(
      [
        'req',
        '-x509',
        '-new',
        ...EC,
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '3650',
        '-subj',
        '/CN=tsredis-local-ca',
      ],
      dir,
    );
  }
  const san = [...opts.serverIps.map((i) => `IP:${i}`), ...opts.serverNames.map((n) => `DNS:${n}`)].join(',');
  const serverExt = `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`;
  if (!existsSync(path.join(dir, 'apiserver.crt')))
    signLeaf(dir, 'apiserver', '/CN=kube-apiserver', serverExt);
  if (!existsSync(path.join(dir, 'kubelet-serving.crt')))
    signLeaf(dir, 'kubelet-serving', '/CN=tsredis-kubelet', serverExt);
  const clientExt = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  for (const id of opts.clients) {
    if (!existsSync(path.join(dir, `${id.file}.crt`))) signLeaf(dir, id.file, subjectOf(id), clientExt);
  }
  if (!existsSync(path.join(dir, 'sa.key'))) {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
    openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  }
}

/** A kubeconfig (JSON, which kubectl and every client accept) for one client certificate. */
export function kubeconfigFor(server: string, pkiDir: string, file: string, user: string): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'tsredis-local', cluster: { server, 'certificate-authority': path.join(pkiDir, 'ca.crt') } },
    ],
    users: [
      {
        name: user,
        user: {
          'client-certificate': path.join(pkiDir, `${file}.crt`),
          'client-key': path.join(pkiDir, `${file}.key`),
        },
      },
    ],
    contexts: [{ name: 'tsredis-local', context: { cluster: 'tsredis-local', user, namespace: 'default' } }],
    'current-context': 'tsredis-local',
  };
  return JSON.stringify(config, null, 2) + '\n';
}
