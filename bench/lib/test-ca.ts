/**
 * A throwaway certificate authority made with the openssl CLI at test time,
 * and server certificates it signs for given DNS names and IP addresses: the
 * federation tests and benches run real TLS with certificate checks on,
 * trusting only this CA (packages/federation/test/support/test-ca.ts re-exports it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';

export interface TestCa {
  dir: string;
  /** Path of the CA certificate (for federation_custom_ca_list). */
  caPath: string;
  /** A certificate and key for the names (DNS names and IP literals). */
  issue(names: readonly string[]): { cert: Buffer; key: Buffer; certPath: string; keyPath: string };
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-test-ca-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=Lattice Test CA', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 0;
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    issue(names) {
      const n = ++serial;
      const san = names.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      writeFileSync(join(dir, `ext${n}.cnf`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${names[0]}`,
        '-keyout', `s${n}.key`, '-out', `s${n}.csr`], dir);
      openssl(['x509', '-req', '-in', `s${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
        '-extfile', `ext${n}.cnf`, '-out', `s${n}.crt`], dir);
      const certPath = join(dir, `s${n}.crt`);
      const keyPath = join(dir, `s${n}.key`);
      return { cert: readFileSync(certPath), key: readFileSync(keyPath), certPath, keyPath };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
