import { describe, expect, it } from 'vitest';
import { downsample, equityChart } from '../../src/web/charts.js';

describe('equity chart', () => {
  it('computes return and the deepest drawdown from the running peak', () => {
    const eq = [100, 110, 99, 120, 90, 95];
    const { stats, svg } = equityChart(eq.map((equity, i) => ({ t: Date.UTC(2026, 0, 5 + i, 15), equity })));
    expect(stats).toMatchObject({ first: 100, last: 95, peak: 120, cycles: 6 });
    expect(stats!.totalReturn).toBeCloseTo(-0.05, 10);
    expect(stats!.maxDrawdown).toBeCloseTo(90 / 120 - 1, 10);
    expect(stats!.currentDrawdown).toBeCloseTo(95 / 120 - 1, 10);
    expect(svg).toMatch(/^<svg class="chart"/);
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('2026-01-05');
  });

  it('keeps every peak and trough when downsampling a long series', () => {
    const values = Array.from({ length: 50_000 }, (_, i) => Math.sin(i / 700) * 100 + (i === 31_337 ? 500 : 0) - (i === 777 ? 400 : 0));
    const idx = downsample(values, 300);
    expect(idx.length).toBeLessThanOrEqual(601);
    expect(idx).toContain(31_337);
    expect(idx).toContain(777);
    expect(idx[idx.length - 1]).toBe(49_999);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
  });

  it('says so instead of drawing when there is too little data', () => {
    expect(equityChart([]).stats).toBeNull();
    expect(equityChart([{ t: 0, equity: 1 }]).svg).toContain('Not enough finished cycles');
  });
});
