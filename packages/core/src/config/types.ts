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

export interface HomeserverConfig extends RateLimitsConfig {
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
  registration_shared_secret?: string;
  /** Users may change their password via /account/password. */
  password_config: { enabled: boolean; minimum_length: number };
  media_store_path: string;
  max_upload_size: number;
  /** Request bodies above this (bytes) get 413 M_TOO_LARGE (media uploads use max_upload_size). */
  max_request_body_size: number;
  app_service_config_files: string[];
  trusted_key_servers: TrustedKeyServer[];
  federation_verify_certificates: boolean;
  federation_custom_ca_list?: string[];
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
