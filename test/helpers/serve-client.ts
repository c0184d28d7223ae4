// Shared by the serve tests: build a fixture with `offload build`'s own buildPackage (it skips
// when nothing changed), call the server as an HTTP client would, and wait for a condition.
import type { Readable } from 'node:stream';
import path from 'node:path';
import { buildPackage } from '../../src/build/build.js';
import { silentReporter } from '../../src/build/progress.js';
import { repoRoot, sharedTargetDir } from './cli.js';

export async function buildCrate(relative: string): Promise<string> {
  const result = await buildPackage(path.join(repoRoot, relative), { targetDir: sharedTargetDir, reporter: silentReporter });
  return result.pkgDir;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  body: Uint8Array;
}

export async function post(base: string, route: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const init: RequestInit = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'content-type': contentType };
    init.body = body instanceof Uint8Array || typeof body === 'string' ? (body as BodyInit) : JSON.stringify(body);
  }
  return answer(await fetch(base + route, init));
}

export async function get(base: string, route: string): Promise<Answer> {
  return answer(await fetch(base + route));
}

async function answer(response: Response): Promise<Answer> {
  const body = new Uint8Array(await response.arrayBuffer());
  const text = Buffer.from(body).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, body };
}

/** Polls until `check` holds; the test's own timeout bounds it, so no timing is asserted. */
export async function waitFor(check: () => Promise<boolean> | boolean, pollMs = 25): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, pollMs));
}

/** One sample's value from Prometheus text, e.g. metric(text, 'offload_running_calls{package="x"}'). */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * The URL of a server process, from its "offload serve is ready" JSON log line. Every JSON
 * record goes to `onRecord`; plain-text lines (a script's own progress) are skipped. Rejects
 * with the process's stderr if it exits first.
 */
export function readyUrl(
  stdout: Readable,
  exited: Promise<unknown>,
  stderr: () => string,
  onRecord: (record: Record<string, unknown>) => void = () => undefined,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buffered = '';
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.startsWith('{'))) {
        const record = JSON.parse(line) as Record<string, unknown>;
        onRecord(record);
        if (record.msg === 'offload serve is ready') resolve(String(record.url));
      }
    });
    void exited.then(() => reject(new Error(`the server exited before it was ready:\n${stderr()}`)));
  });
}
