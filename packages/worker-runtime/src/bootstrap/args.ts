/** Command-line arguments shared by the homeserver and its CLI tools. */
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positional: string[];
}

/** Parses `--key value`, `--key=value` and bare `--flag`; `-x` short forms are mapped by `aliases`. */
export function parseArgs(argv: string[], aliases: Record<string, string> = {}, booleans: string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = aliases[name] ?? name;
    if (value === undefined && !booleans.includes(name) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      value = argv[++i];
    }
    flags.set(name, value ?? true);
  }
  return { flags, positional };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
