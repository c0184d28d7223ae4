import { readFileSync } from 'node:fs';

/** offload's own version; the package root is two levels up from both src/ and dist/ files. */
export const OFFLOAD_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
