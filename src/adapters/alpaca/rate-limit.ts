import type { Clock } from '../../ports/clock.js';

/**
 * Token bucket on an injected clock. `perMinute` tokens refill evenly over a minute, at most
 * `burst` are banked. Over any 60 s window at most `burst + perMinute` requests start, so
 * perMinute 180 + burst 20 stays at or under Alpaca's 200 requests/minute.
 * Waiters are served in arrival order.
 */
export interface TokenBucket {
  acquire(): Promise<void>;
  /** Tokens available now (after refill), for tests and the doctor. */
  available(): number;
}

export interface TokenBucketOptions {
  readonly perMinute: number;
  readonly burst: number;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

export function createTokenBucket(opts: TokenBucketOptions): TokenBucket {
  if (!(opts.perMinute > 0) || !(opts.burst >= 1)) throw new RangeError('token bucket: perMinute must be > 0 and burst >= 1');
  const msPerToken = 60_000 / opts.perMinute;
  let tokens = opts.burst;
  let last = opts.clock.now();
  let queue: Promise<void> = Promise.resolve();

  const refill = () => {
    const now = opts.clock.now();
    if (now > last) {
      tokens = Math.min(opts.burst, tokens + (now - last) / msPerToken);
      last = now;
    }
  };

  const take = async () => {
    for (;;) {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await opts.sleep(Math.max(1, Math.ceil((1 - tokens) * msPerToken)));
    }
  };

  return {
    acquire() {
      const p = queue.then(take);
      queue = p.catch(() => undefined);
      return p;
    },
    available() {
      refill();
      return tokens;
    },
  };
}
