import { loadCsvFeed } from '../adapters/sim/csv.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { createSyntheticFeed } from '../adapters/sim/synthetic.js';
import type { Config } from '../config.js';

/** The simulator's prices from config: the CSV directory (SIM_DATA_DIR) when set, else the seeded synthetic market through `through` (YYYY-MM-DD). */
export function simFeedFromConfig(config: Config, through: string): PriceFeed {
  return config.sim.dataDir ? loadCsvFeed(config.sim.dataDir) : createSyntheticFeed({ seed: config.sim.seed, through });
}

/** The simulated account and fill model from config (SIM_STARTING_CASH, SIM_SLIPPAGE_BPS, SIM_COMMISSION_*). */
export function simAccountFromConfig(config: Config) {
  return {
    startingCash: config.sim.startingCash,
    slippageBps: config.sim.slippageBps,
    commissionPerShare: config.sim.commissionPerShare,
    commissionMin: config.sim.commissionMin,
  } as const;
}
