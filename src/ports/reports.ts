/** Where generated reports go (EOD digests, ...). Adapter: files under REPORTS_DIR. */
export interface ReportStore {
  /**
   * Writes (replaces) a report atomically: readers see the old file or the new one, never half.
   * `path` is relative to the reports root, "/"-separated, e.g. "eod/2026-11-20.md". Returns where it went.
   */
  write(path: string, content: string): string;
}
