import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { createSyntheticFeed } from '../../src/adapters/sim/synthetic.js';
import { nyTime } from '../../src/core/time/ny.js';
import { marketDataContract } from './market-data.contract.js';

const DATE = '2026-11-20';
const feed = createSyntheticFeed({ seed: 42, through: DATE, epoch: '2025-06-02', symbols: ['AAPL', 'MSFT', 'SPY'] });

marketDataContract('sim (synthetic feed)', () => {
  const now = nyTime(DATE, '11:00');
  return { market: createSimMarketData({ feed, clock: createSimClock(now) }), known: ['AAPL', 'MSFT', 'SPY'], now };
});
