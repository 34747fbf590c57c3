import { z } from 'zod';

/** The decision schema every brain must produce; validated wherever a decision crosses a boundary. */
export const decisionSchema = z
  .object({
    action: z.enum(['BUY', 'SELL', 'HOLD']),
    symbol: z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/),
    strategy: z.string().min(1).max(64),
    confidence: z.number().finite().min(0).max(1),
    size_pct: z.number().finite().min(0).max(1),
    stop_loss: z.number().finite().positive().nullable(),
    take_profit: z.number().finite().positive().nullable(),
    rationale: z.string().max(2000),
    evidence: z.array(z.string().max(300)).max(5),
  })
  .strict();
