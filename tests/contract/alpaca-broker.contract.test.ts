import { alpacaHarness } from '../alpaca/harness.js';
import { brokerContract } from './broker.contract.js';

/** The Broker contract on the Alpaca adapter, over the loopback fake Alpaca (real SDK, real HTTP). */
brokerContract('alpaca (fake server)', async () => {
  const h = await alpacaHarness();
  h.fake.setSymbol('FAKEX', { daily: [{ date: '2026-11-19', o: 50, h: 50.5, l: 49.5, c: 50, v: 1_000_000 }], price: 50 });
  return {
    broker: h.broker,
    symbol: 'FAKEX',
    price: 50,
    advance: async () => {
      h.clock.advance(5 * 60_000);
      h.fake.advance();
    },
    close: () => h.close(),
  };
});
