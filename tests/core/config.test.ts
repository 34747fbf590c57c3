import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/domain/errors.js';

function problems(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults to sim without keys and paper with keys', () => {
    expect(loadConfig({}).mode).toBe('sim');
    expect(loadConfig({ APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' }).mode).toBe('paper');
    const c = loadConfig({});
    expect(c.paths).toEqual({ db: 'data/logs/trades.db', journal: 'data/logs/journal.jsonl', reports: 'reports' });
    expect(c.sim.seed).toBe(42);
  });

  it('live requires TRADER_LIVE_CONFIRM=yes', () => {
    const keys = { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' };
    const e = problems({ ...keys, TRADER_MODE: 'live' });
    expect(e.problems.map((p) => p.variable)).toEqual(['TRADER_LIVE_CONFIRM']);
    expect(loadConfig({ ...keys, TRADER_MODE: 'live', TRADER_LIVE_CONFIRM: 'yes' }).mode).toBe('live');
  });

  it('a bad value does not hide the cross-variable problems; a check whose input failed is skipped', () => {
    const e = problems({ TRADER_MODE: 'live', MAX_DAILY_LOSS_PCT: 'abc' });
    expect(e.problems.map((p) => p.variable)).toEqual(['MAX_DAILY_LOSS_PCT', 'TRADER_MODE', 'TRADER_LIVE_CONFIRM']);
    expect(e.problems[2]).toEqual({ variable: 'TRADER_LIVE_CONFIRM', problem: 'must be "yes" when TRADER_MODE=live', expected: 'TRADER_LIVE_CONFIRM=yes to trade real money' });
    // A field whose own check is custom (a transform) hides nothing either.
    const g = problems({ TRADER_MODE: 'live', BRAIN_PRICES_JSON: '{not json' });
    expect(g.problems.map((p) => p.variable)).toEqual(['BRAIN_PRICES_JSON', 'TRADER_MODE', 'TRADER_LIVE_CONFIRM']);
    // TRADER_MODE itself is invalid: nothing is inferred from it, the other pairs are still checked.
    const f = problems({ TRADER_MODE: 'bogus', APCA_API_KEY_ID: 'AKSECRET123', BRAIN: 'claude' });
    expect(f.problems.map((p) => p.variable)).toEqual(['TRADER_MODE', 'APCA_API_SECRET_KEY', 'BRAIN']);
    expect(formatConfigError(f)).not.toContain('AKSECRET123');
  });

  it('names every problem at once, with what is expected', () => {
    const e = problems({
      TRADER_MODE: 'paperish',
      SIM_SEED: 'abc',
      JOURNAL_MAX_BYTES: '5',
      RISK_MAX_SIZE_PCT: '2',
      WATCHLIST_STATIC: 'AAPL,not a symbol',
      LOG_LEVEL: 'loud',
      HEALTHCHECK_URL: 'nope',
      SIM_SLIPPAGE_BPS: '-1',
    });
    const vars = e.problems.map((p) => p.variable).sort();
    expect(vars).toEqual(['HEALTHCHECK_URL', 'JOURNAL_MAX_BYTES', 'LOG_LEVEL', 'RISK_MAX_SIZE_PCT', 'SIM_SEED', 'SIM_SLIPPAGE_BPS', 'TRADER_MODE', 'WATCHLIST_STATIC']);
    for (const p of e.problems) {
      expect(p.problem.length).toBeGreaterThan(0);
      expect(p.expected.length).toBeGreaterThan(0);
    }
    expect(e.problems.find((p) => p.variable === 'TRADER_MODE')!.expected).toContain('"sim"');
    expect(formatConfigError(e)).toContain('TRADER_MODE');
  });

  it('paper without keys and a lone key are errors', () => {
    expect(problems({ TRADER_MODE: 'paper' }).problems.map((p) => p.variable)).toEqual(['TRADER_MODE']);
    expect(problems({ APCA_API_KEY_ID: 'k' }).problems.map((p) => p.variable)).toContain('APCA_API_SECRET_KEY');
  });

  it('never prints a secret value', () => {
    const secret = 'sk-SUPER-SECRET-123';
    const e = problems({ APCA_API_KEY_ID: secret, TRADER_MODE: 'live', HEALTHCHECK_URL: `not a url ${secret}` });
    const text = formatConfigError(e) + JSON.stringify(e.problems) + e.message;
    expect(text).not.toContain(secret);
  });
});
