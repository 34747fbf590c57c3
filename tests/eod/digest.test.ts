import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { createFileReportStore } from '../../src/adapters/reports/files.js';
import { mdText } from '../../src/core/md.js';
import { sparklineSvg } from '../../src/core/sparkline.js';
import { nyTime } from '../../src/core/time/ny.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { Account, Position } from '../../src/domain/broker.js';
import { createDayJournal } from '../../src/journal/day-queries.js';
import { buildEodDigest, runEodDigest, type EodInput } from '../../src/jobs/eod-digest.js';
import { silentLogger } from '../../src/log.js';
import type { DayFill, DayTrade } from '../../src/ports/day-journal.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { makeWorld, TEST_DATE } from '../helpers/world.js';

const DATE = '2026-11-20';
const t = (hhmm: string) => nyTime(DATE, hhmm);

function trade(over: Partial<DayTrade> = {}): DayTrade {
  return {
    id: `c:${over.symbol ?? 'AAPL'}`,
    cycleId: 'c',
    symbol: 'AAPL',
    asOf: t('10:00'),
    modelAction: 'HOLD',
    action: 'HOLD',
    strategy: 's',
    confidence: 0.5,
    sizePct: 0,
    rationale: 'nothing to do',
    price: 100,
    equity: 100_500,
    startEquity: 100_000,
    overrides: [],
    parseFallback: false,
    costUsd: 0.001,
    executeStatus: 'none',
    executeDetail: null,
    qty: null,
    ...over,
  };
}

function fill(over: Partial<DayFill> = {}): DayFill {
  return { orderId: 'o1', symbol: 'AAPL', side: 'buy', qty: 10, price: 100, filledAt: t('10:01'), exitKind: null, tradeId: null, commission: 0, ...over };
}

const account: Account = { cash: 50_000, equity: 101_000, buyingPower: 50_000, lastEquity: 101_000, daytradeCount: 0, status: 'ACTIVE' };
const positions: Position[] = [
  { symbol: 'MSFT', qty: 10, avgEntryPrice: 200, currentPrice: 210, marketValue: 2100, unrealizedPl: 100 },
  { symbol: 'AAPL', qty: 5, avgEntryPrice: 100, currentPrice: 98, marketValue: 490, unrealizedPl: -10 },
];

function input(over: Partial<EodInput> = {}): EodInput {
  return {
    date: DATE,
    session: { date: DATE, open: t('09:30'), close: t('16:00'), early: false },
    mode: 'paper',
    asOf: t('16:15'),
    generatedAt: Date.UTC(2030, 0, 1),
    account,
    positions,
    cycles: [
      { id: 'c1', asOf: t('10:00'), status: 'ok', equity: 100_200, ordersSubmitted: 1, kind: 'decision' },
      { id: 'c2', asOf: t('12:00'), status: 'ok', equity: 100_800, ordersSubmitted: 0, kind: 'decision' },
      { id: 'c3', asOf: t('14:00'), status: 'failed', equity: 100_600, ordersSubmitted: 0, kind: 'decision' },
      { id: 'h1', asOf: t('15:05'), status: 'ok', equity: 100_700, ordersSubmitted: 1, kind: 'position-health' },
    ],
    trades: [
      trade({ symbol: 'AAPL', modelAction: 'BUY', action: 'BUY', confidence: 0.8, qty: 5, executeStatus: 'submitted', rationale: 'Uptrend, MACD positive' }),
      trade({ symbol: 'MSFT' }),
      trade({ symbol: 'NVDA', modelAction: 'BUY', overrides: [{ rule: 'confidence_floor', effect: 'hold', detail: 'confidence 0.50 < floor 0.55' }] }),
      trade({ symbol: 'TSLA', modelAction: 'SELL', overrides: [{ rule: 'kill_switch', effect: 'halt', detail: 'kill switch engaged' }] }),
      trade({ symbol: 'AMZN', modelAction: 'BUY', asOf: t('12:00'), overrides: [{ rule: 'confidence_floor', effect: 'hold', detail: 'x' }] }),
      // The position-health run's own exit row: an automated exit, not a decision.
      trade({ id: 'h1:XOM', cycleId: 'h1', symbol: 'XOM', modelAction: 'SELL', action: 'SELL', asOf: t('15:05'), rationale: 'automation: trail giveback exit', costUsd: 0, executeStatus: 'submitted' }),
    ],
    fills: [
      fill(),
      fill({ orderId: 'o2', symbol: 'META', side: 'sell', qty: 3, price: 480, exitKind: 'bracket_stop', filledAt: t('13:12') }),
      fill({ orderId: 'o3', symbol: 'JPM', side: 'sell', qty: 4, price: 210, exitKind: 'model_sell', filledAt: t('14:01') }),
      fill({ orderId: 'o4', symbol: 'XOM', side: 'sell', qty: 7, price: 110, exitKind: 'trail_giveback', filledAt: t('15:05'), tradeId: 'h1:XOM' }),
    ],
    usage: { calls: 6, costUsd: 0.0123, byPurpose: { decide: 0.005, regime: 0.0073 } },
    svgName: `${DATE}.svg`,
    ...over,
  };
}

