import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { Bar } from '../../src/domain/market.js';
import { brokerContract } from './broker.contract.js';

const DATE = '2026-06-01';

function flatMinutes(date: string, price: number): Bar[] {
  const out: Bar[] = [];
  const open = nyTime(date, '09:30');
  for (let i = 0; i < 390; i++) {
    const t = open + i * 60_000;
    const o = price + (i % 2 === 0 ? 0.02 : -0.02);
    out.push({ t, end: t + 60_000, o, h: o + 0.05, l: o - 0.05, c: price, v: 1000 });
  }
  return out;
}

brokerContract('sim', () => {
  const feed = createArrayFeed({ minute: new Map([['SIMX', flatMinutes(DATE, 50)]]), sessions: nyseSessions(DATE, '2026-06-05') });
  const clock = createSimClock(nyTime(DATE, '10:00') + 15_000);
  const broker = createSimBroker({ feed, clock, startingCash: 100_000, slippageBps: 5, commissionPerShare: 0, commissionMin: 0 });
  return {
    broker,
    symbol: 'SIMX',
    price: 50,
    advance: async () => clock.set(clock.now() + 5 * 60_000),
  };
});
