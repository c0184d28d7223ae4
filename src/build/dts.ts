import ts from 'typescript';

export interface ExportedParam {
  name: string;
  type: string;
  optional: boolean;
}

export interface ExportedFunction {
  kind: 'function';
  name: string;
  params: ExportedParam[];
  returns: string;
  doc?: string;
}

export interface ExportedClass {
  kind: 'class';
  name: string;
  methods: Array<Omit<ExportedFunction, 'kind'> & { static: boolean }>;
}

export type Export = ExportedFunction | ExportedClass | { kind: 'enum'; name: string };

/** Names wasm-bindgen's --target web glue exports for loading itself, not for users. */
const GLUE_MACHINERY = new Set(['initSync', 'default', '__wbg_init', 'InitInput', 'InitOutput', 'SyncInitInput']);

function docOf(node: ts.Node, source: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.pos) ?? [];
  const last = ranges.at(-1);
  // Only JSDoc (`/** */`, where wasm-bindgen puts the Rust `///` docs); not the glue's
  // `/* eslint-disable */` header above the first export.
  if (!last || !source.text.startsWith('/**', last.pos)) return undefined;
  const text = source.text
    .slice(last.pos, last.end)
    .replace(/^\/\*\*?|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trim())
    .filter(Boolean)
    .join(' ');
  return text || undefined;
}

function signature(
  node: ts.FunctionDeclaration | ts.MethodDeclaration,
  source: ts.SourceFile,
): Omit<ExportedFunction, 'kind' | 'name'> {
  return {
    params: node.parameters.map((param) => ({
      name: param.name.getText(source),
      type: param.type?.getText(source) ?? 'any',
      optional: Boolean(param.questionToken),
    })),
    returns: node.type?.getText(source) ?? 'void',
    doc: docOf(node, source),
  };
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Reads the user-facing exports of a wasm-bindgen `.d.ts` with TypeScript's own parser. */
export function exportsFromDts(text: string, fileName = 'glue.d.ts'): Export[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Export[] = [];
  for (const node of source.statements) {
    if (!isExported(node)) continue;
    if (ts.isFunctionDeclaration(node) && node.name && !GLUE_MACHINERY.has(node.name.text)) {
      found.push({ kind: 'function', name: node.name.text, ...signature(node, source) });
    } else if (ts.isClassDeclaration(node) && node.name) {
      const methods = node.members
        .filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && ts.isIdentifier(m.name))
        .map((m) => ({
          name: (m.name as ts.Identifier).text,
          static: (ts.getModifiers(m) ?? []).some((mod) => mod.kind === ts.SyntaxKind.StaticKeyword),
          ...signature(m, source),
        }));
      found.push({ kind: 'class', name: node.name.text, methods });
    } else if (ts.isEnumDeclaration(node)) {
      found.push({ kind: 'enum', name: node.name.text });
    }
  }
  return found;
}
