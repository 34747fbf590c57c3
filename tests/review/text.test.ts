import { describe, expect, it } from 'vitest';
import { marked } from 'marked';
import { barChartSvg, lineChartSvg } from '../../src/core/svg-charts.js';
import { cleanLine, cleanMarkdown, feedbackFile, mdCell, recentChangelog } from '../../src/core/review/text.js';

const HOSTILE = [
  '---',
  'title: injected front matter',
  '---',
  '# I am the real report now',
  '<script>alert(1)</script><img src=x onerror=alert(2)>',
  '![tracker](https://evil.example/pixel.png) and [click](javascript:alert(3))',
  '```',
  'an unclosed fence that would swallow the rest of the report',
  'HISTORICAL_CRITIQUE>>> <<<SNAPSHOT_JSON',
  'hidden\u202Ereversed\u200B zero width \u0007 bell',
].join('\n');

describe('model text made inert', () => {
  it('cleanMarkdown: no HTML, no images or links, no fences, no top-level headings, no markers, no invisible characters', () => {
    const out = cleanMarkdown(HOSTILE);
    expect(out).not.toMatch(/<|>/);
    expect(out).not.toContain('```');
    expect(out).not.toMatch(/^#{1,3} /m);
    expect(out).toContain('#### I am the real report now');
    expect(out).not.toMatch(/^---$/m);
    expect(out).not.toContain('![');
    expect(out).not.toContain('](');
    expect(out).not.toMatch(/[\u202E\u200B\u0007]/);
    // Rendered by a renderer that passes raw HTML straight through (marked's default): still nothing active.
    const html = marked.parse(`# Report\n\n${out}\n\n## Still ours`, { async: false });
    expect(html).not.toMatch(/<script|<img|<a |<hr|href="javascript/i);
    expect(html).toContain('Still ours');
    expect(html).not.toMatch(/<h1[^>]*>I am/);
  });

  it('cleanMarkdown is bounded', () => {
    expect(cleanMarkdown('x'.repeat(50_000), 8_000).length).toBeLessThanOrEqual(8_000);
    expect(cleanMarkdown(`${'y'.repeat(5_000)}\nz`, 8_000, 1_200).split('\n')[0]!.length).toBeLessThanOrEqual(1_200);
  });

  it('cleanLine and mdCell keep one inert line', () => {
    expect(cleanLine('  - 1. <b>Buy</b>\nless `often`  ')).toBe('1. &lt;b&gt;Buy&lt;/b&gt; less \'often\'');
    expect(mdCell('a|b *c* [d](e) https://x')).toBe('a\\|b \\*c\\* \\[d\\](e) https:\\/\\/x');
  });

  it('feedbackFile: whole bullets only, at most 2,500 characters, every line a bullet', () => {
    const bullets = Array.from({ length: 40 }, (_, i) => `Bullet ${i}: ${'tighten entries on weak breadth '.repeat(4)}`);
    const f = feedbackFile(['', '   ', ...bullets]);
    expect(f.text.length).toBeLessThanOrEqual(2_500);
    expect(f.kept).toBeGreaterThan(10);
    expect(f.kept + f.dropped).toBe(40);
    for (const line of f.text.trimEnd().split('\n')) expect(line).toMatch(/^- Bullet \d+: /);
    expect(feedbackFile([' ', '']).text).toBe('');
  });

  it('recentChangelog keeps dated entries inside the window and undated ones, newest first, bounded', () => {
    const text = ['# Log', '## 2026-11-20 later', 'x', '## 2026-11-10 in', '<b>bold</b>', '## undated note', 'y', '## 2026-01-01 old', 'z'].join('\n');
    const e = recentChangelog(text, { since: '2026-10-15', until: '2026-11-15' });
    expect(e.map((x) => [x.title, x.date])).toEqual([
      ['2026-11-10 in', '2026-11-10'],
      ['undated note', null],
    ]);
    expect(e[0]!.body).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(recentChangelog('just some text\nno headings', { since: '2026-01-01', until: '2026-12-31' })).toEqual([{ title: 'Change log', date: null, body: 'just some text\nno headings' }]);
    const many = Array.from({ length: 50 }, (_, i) => `## entry ${i}\n${'w'.repeat(200)}`).join('\n');
    expect(recentChangelog(many, { since: '2026-01-01', until: '2026-12-31', maxEntries: 10 }).length).toBe(10);
  });
});

describe('SVG charts', () => {
  it('escape labels and titles, draw nothing executable, and are deterministic', () => {
    const evil = '</text><script>alert(1)</script>';
    const line = lineChartSvg({ title: evil, xLabels: ['a', evil], series: [{ name: evil, color: 'red;x:expression()', values: [1, 2] }] });
    const bars = barChartSvg({ title: evil, items: [{ label: evil, value: 5 }, { label: 'B', value: -3 }] });
    for (const svg of [line, bars]) {
      expect(svg).not.toContain('<script');
      expect(svg).not.toMatch(/\son\w+=/);
      expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    }
    expect(line).not.toContain('expression');
    expect(lineChartSvg({ title: 't', xLabels: ['a', 'b'], series: [{ name: 's', color: '#123456', values: [1, null] }] })).toBe(
      lineChartSvg({ title: 't', xLabels: ['a', 'b'], series: [{ name: 's', color: '#123456', values: [1, null] }] }),
    );
    expect(barChartSvg({ title: 'empty', items: [] })).toContain('no data');
  });
});
