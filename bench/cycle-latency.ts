/**
 * Cycle wall time with the Claude brain against a slow model.
 *
 *   npx tsx bench/cycle-latency.ts [--latency-ms 1500] [--io-ms 30] [--sizes 5,25,50] [--conc 1,4,8]
 *                                  [--cycle-concurrency N] [--brain-concurrency N] [--warmup on|off]
 *                                  [--kinds scheduled,cold] [--cache-min-tokens N] [--prompt claude-v1|claude-v2]
 *
 * The real pipeline (runCycle, risk, SQLite journal, sim exchange) with the real Anthropic SDK
 * talking to the loopback fake Messages API, which answers every call after a fixed latency
 * (default 1.5 s). Every Broker and MarketData call waits --io-ms first (default 30 ms).
 * For each symbol count and concurrency C, the cycle's own concurrency (CYCLE_CONCURRENCY)
 * and the brain's semaphore (BRAIN_MAX_CONCURRENCY) are both C unless overridden.
 *
 * Two kinds of cycle, each with a fresh brain, fake server, journal and cycle caches:
 * - scheduled: what `npm start` runs. The service's regime pre-warm (prewarmRegime, the same
 *   function the scheduler calls REGIME_PREWARM_SEC before the slot) fills the cycle's regime
 *   cache 120 s of market time earlier; only the cycle itself is timed.
 * - cold: a one-off `npm run cycle -- --force` with nothing cached: the regime call (one model
 *   latency) is on the clock, overlapped with the watchlist's extras fetch.
 * The fake caches a prefix only at or above the trader model's minimum cacheable length (from
 * the table in src/adapters/claude/cache-minimum.ts; --cache-min-tokens overrides), as the API does.
 * "cache share" = cache_read_input_tokens / all input tokens, over the timed cycle's decisions
 * after the first. --prompt claude-v1 runs the old prompt (below Haiku's minimum: nothing caches).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClaudeBrain } from '../src/adapters/claude/brain.js';
import { cacheMinTokensFor, DEFAULT_CACHE_MIN_TOKENS } from '../src/adapters/claude/cache-minimum.js';
import { createSdkMessagesClient } from '../src/adapters/claude/client.js';
import { DEFAULT_PRICES } from '../src/adapters/claude/pricing.js';
import { cycleIdFor } from '../src/cycle/ids.js';
import { createCycleCaches, marketSettings } from '../src/cycle/market-context.js';
import { prewarmRegime } from '../src/cycle/regime-prewarm.js';
import { runCycle } from '../src/cycle/run-cycle.js';
import type { CycleDeps } from '../src/cycle/types.js';
import type { Broker } from '../src/ports/broker.js';
import type { MarketData } from '../src/ports/market-data.js';
import { PROMPT_FOLDERS, PROMPT_VERSION, promptSet, type PromptVersion } from '../src/prompts/index.js';
import { startFakeAnthropic } from '../tests/fakes/anthropic-server.js';
import { makeWorld } from '../tests/helpers/world.js';

const MODEL = 'claude-haiku-5-5';
const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '1500' },
    'io-ms': { type: 'string', default: '30' },
    sizes: { type: 'string', default: '5,25,50' },
    conc: { type: 'string', default: '1,4,8' },
    'cycle-concurrency': { type: 'string' },
    'brain-concurrency': { type: 'string' },
    warmup: { type: 'string', default: 'on' },
    kinds: { type: 'string', default: 'scheduled,cold' },
    'cache-min-tokens': { type: 'string' },
    prompt: { type: 'string', default: PROMPT_VERSION },
  },
});
if (!(values.prompt in PROMPT_FOLDERS)) throw new Error(`--prompt must be one of ${Object.keys(PROMPT_FOLDERS).join(', ')}`);
const PROMPTS_USED = promptSet(values.prompt as PromptVersion);
const LATENCY = Number(values['latency-ms']);
const IO = Number(values['io-ms']);
const SIZES = values.sizes.split(',').map(Number);
const CONC = values.conc.split(',').map(Number);
const WARMUP = values.warmup !== 'off';
const KINDS = values.kinds.split(',').map((k) => k.trim()) as ('scheduled' | 'cold')[];
const CACHE_MIN = values['cache-min-tokens'] !== undefined ? Number(values['cache-min-tokens']) : cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, MODEL);
/** REGIME_PREWARM_SEC's default: the pre-warm runs this long (market time) before the slot. */
const PREWARM_LEAD_MS = 120_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const BROKER_METHODS = ['getAccount', 'getPositions', 'getOpenOrders', 'submitOrder', 'getOrderByClientId', 'cancelOrder', 'listClosedOrders'] as const;
const MARKET_METHODS = ['getBars', 'getLatest', 'getAssets', 'getNews', 'screener'] as const;

