import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The Claude brain's prompts, as versioned files under src/prompts/<folder>/. A shipped
 * version is never edited: copy it to a new folder, edit there, and bump PROMPT_VERSION
 * (tests/claude/units.test.ts pins each version's content hash to catch silent edits).
 * PROMPT_VERSION is recorded on every decision (BrainResult.promptVersion -> logic_json).
 * Older versions stay loadable (promptSet) so decisions journaled and backtest caches keyed
 * under them keep naming prompts that still exist.
 *
 * claude-v1: the original prompts (~1.8k tokens of system prompt: below every Haiku-class
 *            minimum cacheable length, so its cache_control never cached anything).
 * claude-v2: the same rules plus a field-by-field glossary of the snapshot, the decision schema
 *            with its constraints and worked examples; the cached prefix clears 4,096 tokens.
 */
export const PROMPT_VERSION = 'claude-v2';

export const PROMPT_FOLDERS = { 'claude-v1': 'v1', 'claude-v2': 'v2' } as const;
export type PromptVersion = keyof typeof PROMPT_FOLDERS;

const FILES = ['trader-system.md', 'regime-system.md', 'reminder.md', 'strict.md'] as const;
type PromptFile = (typeof FILES)[number];

export interface PromptSet {
  readonly version: string;
  /** sha256 (hex, first 16) over the version's files, in a fixed order. */
  readonly sha: string;
  readonly traderSystem: string;
  readonly regimeSystem: string;
  readonly reminder: string;
  readonly strict: string;
}

const loaded = new Map<PromptVersion, PromptSet>();

/** The prompt files of one version (read once, then memoized). */
export function promptSet(version: PromptVersion): PromptSet {
  const hit = loaded.get(version);
  if (hit) return hit;
  const dir = new URL(`./${PROMPT_FOLDERS[version]}/`, import.meta.url);
  const files = {} as Record<PromptFile, string>;
  for (const f of FILES) files[f] = readFileSync(new URL(f, dir), 'utf8');
  const set: PromptSet = {
    version,
    sha: createHash('sha256')
      .update(FILES.map((f) => `${f}\n${files[f]}`).join('\n'))
      .digest('hex')
      .slice(0, 16),
    traderSystem: files['trader-system.md'],
    regimeSystem: files['regime-system.md'],
    reminder: files['reminder.md'],
    strict: files['strict.md'],
  };
  loaded.set(version, set);
  return set;
}

export const PROMPTS: PromptSet = promptSet(PROMPT_VERSION);

/**
 * Values for the trader prompt's placeholders, from the size cap: {{MAX_SIZE_PCT}} and the two
 * example sizes (two thirds and half of the cap, rounded to 4 decimals) the worked examples use,
 * so the examples never show a size above the configured cap. Extra values are harmless for a
 * version that does not use them.
 */
export function traderPromptVars(maxSizePct: number): Record<string, string> {
  const r4 = (x: number) => String(Math.round(x * 10_000) / 10_000);
  return { MAX_SIZE_PCT: String(maxSizePct), SIZE_STRONG: r4((maxSizePct * 2) / 3), SIZE_HALF: r4(maxSizePct / 2) };
}

/** Fills {{NAME}} placeholders; an unknown placeholder is an error (a prompt must never ship with a hole). */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`prompt placeholder {{${name}}} has no value`);
    return v;
  });
}
