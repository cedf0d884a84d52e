/**
 * Writes a commented, working homeserver.yaml for a new install: embedded
 * database, one local listener, registration closed (users are created with
 * the shared secret). Everything not written takes loadConfig's defaults.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface GenerateConfigOptions {
  serverName: string;
  /** Where the database, signing key and media go; a relative path is relative to the config file. */
  dataDir: string;
  registrationSharedSecret?: string;
  reportStats?: boolean;
}

/** JSON strings are valid YAML double-quoted scalars, and quote everything that needs it. */
const q = (s: string): string => JSON.stringify(s);

/** The URL a client on this machine reaches the generated listener at. */
function localBaseUrl(serverName: string): string {
  const host = serverName.replace(/:\d+$/, '');
  return host === 'localhost' ? 'http://localhost:8008/' : 'http://127.0.0.1:8008/';
}

export function generateConfigYaml(opts: GenerateConfigOptions): string {
  const secret = opts.registrationSharedSecret ?? randomBytes(32).toString('base64url');
  return `# Lattice homeserver configuration.
# Keys and meanings follow Synapse's homeserver.yaml where Synapse has the same
# concept. Every key can be overridden by an environment variable: LATTICE_<KEY>,
# nested keys joined by "__" (e.g. LATTICE_DATABASE__ARGS__HOST).
# Relative paths are resolved against the directory of this file.

# The domain in user IDs (@alice:${opts.serverName}) and room aliases. It cannot be changed later.
server_name: ${q(opts.serverName)}

# The URL clients use to reach this server. Behind a reverse proxy, set it to
# the proxy's URL (e.g. https://matrix.example.org/).
public_baseurl: ${q(localBaseUrl(opts.serverName))}

listeners:
  # Plain HTTP on the loopback interface; put a TLS reverse proxy in front to
  # serve the Internet (federation expects port 8448 or .well-known delegation).
  - port: 8008
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client, federation]
        compress: false

# Embedded PostgreSQL (PGlite): nothing else to install. For several worker
# processes use a PostgreSQL server instead:
#   database:
#     name: psycopg2
#     args: { user: lattice, password: secret, database: lattice, host: localhost, cp_min: 5, cp_max: 10 }
database:
  name: pglite
  args:
    data_dir: ${q(join(opts.dataDir, 'db'))}

# Redis carries replication between worker processes; a single process needs none.
redis:
  enabled: false

# The server's ed25519 signing key. Keep it safe and never change it: other
# servers remember it.
signing_key_path: ${q(join(opts.dataDir, 'signing.key'))}

media_store_path: ${q(join(opts.dataDir, 'media_store'))}
max_upload_size: 50M

# Registration is closed: create users with the shared secret
# (npm run register-user), which grants the right to register, so keep it secret.
enable_registration: false
registration_shared_secret: ${q(secret)}

# Servers asked for other servers' signing keys. Empty means keys are fetched
# from each server directly; Synapse's default is [{server_name: "matrix.org"}].
trusted_key_servers: []

report_stats: ${opts.reportStats === true}

# fatal, error, warn, info, debug or trace.
log_level: info

# Rate limits (rc_message, rc_login, rc_joins, ...) default to Synapse's values;
# set any of them here to change it, e.g.
#   rc_message:
#     per_second: 0.2
#     burst_count: 10
`;
}
