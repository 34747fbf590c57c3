import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { createAlpacaWorld, createSimWorld, openJournal, positionHealthDeps } from '../app/compose.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { clearHalt, effectiveBreakers, RISK_KEYS, tightenBreakers, type BreakerState } from '../core/risk/state.js';
import { runPositionHealth } from '../jobs/position-health.js';
import { createLogger } from '../log.js';
import { isoArg, parseCli } from './args.js';

const USAGE = `
npm run health [-- --force] [--as-of ISO] [--clear-halt] [--tighten-daily-loss F] [--tighten-drawdown F]

Runs the position-health job once and exits: bracket leg fills since the last run, session
risk (equity peak, giveback flag, circuit breakers; a daily-loss breach flattens the book
once and persists a HALT until New York midnight), trail giveback exits, and one JSON log
line with every open position. Regular trading hours only, unless --force. No model call.
TRADER_MODE=sim runs on the embedded simulator (no keys needed); paper and live on Alpaca.
Exit: 0 ok or skipped, 1 when an automated exit failed, 2 on bad configuration or flags.

  --force                  run even when the market is closed
  --as-of ISO              simulator only: the market time to run at, e.g. 2026-11-20T15:00:00Z
                           (must not be earlier than the simulator's persisted state)
  --clear-halt             lift the persisted HALT now (operator decision), then run
  --tighten-daily-loss F   lower MAX_DAILY_LOSS_PCT at runtime to F (e.g. 0.02); never raises it
  --tighten-drawdown F     lower MAX_SESSION_DRAWDOWN_PCT at runtime to F; never raises it
  -h, --help               this text
`;

const { values } = parseCli(USAGE, {
  force: { type: 'boolean' },
  'as-of': { type: 'string' },
  'clear-halt': { type: 'boolean' },
  'tighten-daily-loss': { type: 'string' },
  'tighten-drawdown': { type: 'string' },
});
const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock: wallClock });

function fraction(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0 || x >= 1) {
    process.stderr.write(`${flag}: expected a fraction between 0 and 1, e.g. 0.02; got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return x;
}

async function main(): Promise<number> {
  const asOfArg = isoArg('--as-of', values['as-of']);
  if (asOfArg !== undefined && config.mode !== 'sim') {
    process.stderr.write(`--as-of is for the simulator only (TRADER_MODE=${config.mode} runs now)\n`);
    return 2;
  }
  const tightenLoss = fraction('--tighten-daily-loss', values['tighten-daily-loss']);
  const tightenDd = fraction('--tighten-drawdown', values['tighten-drawdown']);
  const asOf = asOfArg ?? wallClock.now();
  const journal = openJournal(config, wallClock, config.mode);
  try {
    if (tightenLoss !== undefined || tightenDd !== undefined) {
      const current = effectiveBreakers(config.risk, journal.getRiskState<BreakerState>(RISK_KEYS.breaker), asOf).policy;
      const r = tightenBreakers(current, { ...(tightenLoss !== undefined ? { maxDailyLossPct: tightenLoss } : {}), ...(tightenDd !== undefined ? { maxSessionDrawdownPct: tightenDd } : {}) }, asOf);
      if (!r.ok) {
        process.stderr.write(`refused: ${r.problems.join('; ')}\n`);
        return 2;
      }
      journal.setRiskState(RISK_KEYS.breaker, r.next);
      log.warn('circuit breaker tightened', { max_daily_loss_pct: r.next.maxDailyLossPct, max_session_drawdown_pct: r.next.maxSessionDrawdownPct });
    }
    if (values['clear-halt']) {
      const h = clearHalt(journal);
      log.warn(h ? 'HALT cleared by the operator' : 'no HALT to clear', h ? { rule: h.rule, was_until: h.until_ny } : {});
    }
    const clock = config.mode === 'sim' ? createSimClock(asOf) : wallClock;
    const world = config.mode === 'sim' ? createSimWorld(config, clock, journal) : createAlpacaWorld(config, { clock, journal, log });
    const deps = positionHealthDeps({ config, mode: config.mode, ...('calendar' in world ? { calendar: world.calendar } : {}), broker: world.broker, journal, log });
    const r = await runPositionHealth(deps, asOf, { force: values.force ?? false });
    if (r.status === 'skipped') log.info('position health skipped', { run_id: r.runId, as_of: r.asOf, reason: r.reason, hint: 'outside regular trading hours; --force runs anyway' });
    const trail = r.exits.filter((x) => x.exitKind === 'trail_giveback').length;
    log.info('position health summary', {
      run_id: r.runId,
      status: r.status,
      positions: r.positions.length,
      leg_fills: r.legFills,
      trail_exits: trail,
      flatten_exits: r.exits.length - trail,
      giveback_halt: r.givebackHalt,
      halt: r.halt ? { rule: r.halt.rule, until: r.halt.until_ny } : null,
      ...(r.errors.length > 0 ? { errors: r.errors } : {}),
    });
    return r.status === 'failed' ? 1 : 0;
  } finally {
    journal.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
