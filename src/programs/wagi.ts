/**
 * WAGI (WebAssembly Gateway Interface): CGI conventions for WASI programs, as a pure
 * translation the HTTP server mounts later. Request metadata becomes CGI environment
 * variables, query parameters become arguments, the body goes to stdin; the program answers
 * with CGI headers, a blank line, and the body on stdout.
 */
import { WagiResponseError } from './errors.js';
import type { ProgramResult, RunProgramOptions } from './options.js';

export interface WagiRequest {
  method: string;
  /** Path and optional query as received, e.g. `/api/hello?name=x`. */
  url: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body?: Uint8Array | string;
  /** The route prefix the program is mounted at (CGI's SCRIPT_NAME); default ''. */
  scriptName?: string;
  remoteAddr?: string;
  serverName?: string;
  serverPort?: number;
  /** Default `HTTP/1.1`. */
  protocol?: string;
}

export interface WagiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// Credentials are not passed to programs, as CGI servers traditionally do; a program that
// needs them gets them through an explicit env grant instead.
const WITHHELD_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Turn a request into runProgram options; `base` supplies grants, limits and the engine. */
export function wagiRequestToOptions(req: WagiRequest, base: RunProgramOptions = {}): RunProgramOptions {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q + 1);
  const scriptName = req.scriptName ?? '';
  let pathInfo = rawPath.startsWith(scriptName) ? rawPath.slice(scriptName.length) : rawPath;
  try {
    pathInfo = decodeURIComponent(pathInfo);
  } catch {
    // Malformed percent-encoding: hand the raw path over rather than refusing the request.
  }
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : (req.body ?? new Uint8Array(0));

  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'offload',
    SERVER_PROTOCOL: req.protocol ?? 'HTTP/1.1',
    REQUEST_METHOD: req.method.toUpperCase(),
    SCRIPT_NAME: scriptName,
    PATH_INFO: pathInfo,
    X_RAW_PATH_INFO: rawPath.slice(scriptName.length),
    QUERY_STRING: query,
    CONTENT_LENGTH: String(body.length),
    REMOTE_ADDR: req.remoteAddr ?? '',
    SERVER_NAME: req.serverName ?? 'localhost',
    SERVER_PORT: String(req.serverPort ?? 80),
  };
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (WITHHELD_HEADERS.has(lower)) continue;
    const joined = typeof value === 'string' ? value : value.join(', ');
    if (lower === 'content-type') env.CONTENT_TYPE = joined;
    else if (lower !== 'content-length') env[`HTTP_${lower.toUpperCase().replace(/-/g, '_')}`] = joined;
  }

  // WAGI passes each query parameter as one argument, `name=value`, decoded.
  const args = query === '' ? [] : query.split('&').filter(Boolean).map(decodeQueryPart);
  return { ...base, args, env: { ...base.env, ...env }, stdin: body };
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parse a program's CGI answer into an HTTP response. */
export function wagiResponseFromResult(result: Pick<ProgramResult, 'exitCode' | 'stdout'>): WagiResponse {
  if (result.exitCode !== 0) throw new WagiResponseError(`the program exited with code ${result.exitCode}`);
  const out = result.stdout;
  const lf = out.indexOf('\n\n');
  const crlf = out.indexOf('\r\n\r\n');
  let headerEnd: number;
  let bodyStart: number;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    headerEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf !== -1) {
    headerEnd = lf;
    bodyStart = lf + 2;
  } else {
    throw new WagiResponseError('no blank line after the headers');
  }
  const headers: Record<string, string> = {};
  let status: number | undefined;
  for (const line of out.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) throw new WagiResponseError(`malformed header line ${JSON.stringify(line)}`);
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^(\d{3})(\s|$)/.exec(value);
      if (!m) throw new WagiResponseError(`bad Status header ${JSON.stringify(value)}`);
      status = Number(m[1]);
    } else {
      headers[lower] = lower in headers ? `${headers[lower]}, ${value}` : value;
    }
  }
  if (status === undefined && !('content-type' in headers) && !('location' in headers)) {
    throw new WagiResponseError('it has none of Content-Type, Location or Status');
  }
  // CGI: a Location without a Status is a redirect.
  status ??= 'location' in headers ? 302 : 200;
  return { status, headers, body: Buffer.from(out.subarray(bodyStart)) };
}
