import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account, Position } from '../../src/domain/broker.js';
import { openDatabase, type Db } from '../../src/journal/sqlite.js';
import type { Broker } from '../../src/ports/broker.js';
import { createViewerApp, type ViewerOptions } from '../../src/web/app.js';
import { ordinaryCycles, seedJournal, type SeedCycle, type Seeded } from './seed.js';

export const NOW = Date.UTC(2026, 10, 21, 15, 0);
export const clock = { now: () => NOW };

export const ACCOUNT: Account = { cash: 41_250.5, equity: 104_380.25, buyingPower: 41_250.5, lastEquity: 103_900, daytradeCount: 1, status: 'ACTIVE' };
export const POSITIONS: readonly Position[] = [
  { symbol: 'AAPL', qty: 40, avgEntryPrice: 180, currentPrice: 191.5, marketValue: 7660, unrealizedPl: 460 },
  { symbol: 'NVDA', qty: 25, avgEntryPrice: 470, currentPrice: 455.2, marketValue: 11_380, unrealizedPl: -370 },
];

/** A broker that only answers the two questions the viewer asks; anything else is a test failure. */
export function fakeBroker(over: Partial<Pick<Broker, 'getAccount' | 'getPositions'>> = {}): Broker {
  const never = () => Promise.reject(new Error('the viewer must not call this'));
  return {
    getAccount: over.getAccount ?? (() => Promise.resolve(ACCOUNT)),
    getPositions: over.getPositions ?? (() => Promise.resolve(POSITIONS)),
    getOpenOrders: never,
    submitOrder: never,
    getOrderByClientId: never,
    cancelOrder: never,
    listClosedOrders: never,
  };
}

/** Cycles covering every state the pages have to show. */
export function richCycles(): SeedCycle[] {
  const base = ordinaryCycles(12);
  const t = Date.UTC(2026, 10, 20, 15, 0);
  return [
    ...base,
    {
      asOf: t,
      equity: 101_200,
      symbols: [
        { symbol: 'AAPL', modelAction: 'BUY', action: 'BUY', costUsd: 0.0042 },
        { symbol: 'MSFT', modelAction: 'BUY', action: 'HOLD', confidence: 0.51, overrides: [{ rule: 'confidence_floor', effect: 'hold', detail: 'confidence 0.51 below 0.55' }] },
        { symbol: 'NVDA', modelAction: 'SELL', action: 'SELL', execute: { status: 'rejected', detail: 'insufficient_qty: no shares to sell', side: 'sell', qty: 5 } },
        { symbol: 'SPY', action: 'HOLD', parseFallback: 'model output was not JSON', strategy: 'parse_fallback' },
        { symbol: 'TLT', action: 'HOLD', missingCritical: ['price'], overrides: [{ rule: 'missing_critical_data', effect: 'hold', detail: 'price missing' }] },
      ],
    },
    { asOf: t + 2 * 3_600_000, status: 'failed', reason: 'setup failed: broker unavailable', regime: null, symbols: [] },
    { asOf: t + 4 * 3_600_000, status: 'running', symbols: [{ symbol: 'AAPL', action: 'BUY', execute: null }] },
  ];
}

export interface Fixture {
  readonly seeded: Seeded;
  readonly db: Db;
  readonly reportsDir: string;
  readonly archDocPath: string;
  app(over?: Partial<ViewerOptions>): ReturnType<typeof createViewerApp>;
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="10" height="10"/></svg>';

export function reportsFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'viewer-reports-'));
  const reportsDir = join(root, 'reports');
  mkdirSync(join(reportsDir, 'weekly'), { recursive: true });
  mkdirSync(join(reportsDir, 'eod'), { recursive: true });
  writeFileSync(join(reportsDir, 'weekly', 'latest.md'), '# Weekly review 2026-W47\n\n- Win rate **58%** over 31 round trips.\n- Cut size on low-conviction days.\n');
  writeFileSync(join(reportsDir, 'weekly', '2026-W47.md'), '# Weekly review 2026-W47\n\nSame as latest.\n');
  writeFileSync(join(reportsDir, 'weekly', '2026-W47.json'), '{"week":"2026-W47","win_rate":0.58}');
  writeFileSync(join(reportsDir, 'eod', '2026-11-20.md'), '# EOD 2026-11-20\n\nEquity $101,200.00 (+0.4%).\n\n![equity today](2026-11-20.svg)\n\n![elsewhere](../../secret.svg)\n');
  writeFileSync(join(reportsDir, 'eod', '2026-11-20.svg'), SVG);
  mkdirSync(join(reportsDir, 'backtests', '2024-01-01_2024-12-31_rules'), { recursive: true });
  writeFileSync(join(reportsDir, 'backtests', '2024-01-01_2024-12-31_rules', 'summary.md'), '# Backtest 2024\n\n![equity](equity.svg)\n');
  writeFileSync(join(reportsDir, 'backtests', '2024-01-01_2024-12-31_rules', 'equity.svg'), SVG);
  writeFileSync(join(reportsDir, 'backtests', '2024-01-01_2024-12-31_rules', 'trades.csv'), 'symbol,qty\nAAPL,10\n');
  writeFileSync(join(reportsDir, 'eod', 'notes.exe'), 'not a report');
  writeFileSync(join(reportsDir, 'launch-post.md'), '# We launched\n\nA post.\n');
  writeFileSync(join(root, 'secret.md'), 'OUTSIDE THE REPORTS FOLDER');
  symlinkSync(join(root, 'secret.md'), join(reportsDir, 'eod', 'escape.md'));
  return reportsDir;
}

export function makeFixture(cycles: readonly SeedCycle[] = richCycles()): Fixture {
  const seeded = seedJournal(cycles);
  const db = openDatabase(seeded.dbPath, { readonly: true });
  const reportsDir = reportsFixture();
  const archDocPath = join(seeded.dir, 'ARCHITECTURE.md');
  writeFileSync(archDocPath, '# Architecture\n\nThe cycle: `regime -> watchlist -> snapshot`.\n\n| port | adapters |\n|---|---|\n| Broker | sim, alpaca |\n');
  return {
    seeded,
    db,
    reportsDir,
    archDocPath,
    app: (over = {}) => createViewerApp({ db, broker: fakeBroker(), reportsDir, archDocPath, clock, ...over }),
  };
}
