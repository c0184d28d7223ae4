// Worker threads start with the parent's process.execArgv, and Node refuses to start a worker
// with flags that only make sense for the main script (`node --input-type=module -e '…'`
// fails with "--input-type can only be used with string input"). Those are dropped; the flags
// that shape how code runs (--import, --require, --conditions, --experimental-*,
// --max-old-space-size, --stack-size, …) are kept, so a worker loads code the way its parent does.

/** Flags about the main script, the test runner, the watcher or the inspector. */
const MAIN_ONLY = /^(--input-type|--eval|-e|--print|-p|--check|-c|--interactive|-i|--test|--experimental-test|--watch|--inspect|--debug|--run$|--env-file)/;

/** Of those, the ones that take their value as the next argument when written without `=`. */
const TAKES_VALUE = new Set([
  '--input-type',
  '--eval',
  '-e',
  '--print',
  '-p',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-name-pattern',
  '--test-skip-pattern',
  '--test-concurrency',
  '--test-timeout',
  '--test-shard',
  '--test-isolation',
  '--test-coverage-include',
  '--test-coverage-exclude',
  '--test-coverage-branches',
  '--test-coverage-functions',
  '--test-coverage-lines',
  '--test-global-setup',
  '--watch-path',
  '--inspect-port',
  '--debug-port',
  '--run',
  '--env-file',
  '--env-file-if-exists',
]);

export function workerExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i] as string;
    if (!MAIN_ONLY.test(flag)) {
      kept.push(flag);
      continue;
    }
    if (!flag.includes('=') && TAKES_VALUE.has(flag)) i++;
  }
  return kept;
}
