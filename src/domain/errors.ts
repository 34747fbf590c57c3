/** Typed errors, sorted into retryable and fatal. Expected outcomes are values, not errors. */

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    message: string,
    readonly code: 'rejected' | 'insufficient_buying_power' | 'insufficient_qty' | 'duplicate_client_order_id' | 'not_found' | 'unavailable' | 'timeout',
    readonly retryable: boolean,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; problem: string; expected: string }[]) {
    super(`invalid configuration: ${problems.map((p) => p.variable).join(', ')}`);
  }
}
