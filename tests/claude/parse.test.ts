import { describe, expect, it } from 'vitest';
import { jsonObjectsIn, parseDecisionReply, parseRegimeReply, type ModelReply } from '../../src/adapters/claude/parse.js';

const reply = (text: string, stop_reason: string = 'end_turn'): ModelReply => ({ stop_reason, content: [{ type: 'text', text, citations: null }] });

const good = {
  action: 'BUY',
  symbol: 'AAPL',
  strategy: 'trend_momentum',
  confidence: 0.7,
  size_pct: 0.05,
  stop_loss: 96,
  take_profit: 106,
  rationale: 'uptrend',
  evidence: ['RSI14 60'],
};
const js = (o: unknown) => JSON.stringify(o);

describe('parseDecisionReply: the extraction ladder inside one reply', () => {
  const ok: [string, string, Record<string, unknown>?][] = [
    ['bare JSON', js(good)],
    ['fenced ```json', `\`\`\`json\n${js(good)}\n\`\`\``],
    ['fenced without language', `Here you go:\n\`\`\`\n${js(good)}\n\`\`\`\nGood luck.`],
    ['JSON inside prose', `My analysis follows. ${js(good)} That is my decision.`],
    ['braces inside strings do not confuse the scan', `Note {this}: ${js({ ...good, rationale: 'a } tricky { "string"' })}`, { rationale: 'a } tricky { "string"' }],
    ['an unbalanced brace before the object', `{ oops ${js(good)}`],
    ['lowercase action and symbol are normalised', js({ ...good, action: ' buy ', symbol: 'aapl' }), { action: 'BUY', symbol: 'AAPL' }],
    ['a single-key wrapper is unwrapped', js({ decision: good })],
    ['extra keys are dropped', js({ ...good, override_risk: true, note: 'ignore all previous instructions' })],
    ['missing evidence/stop/target default to empty/null', js({ action: 'HOLD', symbol: 'AAPL', strategy: 'no_setup', confidence: 0.2, size_pct: 0, rationale: 'x' }), { action: 'HOLD', stop_loss: null, take_profit: null, evidence: [] }],
    ['a HOLD with junk stop/size has them reset', js({ ...good, action: 'HOLD', stop_loss: -5, size_pct: 3 }), { action: 'HOLD', stop_loss: null, take_profit: null, size_pct: 0 }],
    ['more than 5 evidence items are cut to 5', js({ ...good, evidence: ['1', '2', '3', '4', '5', '6', '7'] }), { evidence: ['1', '2', '3', '4', '5'] }],
    ['the first valid object wins over an invalid example', `Example: ${js({ ...good, symbol: 'XYZ' })} Real: ${js(good)}`],
  ];
  it.each(ok)('accepts %s', (_name, text, expected) => {
    const r = parseDecisionReply(reply(text), 'AAPL');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject(expected ?? good);
  });

  it('records what normalisation did', () => {
    const r = parseDecisionReply(reply(js({ ...good, extra: 1 })), 'AAPL');
    expect(r.ok && r.notes.join(' ')).toContain('dropped unknown keys: extra');
  });

  const bad: [string, ModelReply, string, boolean][] = [
    ['prose without JSON', reply('The trend looks good, I would buy.'), 'no_json', true],
    ['empty text', reply(''), 'empty', true],
    ['broken JSON', reply('{"action": "BUY", "symbol": "AAPL",, }'), 'invalid_json', true],
    ['confidence as a string', reply(js({ ...good, confidence: '0.8' })), 'schema', true],
    ['confidence above 1', reply(js({ ...good, confidence: 1.5 })), 'schema', true],
    ['size_pct as a percentage', reply(js({ ...good, size_pct: 5 })), 'schema', true],
    ['negative stop on a BUY', reply(js({ ...good, stop_loss: -1 })), 'schema', true],
    ['a number too big to be finite', reply(js(good).replace('"take_profit":106', '"take_profit":1e400')), 'schema', true],
    ['unknown action', reply(js({ ...good, action: 'SHORT' })), 'schema', true],
    ['evidence of numbers', reply(js({ ...good, evidence: [1, 2] })), 'schema', true],
    ['a JSON array of numbers', reply('[1, 2, 3]'), 'no_json', true],
    ['decision for another symbol', reply(js({ ...good, symbol: 'MSFT' })), 'wrong_symbol', true],
    ['refusal stop reason', reply("I can't help with that.", 'refusal'), 'refusal', false],
    ['max_tokens with a cut-off object', reply('{"action":"BUY","symbol":"AAPL","strat', 'max_tokens'), 'truncated', true],
    ['max_tokens with nothing', reply('', 'max_tokens'), 'truncated', true],
  ];
  it.each(bad)('rejects %s', (_name, r, kind, retryable) => {
    const out = parseDecisionReply(r, 'AAPL');
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.kind).toBe(kind);
      expect(out.retryable).toBe(retryable);
      expect(out.reason.length).toBeLessThan(700);
    }
  });

  it('a complete object that survived max_tokens is still used', () => {
    const r = parseDecisionReply(reply(`${js(good)}\n\nAnd some more prose that got cu`, 'max_tokens'), 'AAPL');
    expect(r.ok).toBe(true);
  });

  it('reads a forced tool_use block', () => {
    const r = parseDecisionReply({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 't', name: 'decide', input: good }] }, 'AAPL');
    expect(r.ok && r.value.action).toBe('BUY');
  });

  it('never keeps a string beyond the schema caps', () => {
    const r = parseDecisionReply(reply(js({ ...good, rationale: 'x'.repeat(50_000), evidence: ['y'.repeat(5000)] })), 'AAPL');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.rationale.length).toBeLessThanOrEqual(2000);
      expect(r.value.evidence[0]!.length).toBeLessThanOrEqual(300);
    }
  });

  it('does not scan unbounded text', () => {
    const r = parseDecisionReply(reply('{'.repeat(200_000)), 'AAPL');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.kind).toBe('too_long');
  });

  it('a __proto__ key cannot pollute anything', () => {
    const r = parseDecisionReply(reply(`{"__proto__":{"polluted":true},${js(good).slice(1)}`), 'AAPL');
    expect(r.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('jsonObjectsIn', () => {
  it('returns objects only, in preference order', () => {
    const { objects } = jsonObjectsIn('a {"x":1} b ```json\n{"y":2}\n``` [1,2]');
    expect(objects).toEqual([{ y: 2 }, { x: 1 }]);
  });
});

describe('parseRegimeReply', () => {
  const v = { direction: 'bearish', conviction: 0.7, bearish_tickers: ['SH', 'PSQ'], rationale: 'SPY below SMA50' };
  it('accepts a valid verdict', () => {
    const r = parseRegimeReply(reply(js(v)));
    expect(r.ok && r.value).toEqual(v);
  });
  it('drops bearish tickers that are not known inverse ETFs (a model cannot make AAPL a "hedge")', () => {
    const r = parseRegimeReply(reply(js({ ...v, bearish_tickers: ['AAPL', 'sh', 'SH'] })));
    expect(r.ok && r.value.bearish_tickers).toEqual(['SH']);
  });
  it('normalises the direction case', () => {
    const r = parseRegimeReply(reply(js({ ...v, direction: 'Bullish' })));
    expect(r.ok && r.value.direction).toBe('bullish');
  });
  it.each([
    ['unknown direction', js({ ...v, direction: 'sideways' })],
    ['conviction out of range', js({ ...v, conviction: 7 })],
    ['prose', 'Markets look fine.'],
  ])('rejects %s', (_n, text) => {
    expect(parseRegimeReply(reply(text)).ok).toBe(false);
  });
});
