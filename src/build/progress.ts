/**
 * Progress for long steps, one line when a step starts and one when it ends, so it reads the
 * same in a terminal and in a CI log. Tools that draw their own progress (cargo) print in
 * between, untouched.
 */
export interface Reporter {
  step(title: string): Step;
  info(line: string): void;
  /**
   * True when tools' own output (cargo's progress and diagnostics) should be captured rather
   * than shown; it is then put into the error when a tool fails, so nothing is lost.
   */
  readonly quiet?: boolean;
}

export interface Step {
  done(detail?: string): void;
  fail(detail?: string): void;
}

function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)}s`;
}

export function consoleReporter(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Reporter {
  return {
    info: (line) => write(line),
    step(title) {
      const start = performance.now();
      write(`› ${title}`);
      return {
        done: (detail) => write(`✓ ${title}${detail ? ` (${detail})` : ''} ${seconds(start)}`),
        fail: (detail) => write(`✗ ${title}${detail ? `: ${detail}` : ''} ${seconds(start)}`),
      };
    },
  };
}

export const silentReporter: Reporter = {
  quiet: true,
  info: () => {},
  step: () => ({ done: () => {}, fail: () => {} }),
};
