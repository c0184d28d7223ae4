// Worker threads start with the parent's process.execArgv, and Node refuses to start a worker
// with flags that only make sense for the main script (`node --input-type=module -e '…'`
// fails with "--input-type can only be used with string input"). Passing an explicit
// execArgv is no cure on its own: Node then validates every flag, and refuses per-process
// and V8 ones, which a test runner's child on Node 24 carries by the dozen
// (--node-snapshot, --stack-trace-limit, ...). So: when the parent has no main-only flag,
// Node's own inheritance is kept untouched; when it has one, the worker gets only the flags
// that shape how its code loads and runs, which Node accepts in workers.

/** Flags about the main script, the test runner, the watcher or the inspector. */
const MAIN_ONLY = /^(--input-type|--eval|-e|--print|-p|--check|-c|--interactive|-i|--test|--experimental-test|--watch|--inspect|--debug|--run$|--env-file)/;

/** Flags a worker needs to load code as its parent does, and that Node accepts in workers. */
const FOR_WORKERS = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--experimental-(vm-modules|wasm-modules|strip-types|transform-types|require-module|detect-module|json-modules|import-meta-resolve|specifier-resolution|sqlite|websocket|eventsource|fetch|global-webcrypto|shadow-realm)|--no-experimental-|--enable-source-maps|--no-warnings|--disable-warning|--trace-warnings|--trace-uncaught|--unhandled-rejections|--pending-deprecation|--no-deprecation|--throw-deprecation|--trace-deprecation|--preserve-symlinks)/;

/** Flags written as two arguments (`--import tsx`) when they carry no `=`. */
const TAKES_VALUE = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--disable-warning|--unhandled-rejections|--input-type|--eval|-e|--print|-p|--test-(reporter|reporter-destination|name-pattern|skip-pattern|concurrency|timeout|shard|isolation|coverage-include|coverage-exclude|coverage-branches|coverage-functions|coverage-lines|global-setup)|--watch-path|--inspect-port|--debug-port|--run|--env-file|--env-file-if-exists)$/;

/** The execArgv to start a worker with, or undefined to let Node inherit the parent's. */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  if (!parent.some((flag) => MAIN_ONLY.test(flag))) return undefined;
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i] as string;
    const separateValue = !flag.includes('=') && TAKES_VALUE.test(flag) && i + 1 < parent.length;
    if (FOR_WORKERS.test(flag)) {
      kept.push(flag);
      if (separateValue) kept.push(parent[i + 1] as string);
    }
    if (separateValue) i++;
  }
  return kept;
}
