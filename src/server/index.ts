// The HTTP host's public API; src/index.ts re-exports it.
export { serve, type ServeOptions, type OffloadServer } from './server.js';
export { exitOnSignals, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './lifecycle.js';
export { readServeConfig, parseServeConfig, type ServeConfig, type PackageConfig, type RuntimeLimits } from './config.js';
export { RETRY_AFTER_SECONDS } from './error-status.js';
