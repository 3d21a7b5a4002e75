// The one error a bad setting raises: it names the variable and what it expects, so a failed
// start says in one line what to fix. Secrets are shown as <redacted>, never echoed.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expectation: string,
    received: string,
  ) {
    super(`Invalid configuration: ${variable} must be ${expectation} (got ${JSON.stringify(received)})`);
    this.name = 'ConfigError';
  }
}
