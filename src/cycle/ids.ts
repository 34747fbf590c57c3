/** Cycle id from the market time it is about, to the minute: c20261120T1500Z. Same slot -> same id. */
export function cycleIdFor(asOf: number): string {
  const iso = new Date(asOf).toISOString();
  return `c${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

export function tradeIdFor(cycleId: string, symbol: string): string {
  return `${cycleId}:${symbol}`;
}
