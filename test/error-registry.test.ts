// The error registry (src/error-codes.ts) is the one place a code, its classes, its HTTP
// status and its meaning live. These checks read the sources as text, so a code thrown
// anywhere without a row, a row nobody uses, a class carrying another row's code, or a row
// missing from docs/errors.md fails here rather than surprising a user.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, OffloadError, type ErrorCode } from '../src/errors.js';

const root = path.resolve(import.meta.dirname, '..');
const registryFile = path.join('src', 'error-codes.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

const sources = sourceFiles('src')
  .filter((f) => f !== registryFile)
  .map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
const codes = Object.keys(ERROR_CODES) as ErrorCode[];
const CODE_LITERAL = /['"`](ERR_[A-Z0-9_]+)['"`]/g;

test('every error code written in src/ has a row in the registry', () => {
  const unknown = sources.flatMap(({ file, text }) =>
    [...text.matchAll(CODE_LITERAL)].map((m) => m[1] as string).filter((code) => !(code in ERROR_CODES)).map((code) => `${file}: ${code}`),
  );
  assert.deepEqual(unknown, []);
});

test('every row of the registry is used somewhere in src/', () => {
  const used = new Set(sources.flatMap(({ text }) => [...text.matchAll(CODE_LITERAL)].map((m) => m[1])));
  // ERR_OFFLOAD_INTERNAL is written as ERROR_CODES.ERR_OFFLOAD_INTERNAL where its message is read.
  const unused = codes.filter((code) => !used.has(code) && !sources.some(({ text }) => text.includes(`ERROR_CODES.${code}`)));
  assert.deepEqual(unused, []);
});

test('each class that passes a code to its base is listed in that code’s row, and every listed class exists', () => {
  const declared = new Map<string, string>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/class (\w+) extends [\w.]+(?: implements [\w, ]+)? \{(?:\}|([\s\S]*?)\n\})/g)) {
      const name = m[1] as string;
      declared.set(name, file);
      const literal = /super\(\s*'(ERR_[A-Z0-9_]+)'/.exec(m[2] ?? '')?.[1];
      if (literal === undefined) continue;
      const row = ERROR_CODES[literal as ErrorCode];
      assert.ok(row, `${file}: ${name} uses ${literal}, which has no row`);
      assert.ok((row.classes as readonly string[]).includes(name), `${file}: ${name} carries ${literal}, whose row lists ${row.classes.join(', ')}`);
    }
  }
  for (const code of codes) {
    for (const name of ERROR_CODES[code].classes) assert.ok(declared.has(name), `${code} lists ${name}, which no file in src/ declares`);
  }
});

test('docs/errors.md documents every code with its registry status, and nothing else', () => {
  const page = readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
  const sections = new Map(
    [...page.matchAll(/^### `(ERR_[A-Z0-9_]+)`\n([\s\S]*?)(?=^##|(?![\s\S]))/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  for (const code of codes) {
    const section = sections.get(code);
    assert.ok(section, `docs/errors.md has no section for ${code}`);
    assert.match(section, new RegExp(`^HTTP ${ERROR_CODES[code].status}\\b`), `${code}: the page's status differs from the registry's`);
    for (const name of ERROR_CODES[code].classes.filter((c) => c !== 'OffloadHttpError')) {
      assert.ok(section.includes(`\`${name}\``), `${code}: the page does not name ${name}`);
    }
    assert.match(section, /\*\*Do:\*\*/, `${code}: the page does not say what to do`);
  }
  assert.deepEqual([...sections.keys()].filter((code) => !(code in ERROR_CODES)), []);
});

test('an error reports the status its code has in the registry', () => {
  for (const code of codes) assert.equal(new OffloadError(code, 'x').statusCode, ERROR_CODES[code].status);
});
