/**
 * The schema of homeserver.yaml: Synapse's key names, meanings and defaults
 * wherever Synapse has the same concept (see HomeserverConfig in types.ts).
 */
import { DEFAULT_ROOM_VERSION, ROOM_VERSIONS } from '../room-versions.js';
import { isValidServerName } from './formats.js';
import { bool, duration, int, list, num, obj, record, size, str, variant, type ObjectSchema } from './schema.js';
import { WORKER_KEYS } from './worker-schema.js';
import { ACCOUNTS_EXTRA_KEYS } from './accounts-extra-schema.js';
import { PRESENCE_VOIP_KEYS } from './presence-voip-schema.js';
import { RETENTION_KEYS } from './retention-schema.js';

/**
 * Synapse's default ip_range_blacklist: outbound requests (federation, push,
 * identity servers, URL previews) must never reach these ranges.
 */
export const DEFAULT_IP_RANGE_BLACKLIST: readonly string[] = [
  '127.0.0.0/8', // loopback
  '10.0.0.0/8', // private networks
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10', // carrier-grade NAT
  '192.0.0.0/24', // IETF protocol assignments
  '169.254.0.0/16', // link-local
  '192.88.99.0/24', // formerly 6to4 relay
  '198.18.0.0/15', // benchmarking
  '192.0.2.0/24', // documentation (TEST-NET-1..3)
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4', // multicast
  '::1/128', // loopback
  'fe80::/10', // link-local
  'fc00::/7', // unique local addresses
  '2001:db8::/32', // documentation
  'ff00::/8', // multicast
  'fec0::/10', // site-local (deprecated)
];

/** Unroutable addresses Synapse blocks whether or not the blacklist lists them. */
export const ALWAYS_BLACKLISTED: readonly string[] = ['0.0.0.0/32', '::/128'];

const PORT = { min: 1, max: 65535 } as const;
/** A listener may ask for port 0: the OS picks a free port (tests, ephemeral instances). */
const LISTEN_PORT = { min: 0, max: 65535 } as const;

const rate = (per_second: number, burst_count: number) =>
  obj({ per_second: num({ min: 0, default: per_second }), burst_count: num({ min: 0, default: burst_count }) });

const RESOURCE_NAMES = ['client', 'federation', 'keys', 'media', 'metrics', 'health', 'replication'] as const;

const listener = obj({
  port: int({ ...LISTEN_PORT, required: true }),
  // Synapse's default: all interfaces, IPv6 and IPv4.
  bind_addresses: list(str({ format: 'ip' }), { default: ['::', '0.0.0.0'] }),
  type: str({ oneOf: ['http', 'metrics'], default: 'http' }),
  tls: bool(false),
  x_forwarded: bool(false),
  resources: list(
    obj({ names: list(str({ oneOf: RESOURCE_NAMES }), { required: true }), compress: bool(false) }),
    { default: [] },
  ),
});

/** Used when the file has no `listeners`: local-only, so a fresh install is not exposed by accident. */
export const DEFAULT_LISTENERS = [
  {
    port: 8008,
    bind_addresses: ['127.0.0.1'],
    type: 'http',
    tls: false,
    x_forwarded: false,
    resources: [{ names: ['client', 'federation'], compress: false }],
  },
];

const postgresArgs = obj({
  connection_string: str(),
  user: str(),
  password: str(),
  database: str(),
  host: str(),
  port: int(PORT),
  cp_min: int({ min: 0 }),
  cp_max: int({ min: 1 }),
});

const database = variant(
  'name',
  {
    pglite: obj({
      name: str({ oneOf: ['pglite'] }),
      args: obj({ data_dir: str({ format: 'path', default: 'db' }) }),
    }),
    psycopg2: obj({ name: str({ oneOf: ['psycopg2'] }), args: postgresArgs }),
    postgres: obj({ name: str({ oneOf: ['postgres'] }), args: postgresArgs }),
  },
  { default: { name: 'pglite' }, defaultTag: 'pglite' },
);

/** The raw server_name if valid: an invalid one is reported once, not again through the defaults built from it. */
const serverNameOf = (root: Record<string, unknown>): string | undefined =>
  typeof root.server_name === 'string' && isValidServerName(root.server_name) ? root.server_name : undefined;

