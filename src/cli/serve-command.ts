import { InvalidArgumentError, type Command } from 'commander';
import { OffloadBadArgumentError } from '../runtime/index.js';
import { readServeConfig, type PackageConfig, type RuntimeLimits } from '../server/config.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, exitOnSignals } from '../server/lifecycle.js';

/** The command's flags: the per-package limits (as in a config file's `defaults`) and the server's own. */
interface ServeFlags extends RuntimeLimits {
  port?: number;
  host?: string;
  config?: string;
  watch?: boolean;
  shutdownTimeoutMs?: number;
  logLevel: string;
  engine?: string;
}

/** `offload serve`: every exported function of the given packages as POST /<package>/<function>. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve built packages over HTTP: POST /<package>/<function>, docs at /docs, /metrics, /healthz, /readyz')
    .argument('[packages...]', 'pkg/ folders (or built crate folders) made by `offload build`')
    .option('--port <n>', 'port to listen on (0 picks a free one; default 8080)', integer(0))
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--config <file>', 'JSON file with packages and per-package limits (see src/server/config.ts)')
    .option('--watch', 'reload a package when its build changes; in-flight calls finish on the old build')
    .option('--threads <n>', 'worker threads per package', integer(1))
    .option('--timeout-ms <ms>', 'longest a call may run before it answers 504', positive)
    .option('--memory-limit-mb <mb>', 'memory cap per instance; exceeding it answers 500 ERR_OFFLOAD_MEMORY', positive)
    .option('--max-queue <n>', 'calls that may wait for a thread; more answer 503 with Retry-After', integer(0))
    .option('--queue-timeout-ms <ms>', 'longest a call may wait for a thread (default: --timeout-ms); longer waits answer 503 with Retry-After', positive)
    .option('--body-limit-mb <mb>', 'largest request body (default 1 MiB); larger ones answer 413', positive)
    .option('--shutdown-timeout-ms <ms>', `how long SIGTERM/SIGINT waits for in-flight requests (default ${DEFAULT_SHUTDOWN_TIMEOUT_MS})`, integer(1))
    .option('--engine <engine>', 'engine for WASI program packages (served with WAGI): v8 or wasmedge')
    .option('--log-level <level>', 'pino log level: fatal, error, warn, info, debug, trace, silent', 'info')
    .action(run);
}

async function run(paths: string[], flags: ServeFlags): Promise<void> {
  const config = flags.config ? await readServeConfig(flags.config) : undefined;
  if (flags.engine !== undefined && flags.engine !== 'v8' && flags.engine !== 'wasmedge') {
    throw new OffloadBadArgumentError(`--engine must be v8 or wasmedge, not "${flags.engine}".`);
  }
  const engine = flags.engine as 'v8' | 'wasmedge' | undefined;
  const packages: PackageConfig[] = [...(config?.packages ?? []), ...paths.map((path) => (engine ? { path, engine } : { path }))];
  if (packages.length === 0) {
    throw new OffloadBadArgumentError('give at least one package folder, e.g. `offload serve examples/hello/pkg`, or --config <file>.');
  }
  const overrides: RuntimeLimits = {};
  if (flags.threads !== undefined) overrides.threads = flags.threads;
  if (flags.timeoutMs !== undefined) overrides.timeoutMs = flags.timeoutMs;
  if (flags.memoryLimitMb !== undefined) overrides.memoryLimitMb = flags.memoryLimitMb;
  if (flags.maxQueue !== undefined) overrides.maxQueue = flags.maxQueue;
  if (flags.queueTimeoutMs !== undefined) overrides.queueTimeoutMs = flags.queueTimeoutMs;
  if (flags.bodyLimitMb !== undefined) overrides.bodyLimitMb = flags.bodyLimitMb;
  // Loaded here, not at start-up: Fastify and TypeScript's parser would slow every command.
  const { serve } = await import('../server/server.js');
  const server = await serve(packages, {
    port: flags.port ?? config?.port ?? 8080,
    host: flags.host ?? config?.host ?? '127.0.0.1',
    watch: flags.watch ?? config?.watch ?? false,
    ...(config?.defaults ? { defaults: config.defaults } : {}),
    overrides,
    logger: { level: flags.logLevel },
  });
  // Said where a person starting the server reads, as well as in the JSON log.
  for (const pkg of server.packages) {
    for (const skip of pkg.skipped) process.stderr.write(`offload serve: ${pkg.name}.${skip.name} is not served: ${skip.reason}\n`);
  }
  exitOnSignals(server, flags.shutdownTimeoutMs ?? config?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
}

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}.`);
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number.');
  return n;
}
