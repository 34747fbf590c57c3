import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Parses CLI flags; unknown flags or bad values print the usage and exit 2. --help prints it and exits 0. */
export function parseCli<T extends NonNullable<ParseArgsConfig['options']>>(usage: string, options: T, argv = process.argv.slice(2)) {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if ((r.values as { help?: boolean }).help) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return r;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
}

/** Parses an ISO instant or exits 2 naming the flag. */
export function isoArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(v) || Number.isNaN(t)) {
    process.stderr.write(`${flag}: not an ISO date-time: ${JSON.stringify(v)} (expected e.g. 2026-11-20T15:00:00Z)\n`);
    process.exit(2);
  }
  return t;
}
