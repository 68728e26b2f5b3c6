/** The bridge's defaults, each one row of the configuration table in docs/bridge.md (a test compares them). */
export const BRIDGE_DEFAULTS = {
  /** Per-IQ deadline, retry included: longer than the Lambda's 10 s timeout, so that the Lambda's answer wins the race. */
  timeoutMs: 15_000,
  /** IQs waiting for the endpoint at once; one more is answered `wait`/`resource-constraint` at once. */
  maxInFlight: 64,
  /** How long disco#info/#items results are reused; 0 asks the endpoint every time. */
  discoCacheSeconds: 60,
} as const;
