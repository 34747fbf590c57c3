import { createClaudeBrain } from '../adapters/claude/brain.js';
import { createSdkMessagesClient } from '../adapters/claude/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Clock } from '../ports/clock.js';

/**
 * The Claude brain from config (key, base URL, models, prices, concurrency, caching). Callers
 * decide what only they know: the clock that times calls, where warnings go, and which weekly
 * feedback file the prompt reads (null in backtests: it is written after the decisions it would steer).
 */
export function claudeBrainFromConfig(config: Config, x: { readonly clock: Clock; readonly log: Logger; readonly feedbackPath: string | null }): Brain {
  if (config.anthropicKey === null) throw new Error('the Claude brain needs ANTHROPIC_API_KEY');
  const b = config.brain;
  const client = createSdkMessagesClient({
    apiKey: config.anthropicKey,
    ...(b.baseUrl !== null ? { baseURL: b.baseUrl } : {}),
    timeoutMs: b.timeoutMs,
    maxRetries: b.sdkMaxRetries,
    log: x.log,
  });
  return createClaudeBrain({
    client,
    models: { trader: b.models.trader, regime: b.models.regime },
    prices: b.prices,
    maxConcurrency: b.maxConcurrency,
    maxConsecutiveFailures: b.maxConsecutiveFailures,
    maxOutputTokens: b.maxOutputTokens,
    regimeTtlSec: config.regimeTtlSec,
    maxSizePct: config.risk.maxSizePct,
    feedbackPath: x.feedbackPath,
    clock: x.clock,
    cacheWarmup: b.cacheWarmup,
    cacheMinTokens: b.cacheMinTokens,
    log: x.log,
  });
}
