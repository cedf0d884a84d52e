/**
 * The validated homeserver configuration. Keys mirror homeserver.yaml, using
 * Synapse's names wherever Synapse has the same concept, so an operator's
 * existing knowledge (and much of an existing file) carries over.
 */
export interface ListenerResource {
  names: Array<'client' | 'federation' | 'keys' | 'media' | 'metrics' | 'health' | 'replication'>;
  compress?: boolean;
}

export interface ListenerConfig {
  port: number;
  bind_addresses: string[];
  type: 'http' | 'metrics';
  tls: boolean;
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy. */
  x_forwarded: boolean;
  resources: ListenerResource[];
}

export type DatabaseConfig =
  | { name: 'pglite'; args: { data_dir: string } }
  | {
      name: 'psycopg2' | 'postgres';
      args: {
        /** Either a libpq connection string … */
        connection_string?: string;
        /** … or Synapse-style discrete arguments. */
        user?: string;
        password?: string;
        database?: string;
        host?: string;
        port?: number;
        cp_min?: number;
        cp_max?: number;
      };
    };

export interface RedisConfig {
  enabled: boolean;
  host: string;
  port: number;
  password?: string;
  dbid?: number;
}

export interface RateLimit {
  per_second: number;
  burst_count: number;
}

export interface RateLimitsConfig {
  rc_message: RateLimit;
  rc_registration: RateLimit;
  /** GET /register/m.login.registration_token/validity, per address (Synapse's defaults). */
  rc_registration_token_validity: RateLimit;
  rc_login: { address: RateLimit; account: RateLimit; failed_attempts: RateLimit };
  rc_joins: { local: RateLimit; remote: RateLimit };
  rc_joins_per_room: RateLimit;
  rc_invites: { per_room: RateLimit; per_user: RateLimit; per_issuer: RateLimit };
  rc_room_creation: RateLimit;
  rc_media_create: RateLimit;
  rc_federation: {
    window_size: number;
    sleep_limit: number;
    sleep_delay: number;
    reject_limit: number;
    concurrent: number;
  };
}

export interface TrustedKeyServer {
  server_name: string;
  verify_keys?: Record<string, string>;
}

/** The worker split's topology (worker-schema.ts): Synapse's worker_app/worker_name/instance_map/stream_writers. */
export type WorkerRole =
  | 'homeserver'
  | 'client-reader'
  | 'sync'
  | 'event-persister'
  | 'federation-inbound'
  | 'federation-sender'
  | 'media';

export interface InstanceLocation {
  host: string;
  /** The instance's internal listener (worker-to-worker calls, plain HTTP on the private network). */
  port: number;
}

export interface WorkerTopologyConfig {
  /** The role this process runs; `homeserver` (default) is every role in one process. */
  worker_app: WorkerRole;
  /** This instance's name: its stream writer name and instance_map key. */
  worker_name?: string;
  /** Shared secret authenticating internal worker-to-worker calls. */
  worker_replication_secret?: string;
  instance_map: Record<string, InstanceLocation>;
  /** Instances writing each stream; events are sharded over `events` by a consistent hash of the room id. */
  stream_writers: Record<
    'events' | 'account_data' | 'to_device' | 'device_lists' | 'presence' | 'receipts' | 'push_rules' | 'caches' | 'typing',
    string[]
  >;
  /**
   * Synapse's key: the federation-sender instances; destinations are spread over them by a consistent hash
   * (empty: one sender sends to every destination). The first also runs the single-instance senders
   * (application services, retention purges).
   */
  federation_sender_instances: string[];
}

/** accounts-extra-schema.ts: guests, login tokens, server notices (Synapse's keys). */
export interface AccountsExtraConfig {
  /** Guests may register (POST /register?kind=guest). */
  allow_guest_access: boolean;
  /** POST /login/get_token: m.login.token tokens for a user's new devices; token_timeout in ms. */
  login_via_existing_session: { enabled: boolean; require_ui_auth: boolean; token_timeout: number };
  /** The system user and room of server notices; absent: server notices are off. */
  server_notices?: {
    system_mxid_localpart: string;
    system_mxid_display_name?: string;
    system_mxid_avatar_url?: string;
    room_name: string;
    room_avatar_url?: string;
    room_topic?: string;
    auto_join: boolean;
  };
}

/** presence-voip-schema.ts: presence and TURN credentials (Synapse's keys). */
export interface PresenceVoipConfig {
  /** false: presence is neither tracked nor sent (PUT /presence is accepted and ignored). */
  presence: { enabled: boolean };
  turn_uris: string[];
  /** Time-limited TURN credentials (username "expiry:user_id", password base64(HMAC-SHA1(secret, username))). */
  turn_shared_secret?: string;
  /** Static TURN credentials, used when there is no shared secret. */
  turn_username?: string;
  turn_password?: string;
  /** Milliseconds the time-limited credentials stay valid (Synapse's default: 1h). */
  turn_user_lifetime: number;
  /** Guests may get TURN credentials. */
  turn_allow_guests: boolean;
}

