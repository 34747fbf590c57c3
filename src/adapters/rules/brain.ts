import type { Brain } from '../../ports/brain.js';
import { rulesDecide, RULES_PROMPT_VERSION } from './decide.js';
import { rulesRegime } from './regime.js';

/** The deterministic brain: no key, no network, same input -> same decision. */
export function createRulesBrain(): Brain {
  return {
    name: 'rules',
    decide: async (snapshot) => {
      const { decision, trace } = rulesDecide(snapshot);
      return { decision, raw: trace, brain: 'rules', promptVersion: RULES_PROMPT_VERSION, usage: [] };
    },
    regime: async (inputs) => ({ verdict: rulesRegime(inputs), usage: [] }),
  };
}
