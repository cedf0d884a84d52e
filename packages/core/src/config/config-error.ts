/** A homeserver.yaml that cannot be used; `errors` lists every problem, each prefixed with its key path. */
export class ConfigError extends Error {
  constructor(
    readonly errors: string[],
    /** Non-fatal findings (unknown keys) gathered before the errors were found. */
    readonly warnings: string[] = [],
    source?: string,
  ) {
    const where = source ? ` in ${source}` : '';
    super(`Invalid configuration${where} (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n  - ${errors.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