/** retention-schema.ts: message retention policies (Synapse's `retention`); durations in ms. */
export interface RetentionConfig {
  retention: {
    enabled: boolean;
    default_policy: { min_lifetime?: number; max_lifetime?: number };
    allowed_lifetime_min?: number;
    allowed_lifetime_max?: number;
    purge_jobs: Array<{ interval: number; shortest_max_lifetime?: number; longest_max_lifetime?: number }>;
  };
}

export interface HomeserverConfig extends RateLimitsConfig, WorkerTopologyConfig, AccountsExtraConfig, PresenceVoipConfig, RetentionConfig {
  server_name: string;
  /** Always ends with '/'. Defaults to https://server_name/. */
  public_baseurl: string;
  listeners: ListenerConfig[];
  tls_certificate_path?: string;
  tls_private_key_path?: string;
  database: DatabaseConfig;
  redis: RedisConfig;
  signing_key_path: string;
  /** Directory holding the config file; relative paths in the config resolve against it. */
  config_dir: string;
  enable_registration: boolean;
  enable_registration_without_verification: boolean;
  /** Registration needs a registration token (UIA stage m.login.registration_token). */
  registration_requires_token: boolean;
  registration_shared_secret?: string;
  /**
   * Users may change their password via /account/password; new passwords need minimum_length characters and are
   * hashed with scrypt at N = 2^scrypt_log2_n (default 15, OWASP's minimum; lower only for test servers).
   */
  password_config: { enabled: boolean; minimum_length: number; scrypt_log2_n: number };
  media_store_path: string;
  max_upload_size: number;
  /** An S3-compatible bucket every stored upload is also put in (and fetched back from when missing on disk). */
  media_storage_s3?: { bucket: string; endpoint_url?: string; region_name: string; access_key_id: string; secret_access_key: string; prefix: string };
  /** Thumbnails made right after an image upload (others on demand). Default: Synapse's five sizes. */
  thumbnail_sizes: Array<{ width: number; height: number; method: 'crop' | 'scale' }>;
  /** Per-user upload quotas: at most max_size bytes (in total) uploaded within any time_period_ms. Default []. */
  media_upload_limits: Array<{ time_period_ms: number; max_size: number }>;
  /** Request bodies above this (bytes) get 413 M_TOO_LARGE (media uploads use max_upload_size). */
  max_request_body_size: number;
  app_service_config_files: string[];
  trusted_key_servers: TrustedKeyServer[];
  federation_verify_certificates: boolean;
  /** Worker threads verifying Ed25519 signatures of received events; absent: one per spare core, at most 4. */
  signature_verify_threads?: number;
  federation_custom_ca_list?: string[];
  /** Servers allowed to federate (inbound and outbound); absent: all. */
  federation_domain_whitelist?: string[];
  /** valid_until_ts of our published keys is now + this (Synapse's key_refresh_interval, default 1 day). */
  key_refresh_interval_ms: number;
  /** Former signing keys, published as old_verify_keys: key id (`ed25519:…`) → public key and when it stopped being used. */
  old_signing_keys: Record<string, { key: string; expired_ts: number }>;
  /**
   * Not in Synapse: server name → "host:port" to connect to for that server, skipping
   * .well-known/SRV discovery (two test servers on loopback, private deployments). Default {}.
   */
  federation_host_map?: Record<string, string>;
  ip_range_blacklist: string[];
  ip_range_whitelist: string[];
  /** GET …/media/preview_url is served only when true (Synapse's default: false). */
  url_preview_enabled: boolean;
  /** Ranges previews may never fetch from; absent: ip_range_blacklist. */
  url_preview_ip_range_blacklist?: string[];
  /** Ranges exempt from the preview blacklist; absent: ip_range_whitelist. */
  url_preview_ip_range_whitelist?: string[];
  /** Synapse's format: each entry maps URL components to a glob (or a regex when it starts with '^'). */
  url_preview_url_blacklist: Array<Record<string, string>>;
  /** Largest page or image (bytes) a preview downloads. Default 10M. */
  max_spider_size: number;
  /** oEmbed providers for URL previews: files in oembed.com's providers.json format. */
  oembed: { additional_providers: string[] };
  default_room_version: string;
  /** Lifetime of access tokens when the client asked for refresh tokens; omit for non-expiring tokens. */
  refresh_token_lifetime_ms?: number;
  access_token_lifetime_ms: number;
  /** Served at /.well-known/matrix/server when set (e.g. "matrix.example.org:443"). */
  serve_server_wellknown: boolean;
  /** Base URL served in /.well-known/matrix/client; defaults to public_baseurl. */
  well_known_client?: { 'm.homeserver': { base_url: string }; [k: string]: unknown };
  log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Accepted because Synapse requires the key; Lattice sends no usage statistics. */
  report_stats?: boolean;
  /** Non-fatal findings from loading (unknown keys, ignored LATTICE_* variables); log them at start-up. */
  warnings?: string[];
}
