export type { Broker } from './broker.js';
export type { BarsRequest, MarketData, ScreenerRequest } from './market-data.js';
export type { Calendar, Clock, Timers } from './clock.js';
export type { Brain, RegimeResult } from './brain.js';
export type * from './journal.js';
export type * from './day-journal.js';
export type { ReportStore } from './reports.js';