/** The same adapter, with every port call delayed by `ms` (a remote broker/data API). */
function slow<T extends object>(target: T, methods: readonly string[], ms: number): T {
  const out = Object.create(target) as Record<string, unknown>;
  for (const m of methods) {
    const fn = (target as Record<string, unknown>)[m];
    if (typeof fn === 'function') {
      out[m] = async (...args: unknown[]) => {
        await sleep(ms);
        return (fn as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
  }
  return out as T;
}

interface Row {
  kind: 'scheduled' | 'cold';
  symbols: number;
  cycleC: number;
  brainC: number;
  wallS: number;
  targetS: number;
  idealS: number;
  calls: number;
  peak: number;
  share: number;
  costUsd: number;
  status: string;
}

async function runOne(kind: Row['kind'], n: number, cycleC: number, brainC: number): Promise<Row> {
  const fake = await startFakeAnthropic({ mode: 'valid', latencyMs: LATENCY, cacheMinTokens: CACHE_MIN });
  try {
    const brain = createClaudeBrain({
      client: createSdkMessagesClient({ apiKey: 'bench-key', baseURL: fake.url, timeoutMs: 60_000, maxRetries: 0 }),
      models: { trader: MODEL, regime: MODEL },
      prices: DEFAULT_PRICES,
      maxConcurrency: brainC,
      maxConsecutiveFailures: 3,
      maxOutputTokens: 1024,
      regimeTtlSec: 900,
      maxSizePct: 0.1,
      feedbackPath: null,
      clock: { now: () => Date.now() },
      cacheWarmup: WARMUP,
      prompts: PROMPTS_USED,
    });
    const prices: Record<string, number> = {};
    for (let i = 0; i < n; i++) prices[`S${String(i).padStart(3, '0')}`] = 20 + 7 * i;
    // The slot is 10:00; the scheduled kind's pre-warm runs at 09:58 on the same (sim) clock.
    const w = makeWorld({ prices, brain, wrapBroker: (b) => slow<Broker>(b, BROKER_METHODS, IO), at: '09:58' });
    const market = { ...w.deps.settings.market };
    const deps: CycleDeps = {
      ...w.deps,
      market: slow<MarketData>(w.deps.market, MARKET_METHODS, IO),
      settings: { ...w.deps.settings, concurrency: cycleC, risk: { ...w.deps.settings.risk, maxBuysPerCycle: 1_000 } },
      caches: createCycleCaches(marketSettings(market)),
    };
    const slot = w.asOf + PREWARM_LEAD_MS;
    if (kind === 'scheduled') {
      const r = await prewarmRegime(deps, w.asOf, { cycleId: cycleIdFor(slot), coverUntil: slot + 60_000 });
      if (r.status !== 'refreshed') throw new Error(`pre-warm did not refresh: ${r.status}`);
    }
    w.clock.set(slot);
    const before = fake.requests.length;
    const t0 = performance.now();
    const s = await runCycle(deps, slot);
    const wallS = (performance.now() - t0) / 1000;
    const rows = w.journal.db.prepare("SELECT input_tokens, cache_creation_input_tokens, cache_read_input_tokens FROM llm_usage WHERE purpose = 'decide' ORDER BY id").all() as {
      input_tokens: number;
      cache_creation_input_tokens: number;
      cache_read_input_tokens: number;
    }[];
    const after = rows.slice(1);
    const total = after.reduce((a, r) => a + r.input_tokens + r.cache_creation_input_tokens + r.cache_read_input_tokens, 0);
    const read = after.reduce((a, r) => a + r.cache_read_input_tokens, 0);
    w.journal.close();
    const c = Math.min(cycleC, brainC);
    // The yardstick: ceil(N / C) model latencies. A cold cycle adds the regime call on top.
    const idealS = ((Math.ceil(n / c) + (kind === 'cold' ? 1 : 0)) * LATENCY) / 1000;
    return {
      kind,
      symbols: n,
      cycleC,
      brainC,
      wallS,
      idealS,
      targetS: 1.1 * ((Math.ceil(n / c) * LATENCY) / 1000) + 1,
      calls: fake.requests.length - before,
      peak: fake.peakInFlight,
      share: total > 0 ? read / total : 0,
      costUsd: s.cost_usd,
      status: s.status,
    };
  } finally {
    await fake.close();
  }
}

const results: Row[] = [];
process.stdout.write(
  `cycle-latency: model latency ${LATENCY} ms, broker/data latency ${IO} ms, prompt ${PROMPTS_USED.version}, cache warm-up ${WARMUP ? 'on' : 'off'}, fake cache minimum ${CACHE_MIN} tokens (${MODEL})\n` +
    'scheduled = regime pre-warmed by the service before the slot; cold = one-off cycle, regime call on the clock\n' +
    'ideal = ceil(N/C) x latency (+1 latency for the cold regime call); target = 1.1 x ceil(N/C) x latency + 1 s\n\n',
);
process.stdout.write('kind       symbols  cycleC  brainC   wall s   ideal s  target s  calls  peak  cache share  cost $     status\n');
for (const kind of KINDS) {
  for (const n of SIZES) {
    for (const c of CONC) {
      const cycleC = values['cycle-concurrency'] ? Number(values['cycle-concurrency']) : c;
      const brainC = values['brain-concurrency'] ? Number(values['brain-concurrency']) : c;
      const r = await runOne(kind, n, cycleC, brainC);
      results.push(r);
      process.stdout.write(
        `${r.kind.padEnd(9)}  ${String(r.symbols).padStart(7)}  ${String(r.cycleC).padStart(6)}  ${String(r.brainC).padStart(6)}  ${r.wallS.toFixed(2).padStart(7)}  ${r.idealS.toFixed(2).padStart(8)}  ${r.targetS.toFixed(2).padStart(8)}  ${String(r.calls).padStart(5)}  ${String(r.peak).padStart(4)}  ${(r.share * 100).toFixed(1).padStart(10)}%  ${r.costUsd.toFixed(5).padStart(8)}  ${r.status}\n`,
      );
    }
  }
}
for (const r of results.filter((x) => x.symbols === 25 && x.cycleC === 8 && x.brainC === 8)) {
  process.stdout.write(`\ntarget (25 symbols @ 8, ${r.kind}): ${r.wallS.toFixed(2)} s <= ${r.targetS.toFixed(2)} s ? ${r.wallS <= r.targetS ? 'PASS' : 'FAIL'}`);
}
process.stdout.write('\n');
