import { withStoredDailyBars } from '../../src/adapters/stored-bars/daily-bars.js';
import { nyTime } from '../../src/core/time/ny.js';
import { alpacaHarness, TEST_DATE } from '../alpaca/harness.js';
import { marketDataContract } from './market-data.contract.js';

/** The MarketData contract on the Alpaca adapter behind the daily-bar store (the paper/live composition). */
marketDataContract('alpaca behind the daily-bar store (fake server)', async () => {
  const now = nyTime(TEST_DATE, '11:00');
  const h = await alpacaHarness({ at: now, symbols: ['AAPL', 'MSFT', 'SPY'] });
  h.fake.addNews({ headline: 'AAPL beats', symbols: ['AAPL'], at: now - 3_600_000 });
  h.fake.addNews({ headline: 'MSFT ships', symbols: ['MSFT'], at: now - 2 * 86_400_000 });
  const market = withStoredDailyBars(h.market, { db: h.journal.db, calendar: h.calendar });
  return { market, known: ['AAPL', 'MSFT', 'SPY'], now, close: () => h.close() };
});
