import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Clock } from '../ports/clock.js';
import { PROMPTS, PROMPT_VERSION } from '../prompts/index.js';
import { claudeBrainFromConfig } from '../app/claude-brain.js';
import { createRulesBrain } from '../adapters/rules/brain.js';
import { createHoldBrain } from '../adapters/hold/brain.js';
import { createCachedBrain, createFileBrainCache, type CachedBrain } from './cached-brain.js';

/**
 * Brains for backtests. rules: the deterministic rules brain. claude: the Claude brain behind the
 * decision cache (cached-brain.ts), keyed by the models, the prompt version and its content hash,
 * and the size cap quoted in the prompt. The weekly-review feedback file is NOT read in backtests:
 * it is written later than the decisions it would steer (lookahead), and it is not in the key.
 */

export interface BacktestBrain {
  readonly brain: Brain;
  readonly label: string;
  readonly cached?: CachedBrain;
  readonly identity?: Readonly<Record<string, string | number>>;
}

export const BACKTEST_BRAINS = ['rules', 'claude', 'hold'] as const;
export type BacktestBrainKind = (typeof BACKTEST_BRAINS)[number];

export function backtestBrain(kind: BacktestBrainKind, config: Config, x: { readonly wallClock: Clock; readonly log: Logger }): BacktestBrain {
  if (kind === 'rules') return { brain: createRulesBrain(), label: 'rules' };
  if (kind === 'hold') return { brain: createHoldBrain(), label: 'hold' };
  if (config.anthropicKey === null) throw new Error('--brain claude needs ANTHROPIC_API_KEY (a re-run answered from the decision cache makes no calls, but the key must be set)');
  const b = config.brain;
  const inner = claudeBrainFromConfig(config, { clock: x.wallClock, log: x.log, feedbackPath: null });
  const identity = {
    brain: 'claude',
    trader_model: b.models.trader,
    regime_model: b.models.regime,
    prompt_version: PROMPT_VERSION,
    prompt_sha: PROMPTS.sha,
    max_size_pct: config.risk.maxSizePct,
    regime_ttl_sec: config.regimeTtlSec,
  };
  const cached = createCachedBrain(inner, { identity, store: createFileBrainCache(config.backtest.brainCache) });
  return { brain: cached, label: 'claude', cached, identity };
}
