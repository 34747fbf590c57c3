/**
 * Cycle wall time with the Claude brain against a slow model.
 *
 *   npx tsx bench/cycle-latency.ts [--latency-ms 1500] [--io-ms 30] [--sizes 5,25,50] [--conc 1,4,8]
 *                                  [--cycle-concurrency N] [--brain-concurrency N] [--warmup on|off|both]
 *                                  [--cold-regime] [--cache-min-tokens 1024]
 *
 * The real pipeline (runCycle, risk, SQLite journal, sim exchange) with the real Anthropic SDK
 * talking to the loopback fake Messages API, which answers every call after a fixed latency
 * (default 1.5 s). Every Broker and MarketData call waits --io-ms first (default 30 ms).
 * For each symbol count and concurrency C, the cycle's own concurrency (CYCLE_CONCURRENCY)
 * and the brain's semaphore (BRAIN_MAX_CONCURRENCY) are both C unless overridden.
 *
 * The regime verdict is TTL-cached in steady state (REGIME_TTL_SEC), so by default it is
 * computed once before the timed cycle; --cold-regime times the cycle including that call.
 * "cache share" = cache_read_input_tokens / all input tokens, over the decisions after the first.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClaudeBrain } from '../src/adapters/claude/brain.js';
import { createSdkMessagesClient } from '../src/adapters/claude/client.js';
import { DEFAULT_PRICES } from '../src/adapters/claude/pricing.js';
import { runCycle } from '../src/cycle/run-cycle.js';
import type { Broker } from '../src/ports/broker.js';
import type { MarketData } from '../src/ports/market-data.js';
import { startFakeAnthropic } from '../tests/fakes/anthropic-server.js';
import { makeWorld } from '../tests/helpers/world.js';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '1500' },
    'io-ms': { type: 'string', default: '30' },
    sizes: { type: 'string', default: '5,25,50' },
    conc: { type: 'string', default: '1,4,8' },
    'cycle-concurrency': { type: 'string' },
    'brain-concurrency': { type: 'string' },
    warmup: { type: 'string', default: 'both' },
    'cold-regime': { type: 'boolean', default: false },
    'cache-min-tokens': { type: 'string', default: '1024' },
  },
});
const LATENCY = Number(values['latency-ms']);
const IO = Number(values['io-ms']);
const SIZES = values.sizes.split(',').map(Number);
const CONC = values.conc.split(',').map(Number);
const CACHE_MIN = Number(values['cache-min-tokens']);

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
  symbols: number;
  cycleC: number;
  brainC: number;
  warmup: boolean;
  wallS: number;
  targetS: number;
  idealS: number;
  calls: number;
  peak: number;
  share: number;
  costUsd: number;
  status: string;
}

async function runOne(n: number, cycleC: number, brainC: number, warmup: boolean): Promise<Row> {
  const fake = await startFakeAnthropic({ mode: 'valid', latencyMs: LATENCY, cacheMinTokens: CACHE_MIN });
  try {
    const brain = createClaudeBrain({
      client: createSdkMessagesClient({ apiKey: 'bench-key', baseURL: fake.url, timeoutMs: 60_000, maxRetries: 0 }),
      models: { trader: 'claude-haiku-5-5', regime: 'claude-haiku-5-5' },
      prices: DEFAULT_PRICES,
      maxConcurrency: brainC,
      maxConsecutiveFailures: 3,
      maxOutputTokens: 1024,
      regimeTtlSec: 900,
      maxSizePct: 0.1,
      feedbackPath: null,
      clock: { now: () => Date.now() },
      cacheWarmup: warmup,
    });
    const prices: Record<string, number> = {};
    for (let i = 0; i < n; i++) prices[`S${String(i).padStart(3, '0')}`] = 20 + 7 * i;
    const w = makeWorld({ prices, brain, wrapBroker: (b) => slow<Broker>(b, BROKER_METHODS, IO) });
    const deps = {
      ...w.deps,
      market: slow<MarketData>(w.deps.market, MARKET_METHODS, IO),
      settings: { ...w.deps.settings, concurrency: cycleC, risk: { ...w.deps.settings.risk, maxBuysPerCycle: 1_000 } },
    };
    if (!values['cold-regime']) {
      // Steady state: a verdict from an earlier cycle is still within REGIME_TTL_SEC.
      await brain.regime({ as_of: new Date(w.asOf).toISOString(), benchmarks: [], breadth_above_sma50: null });
    }
    const t0 = performance.now();
    const s = await runCycle(deps, w.asOf);
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
    const idealS = (Math.ceil(n / c) * LATENCY) / 1000;
    return {
      symbols: n,
      cycleC,
      brainC,
      warmup,
      wallS,
      idealS,
      targetS: 1.1 * idealS + 1,
      calls: fake.requests.length,
      peak: fake.peakInFlight,
      share: total > 0 ? read / total : 0,
      costUsd: s.cost_usd,
      status: s.status,
    };
  } finally {
    await fake.close();
  }
}

const modes = values.warmup === 'both' ? [true, false] : [values.warmup !== 'off'];
const results: Row[] = [];
process.stdout.write(
  `cycle-latency: model latency ${LATENCY} ms, broker/data latency ${IO} ms, regime ${values['cold-regime'] ? 'timed (cold)' : 'TTL-cached (steady state)'}, fake cache minimum ${CACHE_MIN} tokens\n\n`,
);
process.stdout.write('symbols  cycleC  brainC  warmup   wall s   ideal s  target s  calls  peak  cache share  cost $     status\n');
for (const warmup of modes) {
  for (const n of SIZES) {
    for (const c of CONC) {
      // Without warm-up only the concurrent runs differ; skip the duplicates at concurrency 1.
      if (!warmup && c === 1 && modes.length > 1) continue;
      const cycleC = values['cycle-concurrency'] ? Number(values['cycle-concurrency']) : c;
      const brainC = values['brain-concurrency'] ? Number(values['brain-concurrency']) : c;
      const r = await runOne(n, cycleC, brainC, warmup);
      results.push(r);
      process.stdout.write(
        `${String(r.symbols).padStart(7)}  ${String(r.cycleC).padStart(6)}  ${String(r.brainC).padStart(6)}  ${(r.warmup ? 'on' : 'off').padEnd(6)}  ${r.wallS.toFixed(2).padStart(7)}  ${r.idealS.toFixed(2).padStart(8)}  ${r.targetS.toFixed(2).padStart(8)}  ${String(r.calls).padStart(5)}  ${String(r.peak).padStart(4)}  ${(r.share * 100).toFixed(1).padStart(10)}%  ${r.costUsd.toFixed(5).padStart(8)}  ${r.status}\n`,
      );
    }
  }
}
const key = results.filter((r) => r.symbols === 25 && r.cycleC === 8 && r.brainC === 8);
for (const r of key) {
  process.stdout.write(`\ntarget (25 symbols @ 8, warm-up ${r.warmup ? 'on' : 'off'}): ${r.wallS.toFixed(2)} s <= ${r.targetS.toFixed(2)} s ? ${r.wallS <= r.targetS ? 'PASS' : 'FAIL'}`);
}
process.stdout.write('\n');
