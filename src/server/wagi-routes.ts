// WASI programs as HTTP handlers with the WAGI (CGI) conventions: method, path and headers
// become environment variables, the query becomes arguments, the body goes to stdin, and
// the program answers with CGI headers, a blank line and the body on stdout.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { wagiRequestToOptions, wagiResponseFromResult } from '../programs/index.js';
import type { ProgramPackage, ServedProgram } from './program-package.js';

export function programRoutePath(pkg: string, program: string): string {
  return `/${pkg}/${program}`;
}

async function answer(request: FastifyRequest, pkg: ProgramPackage, program: ServedProgram, scriptName: string) {
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const options = wagiRequestToOptions(
    {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
      scriptName,
      remoteAddr: request.ip,
      serverName: request.hostname.split(':')[0],
      serverPort: request.socket.localPort,
      protocol: `HTTP/${request.raw.httpVersion}`,
    },
    pkg.base,
  );
  const result = await pkg.runner.run(program.wasm, options).catch((error: unknown) => {
    logGuestStderr(request, scriptName, error as { stderr?: Buffer });
    throw error;
  });
  if (result.exitCode !== 0) logGuestStderr(request, scriptName, result);
  return wagiResponseFromResult(result);
}

/** A failed program's own stderr (a panic, an assert) is what says why: it goes to the log. */
function logGuestStderr(request: FastifyRequest, program: string, failed: { stderr?: Buffer; exitCode?: number }): void {
  if (!failed.stderr?.length) return;
  request.log.warn({ program, exitCode: failed.exitCode, stderr: failed.stderr.toString('utf8') }, 'WASI program failed; stderr attached');
}

/**
 * Registers every program of a package under /<package>/<program> (and any path below it,
 * which the program sees as PATH_INFO), for every method.
 */
export async function registerProgramRoutes(app: FastifyInstance, pkg: ProgramPackage): Promise<void> {
  // Its own plugin scope: programs take any body as raw bytes, while library routes keep
  // their JSON and octet-stream parsers.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const program of pkg.programs) {
      const scriptName = programRoutePath(pkg.name, program.name);
      const handler = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
        const response = await answer(request, pkg, program, scriptName);
        return reply.code(response.status).headers(response.headers).send(response.body);
      };
      scope.all(scriptName, handler);
      scope.all(`${scriptName}/*`, handler);
    }
  });
}