export const HOMESERVER_SCHEMA: ObjectSchema = obj({
  server_name: str({ format: 'server_name', required: true }),
  public_baseurl: str({
    format: 'base_url',
    defaultFrom: ({ root }) => (serverNameOf(root) ? `https://${serverNameOf(root)}/` : undefined),
  }),
  listeners: list(listener, { default: DEFAULT_LISTENERS }),
  tls_certificate_path: str({ format: 'path' }),
  tls_private_key_path: str({ format: 'path' }),
  database,
  redis: obj({
    enabled: bool(false),
    host: str({ default: 'localhost' }),
    port: int({ ...PORT, default: 6379 }),
    password: str(),
    dbid: int({ min: 0 }),
  }),
  signing_key_path: str({
    format: 'path',
    defaultFrom: ({ root }) => `${serverNameOf(root) ?? 'homeserver'}.signing.key`,
  }),
  enable_registration: bool(false),
  enable_registration_without_verification: bool(false),
  // Synapse's key: /register asks for an m.login.registration_token stage (tokens made with the admin API).
  registration_requires_token: bool(false),
  registration_shared_secret: str(),
  password_config: obj({
    enabled: bool(true),
    minimum_length: int({ min: 0 }),
    // Synapse keeps password rules under `policy`; its minimum_length applies when the policy is enabled.
    policy: obj({ enabled: bool(false), minimum_length: int({ min: 0, default: 0 }) }, { open: true }),
    // scrypt's cost for new hashes, N = 2^scrypt_log2_n (memory 2^scrypt_log2_n KiB); stored hashes move to it at their user's next login.
    scrypt_log2_n: int({ min: 10, max: 20, default: 15 }),
  }),
  media_store_path: str({ format: 'path', default: 'media_store' }),
  max_upload_size: size({ default: '50M' }),
  // Synapse's key and defaults: thumbnails generated as soon as an image is uploaded.
  thumbnail_sizes: list(
    obj(
      { width: int({ min: 1, required: true }), height: int({ min: 1, required: true }), method: str({ oneOf: ['crop', 'scale'], default: 'scale' }) },
      { required: true },
    ),
    {
      default: [
        { width: 32, height: 32, method: 'crop' },
        { width: 96, height: 96, method: 'crop' },
        { width: 320, height: 240, method: 'scale' },
        { width: 640, height: 480, method: 'scale' },
        { width: 800, height: 600, method: 'scale' },
      ],
    },
  ),
  // An S3-compatible bucket behind media_store_path (the keys of Synapse's S3 storage provider's config).
  media_storage_s3: obj(
    {
      bucket: str({ required: true }),
      endpoint_url: str({ format: 'url' }),
      region_name: str({ default: 'us-east-1' }),
      access_key_id: str({ required: true }),
      secret_access_key: str({ required: true }),
      prefix: str({ default: '' }),
    },
    { default: undefined },
  ),
  // Synapse's per-user upload quotas: each entry caps the bytes a user may upload within a rolling period.
  media_upload_limits: list(
    obj({ time_period_ms: duration({ alias: 'time_period', required: true }), max_size: size({ required: true }) }, { required: true }),
    { default: [] },
  ),
  max_request_body_size: size({ default: '10M' }),
  app_service_config_files: list(str({ format: 'path' }), { default: [] }),
  trusted_key_servers: list(
    obj(
      { server_name: str({ format: 'server_name', required: true }), verify_keys: record(str()) },
      { default: undefined, required: true },
    ),
    { default: [{ server_name: 'matrix.org' }] },
  ),
  federation_verify_certificates: bool(true),
  // Threads verifying signed events (absent: one per core but the event loop's, at most 4; 0: on the event loop).
  signature_verify_threads: int({ min: 0, max: 64 }),
  // Absent: every server may federate; a list (even empty) allows only those servers, both directions.
  federation_domain_whitelist: list(str({ format: 'server_name' })),
  // How long remote servers may use our published keys before refetching (valid_until_ts); Synapse's default.
  key_refresh_interval_ms: duration({ alias: 'key_refresh_interval', default: '1d' }),
  // Keys this server used to sign with, published as old_verify_keys (Synapse's shape: key id → {key, expired_ts}).
  old_signing_keys: record(obj({ key: str({ required: true }), expired_ts: int({ min: 0, required: true }) }), { default: {} }),
  federation_custom_ca_list: list(str({ format: 'path' })),
  // Lattice's own: server name → "host:port" to connect to, skipping discovery (tests, private deployments).
  federation_host_map: record(str({ format: 'server_name' }), { default: {} }),
  ip_range_blacklist: list(str({ format: 'cidr' }), { alias: 'ip_range_blocklist', default: DEFAULT_IP_RANGE_BLACKLIST }),
  ip_range_whitelist: list(str({ format: 'cidr' }), { alias: 'ip_range_allowlist', default: [] }),
  // URL previews (Synapse's keys). Off by default, as in Synapse: the server fetches any URL a user names.
  url_preview_enabled: bool(false),
  // Absent: the previewer uses ip_range_blacklist / ip_range_whitelist (Synapse requires the key when enabled).
  url_preview_ip_range_blacklist: list(str({ format: 'cidr' }), { alias: 'url_preview_ip_range_blocklist' }),
  url_preview_ip_range_whitelist: list(str({ format: 'cidr' }), { alias: 'url_preview_ip_range_allowlist' }),
  // Each entry maps URL components (scheme, netloc, hostname, port, path, query, fragment, username, password)
  // to a glob, or to a regular expression when it starts with '^'; a URL matching every component of an entry is refused.
  url_preview_url_blacklist: list(record(str()), { alias: 'url_preview_url_blocklist', default: [] }),
  max_spider_size: size({ default: '10M' }),
  // Synapse's key: oEmbed providers files (oembed.com's providers.json format) for URL previews.
  oembed: obj({ additional_providers: list(str({ format: 'path' }), { default: [] }) }),
  default_room_version: str({ oneOf: [...ROOM_VERSIONS.keys()], default: DEFAULT_ROOM_VERSION }),
  refresh_token_lifetime_ms: duration({ alias: 'refresh_token_lifetime' }),
  // Synapse's `refreshable_access_token_lifetime` (default 5m).
  access_token_lifetime_ms: duration({ alias: 'refreshable_access_token_lifetime', default: '5m' }),
  serve_server_wellknown: bool(false),
  // Defaults to { m.homeserver: { base_url: public_baseurl } } (see load.ts); extra keys are served as given.
  well_known_client: obj(
    {
      'm.homeserver': obj({ base_url: str({ format: 'url', required: true }) }, { default: undefined, required: true }),
    },
    { open: true, default: undefined },
  ),
  log_level: str({ oneOf: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], lowercase: true, default: 'info' }),
  // Accepted because Synapse requires it in every file; Lattice sends no usage statistics.
  report_stats: bool(false),

  // Rate limits: Synapse's defaults.
  rc_message: rate(0.2, 10),
  rc_registration: rate(0.17, 3),
  rc_registration_token_validity: rate(0.1, 5),
  rc_login: obj({ address: rate(0.003, 5), account: rate(0.003, 5), failed_attempts: rate(0.17, 3) }),
  rc_joins: obj({ local: rate(0.1, 10), remote: rate(0.01, 10) }),
  rc_joins_per_room: rate(1, 10),
  rc_invites: obj({ per_room: rate(0.3, 10), per_user: rate(0.003, 5), per_issuer: rate(0.3, 10) }),
  rc_room_creation: rate(0.016, 10),
  rc_media_create: rate(10, 50),
  rc_federation: obj({
    window_size: int({ min: 1, default: 1000 }),
    sleep_limit: int({ min: 0, default: 10 }),
    sleep_delay: int({ min: 0, default: 500 }),
    reject_limit: int({ min: 0, default: 50 }),
    concurrent: int({ min: 1, default: 3 }),
  }),
  // The worker split's topology (worker-schema.ts).
  ...WORKER_KEYS,
  // Guests, login tokens, server notices (accounts-extra-schema.ts).
  ...ACCOUNTS_EXTRA_KEYS,
  // Presence and TURN credentials (presence-voip-schema.ts).
  ...PRESENCE_VOIP_KEYS,
  // Message retention policies (retention-schema.ts).
  ...RETENTION_KEYS,
});
