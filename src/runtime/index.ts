// The runtime's public API; src/index.ts re-exports it.
export { load, type LoadOptions } from './load.js';
export { transfer } from './transfer.js';
export type { Offloaded, Remote, RemoteClass, CallOptions, OffloadControls, Promisified } from './proxy.js';
export type { MetricsSnapshot, FunctionMetrics, PoolMetrics } from './metrics.js';
export type { HistogramSnapshot } from './histogram.js';
export { DEFAULT_BUCKETS_MS } from './histogram.js';
export {
  OffloadError,
  OffloadCallError,
  OffloadTimeoutError,
  OffloadTrapError,
  OffloadMemoryError,
  OffloadQueueFullError,
  OffloadQueueTimeoutError,
  OffloadClosedError,
  OffloadBadArgumentError,
  OffloadGuestError,
  OffloadResultTooLargeError,
  OffloadInstanceLostError,
  OffloadWorkerCrashedError,
  OffloadLoadError,
  OffloadEngineFeatureError,
  type OffloadErrorCode,
  type TrapKind,
} from './errors.js';
