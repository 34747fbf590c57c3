import { createClaudeBrain, type ClaudeBrain, type ClaudeBrainOptions } from '../../src/adapters/claude/brain.js';
import { createSdkMessagesClient } from '../../src/adapters/claude/client.js';
import { DEFAULT_PRICES } from '../../src/adapters/claude/pricing.js';
import type { FakeAnthropic, FakeRequest, MessagesBody } from '../fakes/anthropic-server.js';

export const MODEL = 'claude-haiku-5-5';

/** The Claude brain over the real SDK, pointed at a fake server. */
export function sdkBrain(fake: FakeAnthropic, over: Partial<ClaudeBrainOptions> & { timeoutMs?: number; maxRetries?: number; apiKey?: string } = {}): ClaudeBrain {
  const { timeoutMs, maxRetries, apiKey, ...rest } = over;
  return createClaudeBrain({
    client: createSdkMessagesClient({ apiKey: apiKey ?? 'sk-test-key', baseURL: fake.url, timeoutMs: timeoutMs ?? 5_000, maxRetries: maxRetries ?? 2 }),
    models: { trader: MODEL, regime: MODEL },
    prices: DEFAULT_PRICES,
    maxConcurrency: 4,
    maxConsecutiveFailures: 3,
    maxOutputTokens: 1024,
    regimeTtlSec: 900,
    maxSizePct: 0.1,
    feedbackPath: null,
    clock: { now: () => Date.now() },
    cacheWarmup: false,
    ...rest,
  });
}

export const decideRequests = (f: FakeAnthropic): FakeRequest[] => f.requests.filter((r) => r.body.output_config?.format?.schema?.properties?.action !== undefined);

export function userTurns(body: MessagesBody): string[] {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  return msgs.filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
}

export function systemBlocks(body: MessagesBody): { type: string; text: string; cache_control?: { type: string } }[] {
  return (Array.isArray(body.system) ? body.system : []) as { type: string; text: string; cache_control?: { type: string } }[];
}

export const goodDecision = (symbol: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ action: 'BUY', symbol, strategy: 'trend_momentum', confidence: 0.8, size_pct: 0.05, stop_loss: 96, take_profit: 106, rationale: 'uptrend', evidence: ['RSI14 60'], ...over });