describe('buildEodDigest (pure)', () => {
  it('equity and day P&L against the previous close, the counts, overrides by rule, automated exits, positions and cost', () => {
    const d = buildEodDigest(input());
    expect(d.summary).toMatchObject({
      equity: 101_000,
      startEquity: 100_000,
      dayPl: 1000,
      dayPlPct: 0.01,
      cycles: 3,
      decisions: { BUY: 1, SELL: 0, HOLD: 4 },
      overridesByRule: { confidence_floor: 2, kill_switch: 1 },
      fills: 4,
      automatedExits: 2,
      positions: 2,
      unrealizedPl: 90,
      modelCostUsd: 0.0123,
    });
    const md = d.markdown;
    expect(md).toContain('# End of day 2026-11-20 (Friday)');
    expect(md).toContain('![equity today](2026-11-20.svg)');
    expect(md).toContain('| Equity | $101,000.00 |');
    expect(md).toContain('| Day P&L | +$1,000.00 (+1.00%) |');
    expect(md).toContain('- Cycles: 3, 1 failed; orders submitted: 1.');
    expect(md).toContain('HOLD 4 (1 by the model, 3 by risk or fallback)');
    expect(md).toContain('| 10:00 | AAPL | BUY | 0.80 | 5 | submitted | Uptrend, MACD positive |');
    expect(md).toContain('| `confidence_floor` | 2 | hold | AMZN, NVDA |');
    expect(md).toContain('| 13:12 | META | bracket\\_stop | 3 | 480.00 |  |');
    expect(md).toContain('| 15:05 | XOM | trail\\_giveback | 7 | 110.00 | automation: trail giveback exit |');
    expect(md).not.toContain('| XOM | SELL |'); // not listed as a decision
    expect(md).not.toMatch(/\| JPM \| model/); // the model's own SELL is not an automated exit
    expect(md).toContain('| AAPL | 5 | 100.00 | 98.00 | $490.00 | -$10.00 (-2.00%) |');
    expect(md).toContain('Model cost of the day: $0.0123 (decisions $0.0050, regime and other $0.0073; 6 model calls)');
    expect(md.indexOf('| AAPL | 5 |')).toBeLessThan(md.indexOf('| MSFT | 10 |'));
  });

  it('falls back to the broker last equity when no snapshot tells the previous close, and says which', () => {
    const d = buildEodDigest(input({ trades: [], account: { ...account, lastEquity: 100_500 } }));
    expect(d.summary.dayPl).toBe(500);
    expect(d.markdown).toContain("(from the broker's last equity)");
    expect(d.markdown).toContain('No BUY or SELL today.');
  });

  it('an unreadable account still gives a digest from the journal', () => {
    const d = buildEodDigest(input({ account: null, accountError: 'HTTP 503', positions: [] }));
    expect(d.summary.equity).toBe(100_700); // the last equity the journal saw (a position-health run)
    expect(d.markdown).toContain('The account could not be read: HTTP 503.');
  });

  it('model-written text is neutralised: no HTML, links, images, emphasis, headings or broken tables when rendered', () => {
    const evil =
      'Buy now <script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) ![px](https://evil.example/p.png)\n' +
      '# HEADING | extra | cells | **bold** _it_ `code` https://evil.example/x www.evil.example &lt;b&gt; @someone $x$\u202Eevil\u0007';
    const d = buildEodDigest(input({ trades: [trade({ symbol: 'AAPL', modelAction: 'BUY', action: 'BUY', rationale: evil, executeStatus: 'rejected', executeDetail: '<b>422</b> | nope' }), trade({ symbol: 'ZZ', overrides: [{ rule: 'x</td><script>', effect: 'hold', detail: evil }] })] }));
    const row = d.markdown.split('\n').find((l) => l.startsWith('| 10:00 | AAPL'))!;
    expect(row).toBeDefined();
    // Exactly the table's 7 cells: every pipe in the model's text is escaped.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(7);
    const html = marked.parse(d.markdown, { async: false, gfm: true });
    for (const bad of ['<script', '<a ', '<strong>bold', '<em>it', '<code>bold', '<h1>HEADING', 'href=', '\u202E', '\u0007']) expect(html).not.toContain(bad);
    expect(html.match(/<img [^>]*>/g)).toEqual(['<img src="2026-11-20.svg" alt="equity today">']); // only our own sparkline
    expect(html).toContain('&lt;script&gt;'); // shown as text
    expect(d.markdown).not.toContain('x</td>');
  });

  it('mdText bounds the length and keeps ordinary text readable', () => {
    expect(mdText('Price above EMA50, RSI 61.5 (neutral)')).toBe('Price above EMA50, RSI 61.5 (neutral)');
    expect(mdText('a'.repeat(500), 20)).toHaveLength(20);
    expect(mdText('a'.repeat(500), 20).endsWith('…')).toBe(true);
    expect(mdText('line1\nline2\r\n\tline3')).toBe('line1 line2 line3');
  });

  it('the sparkline is a standalone SVG over the previous close, each cycle and the close', () => {
    const d = buildEodDigest(input());
    expect(d.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const points = /points="([^"]+)"/.exec(d.svg)![1]!.split(' ');
    expect(points).toHaveLength(6); // 100,000 prev close, 3 cycles and 1 health run, 101,000 close
    expect(d.svg).toContain('101,000.00');
    expect(d.svg).toContain('#15803d'); // up day
    expect(sparklineSvg([])).toContain('<polyline');
    expect(sparklineSvg([5, 5, 5])).toContain('#6b7280');
    expect(sparklineSvg([1, 2], { title: '<x>' })).toContain('&lt;x&gt;');
  });
});

