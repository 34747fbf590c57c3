import { statsOnlyReview } from '../../core/review/observations.js';
import type { ReviewInput, ReviewOutput, Reviewer } from '../../ports/reviewer.js';

/**
 * The reviewer without a model (no ANTHROPIC_API_KEY): no call, no cost, no feedback. The
 * critique is the automatic observations computed from the metrics, and the output is marked
 * stats_only so the report says so and TRADER_FEEDBACK.md is left alone.
 */
export function createStatsOnlyReviewer(note = 'ANTHROPIC_API_KEY is not set, so no review model was called.'): Reviewer {
  return {
    name: 'stats-only',
    review: async (input: ReviewInput): Promise<ReviewOutput> => statsOnlyReview(input.metrics, note),
  };
}
