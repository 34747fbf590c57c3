import type { Decision } from '../../src/domain/decision.js';
import { holdDecision } from '../../src/domain/decision.js';
import type { Brain } from '../../src/ports/brain.js';
import { rulesRegime } from '../../src/adapters/rules/regime.js';

/**
 * A brain that answers from a script: per symbol a decision, or an Error to throw.
 * Symbols not in the script HOLD. It is a real Brain implementation, not a mock.
 */
export function createScriptedBrain(script: Record<string, Partial<Decision> | Error>): Brain & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'scripted',
    calls,
    decide: async (s) => {
      calls.push(s.symbol);
      const entry = script[s.symbol];
      if (entry instanceof Error) throw entry;
      const decision: Decision = entry
        ? { action: 'BUY', symbol: s.symbol, strategy: 'scripted', confidence: 0.9, size_pct: 0.05, stop_loss: null, take_profit: null, rationale: 'scripted', evidence: [], ...entry }
        : holdDecision(s.symbol, 'scripted', 'not in script');
      return { decision, raw: { scripted: true }, brain: 'scripted', promptVersion: 'test-1', usage: [] };
    },
    regime: async (inputs) => ({ verdict: rulesRegime(inputs), usage: [] }),
  };
}