describe('runEodDigest (IO): the journal of a real cycle and the live account', () => {
  it('writes reports/eod/DATE.md, DATE.svg and latest.md; an explicit older day leaves latest.md alone', async () => {
    const w = makeWorld({ prices: { AAPL: 100, MSFT: 200, SPY: 400 }, brain: createScriptedBrain({ AAPL: { rationale: 'scripted *entry*' } }) });
    await runCycle(w.deps, w.asOf);
    w.clock.set(nyTime(TEST_DATE, '16:15'));
    const reports = mkdtempSync(join(tmpdir(), 'eod-'));
    const deps = { broker: w.broker, journal: w.journal, days: createDayJournal(w.journal.db), calendar: createNyseRulesCalendar(), clock: w.clock, wallClock: w.deps.wallClock, reports: createFileReportStore(reports), log: silentLogger, mode: 'sim' };
    const r = await runEodDigest(deps, TEST_DATE);
    expect(r.files.map((f) => f.slice(reports.length + 1))).toEqual(['eod/2026-11-20.svg', 'eod/2026-11-20.md', 'eod/latest.md']);
    const md = readFileSync(join(reports, 'eod', '2026-11-20.md'), 'utf8');
    expect(readFileSync(join(reports, 'eod', 'latest.md'), 'utf8')).toBe(md);
    expect(md).toMatch(/\| 10:00 \| AAPL \| BUY \| 0\.90 \| 50 \| submitted \| scripted \\\*entry\\\* \|/);
    expect(md).toContain('HOLD 2');
    expect(md).toContain('| AAPL | 50 |'); // the position, with its unrealized P&L
    expect(r).toMatchObject({ date: TEST_DATE, cycles: 1, fills: 1, positions: 1 });
    // The orders table was brought up to date by the job: the entry's fill is journaled.
    expect(w.journal.db.prepare("SELECT COUNT(*) AS n FROM orders WHERE status = 'filled'").get()).toEqual({ n: 1 });

    const other = mkdtempSync(join(tmpdir(), 'eod-'));
    await runEodDigest({ ...deps, reports: createFileReportStore(other) }, TEST_DATE, { updateLatest: false });
    expect(existsSync(join(other, 'eod', '2026-11-20.md'))).toBe(true);
    expect(existsSync(join(other, 'eod', 'latest.md'))).toBe(false);
  });
});
