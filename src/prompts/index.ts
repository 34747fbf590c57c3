import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The Claude brain's prompts, as versioned files under src/prompts/<version>/. A shipped
 * version is never edited: copy it to a new folder, edit there, and bump PROMPT_VERSION
 * (tests/claude/prompts.test.ts pins each version's content hash to catch silent edits).
 * PROMPT_VERSION is recorded on every decision (BrainResult.promptVersion -> logic_json).
 */
export const PROMPT_VERSION = 'claude-v1';

const FOLDER = 'v1';
const FILES = ['trader-system.md', 'regime-system.md', 'reminder.md', 'strict.md'] as const;
type PromptFile = (typeof FILES)[number];

function load(): Record<PromptFile, string> {
  const dir = new URL(`./${FOLDER}/`, import.meta.url);
  const out = {} as Record<PromptFile, string>;
  for (const f of FILES) out[f] = readFileSync(new URL(f, dir), 'utf8');
  return out;
}

const files = load();

export interface PromptSet {
  readonly version: string;
  /** sha256 (hex, first 16) over the version's files, in a fixed order. */
  readonly sha: string;
  readonly traderSystem: string;
  readonly regimeSystem: string;
  readonly reminder: string;
  readonly strict: string;
}

export const PROMPTS: PromptSet = {
  version: PROMPT_VERSION,
  sha: createHash('sha256')
    .update(FILES.map((f) => `${f}\n${files[f]}`).join('\n'))
    .digest('hex')
    .slice(0, 16),
  traderSystem: files['trader-system.md'],
  regimeSystem: files['regime-system.md'],
  reminder: files['reminder.md'],
  strict: files['strict.md'],
};

/** Fills {{NAME}} placeholders; an unknown placeholder is an error (a prompt must never ship with a hole). */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`prompt placeholder {{${name}}} has no value`);
    return v;
  });
}
