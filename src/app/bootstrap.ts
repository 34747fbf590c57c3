import { formatConfigError, loadConfig, readEnv, type Config } from '../config.js';
import { ConfigError } from '../domain/errors.js';

/** Loads config for a CLI entry point; on invalid config prints every problem and exits 2. */
export function configOrExit(): Config {
  try {
    return loadConfig(readEnv());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${formatConfigError(e)}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** Prints an unexpected error without a stack full of internals and exits 1. */
export function failAndExit(e: unknown): never {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
