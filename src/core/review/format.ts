/** Number formatting for review text: fixed, locale-independent, so reports are byte-stable. */

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function money(x: number | null): string {
  if (x === null) return 'n/a';
  const a = Math.abs(x).toFixed(2);
  const [i, f] = a.split('.');
  return `${x < 0 && Number(a) !== 0 ? '-' : ''}$${group(i!)}.${f!}`;
}

export function signedMoney(x: number | null): string {
  if (x === null) return 'n/a';
  return `${x > 0 ? '+' : ''}${money(x)}`;
}

/** A fraction as a signed percent: 0.0123 -> "+1.23%". */
export function pct(x: number | null, digits = 2): string {
  if (x === null) return 'n/a';
  const v = (x * 100).toFixed(digits);
  return `${x > 0 && Number(v) !== 0 ? '+' : ''}${Number(v) === 0 ? (0).toFixed(digits) : v}%`;
}

/** A fraction as an unsigned percent: 0.5 -> "50.0%". */
export function share(x: number | null, digits = 1): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
}

export function num(x: number | null, digits = 2): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

export function usd(x: number): string {
  return `$${x.toFixed(4)}`;
}

export function int(x: number | null): string {
  return x === null ? 'n/a' : group(String(Math.round(x)));
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
