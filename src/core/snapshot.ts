/**
 * Snapshot assembly: what the brain sees for one symbol at one moment. The parts live in
 * ./snapshot/: build (assembly, data quality, live fields, portfolio, enrichment), json (stable
 * key order, size bound, the logic_json excerpt), sanitize (untrusted market text), settings.
 */
export { buildSnapshot, prepareSymbol, NO_ENRICHMENT, type EnrichmentInputs, type PreparedSymbol, type SnapshotInputs } from './snapshot/build.js';
export { boundSnapshot, canonicalize, snapshotExcerpt, snapshotForBrain, utf8Bytes, type BoundedJson } from './snapshot/json.js';
export { sanitizeLabel, sanitizeText } from './snapshot/sanitize.js';
export { DEFAULT_SNAPSHOT_SETTINGS, snapshotSettings, type SnapshotSettings } from './snapshot/settings.js';
