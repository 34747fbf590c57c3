import { z } from 'zod';

/** zod schemas for every query parameter and path segment the viewer accepts. */

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const symbolParam = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .max(16, 'at most 16 characters')
    .regex(/^[A-Za-z0-9.\-]+$/, 'letters, digits, "." and "-" only')
    .transform((s) => s.toUpperCase())
    .optional(),
);

export const actionParam = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toUpperCase()) : v),
  z.enum(['BUY', 'SELL', 'HOLD'], { message: 'one of BUY, SELL, HOLD' }).optional(),
);

const cursor = z.preprocess(
  blankToUndefined,
  z.coerce.number({ message: 'a page cursor (positive whole number)' }).int('a page cursor (positive whole number)').positive('a page cursor (positive whole number)').max(Number.MAX_SAFE_INTEGER).optional(),
);

const limit = (def: number, max: number) =>
  z.preprocess(blankToUndefined, z.coerce.number({ message: `a whole number from 1 to ${max}` }).int(`a whole number from 1 to ${max}`).min(1, `at least 1`).max(max, `at most ${max}`).default(def));

/** Tokens are accepted on any route and checked by the guard; they are not a validation error. */
const token = z.string().optional();

export const indexQuery = z
  .object({ symbol: symbolParam, action: actionParam, before: cursor, after: cursor, limit: limit(50, 200), token })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'use before or after, not both', path: ['before'] });

export const apiCyclesQuery = z
  .object({ symbol: symbolParam, action: actionParam, before: cursor, after: cursor, limit: limit(50, 500), token })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'use before or after, not both', path: ['before'] });

/** `before` is either a cursor from a previous page (`next_before`) or an ISO instant. */
const tradesBefore = z.preprocess(
  blankToUndefined,
  z
    .union([
      z.string().regex(/^\d{1,15}$/).transform((s) => ({ cursor: Number(s) }) as { cursor?: number; asOf?: string }),
      z.iso.datetime({ offset: true }).transform((s) => ({ asOf: new Date(s).toISOString() }) as { cursor?: number; asOf?: string }),
    ], { message: 'a cursor from next_before or an ISO date-time' })
    .optional(),
);

export const apiTradesQuery = z
  .object({
    symbol: symbolParam,
    action: actionParam,
    limit: limit(50, 500),
    before: tradesBefore,
    logic: z.preprocess(blankToUndefined, z.enum(['0', '1', 'true', 'false']).optional()).transform((v) => v === '1' || v === 'true'),
    token,
  })
  .strict();

/** Cycle ids are generated (c20261120T1500Z) or chosen by a backtest; anything else is not a cycle. */
export const cycleIdParam = z
  .string()
  .min(1)
  .max(128, 'at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]*$/, 'letters, digits, ":", ".", "_" and "-" only');

export const rawQuery = z
  .object({ raw: z.preprocess(blankToUndefined, z.enum(['0', '1']).optional()), token })
  .strict();

export const tokenOnlyQuery = z.object({ token }).strict();

export interface Problem {
  readonly field: string;
  readonly problem: string;
}

export function problemsOf(e: z.ZodError): Problem[] {
  return e.issues.map((i) => {
    let problem = i.message;
    if (i.code === 'unrecognized_keys') problem = `unknown parameter${i.keys.length === 1 ? '' : 's'}: ${i.keys.join(', ')}`;
    return { field: i.path.length > 0 ? i.path.map(String).join('.') : '(query)', problem };
  });
}

/** Flattens a URL's query; the first value of a repeated key wins. */
export function queryObject(url: string): Record<string, string> {
  // A null-prototype object, so keys like "__proto__" or "constructor" are plain (unknown) keys.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of new URL(url).searchParams) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}
