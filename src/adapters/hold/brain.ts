import { holdDecision } from '../../domain/decision.js';
import type { Brain } from '../../ports/brain.js';

/**
 * The do-nothing brain: every decision is HOLD, no model, no key. The baseline an A/B backtest
 * compares the other brains with ("is it better than doing nothing?"): it runs through the same
 * pipeline, risk policy and fill model, so its equity is the starting cash, unchanged.
 */
export function createHoldBrain(): Brain {
  return {
    name: 'hold',
    decide: async (snapshot) => ({
      decision: holdDecision(snapshot.symbol, 'hold_baseline', 'HOLD: the hold brain never trades'),
      raw: { brain: 'hold' },
      brain: 'hold',
      promptVersion: 'hold-v1',
      usage: [],
    }),
    regime: async (inputs) => ({
      verdict: { direction: 'neutral', conviction: 0, bearish_tickers: [], rationale: 'hold brain: no regime view', source: 'hold', cached: false, as_of: inputs.as_of },
      usage: [],
    }),
  };
}
