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

/**
 * An enum's variants, which wasm-bindgen's type descriptors do not carry (they name the enum
 * only): C-style enums are `export enum Color { Red = 0, ... }`, string enums
 * `type Fruit = "apple" | "banana"`.
 */
export type EnumValues =
  | { kind: 'numeric'; variants: { name: string; value: number }[] }
  | { kind: 'string'; values: string[] };

export interface ExportedEnum {
  kind: 'enum';
  name: string;
  values: EnumValues;
}

export type Export = ExportedFunction | ExportedClass | ExportedEnum;

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
      found.push({ kind: 'enum', name: node.name.text, values: numericEnum(node, source) });
    }
  }
  // wasm-bindgen declares string enums as type aliases without `export`.
  for (const node of source.statements) {
    const values = ts.isTypeAliasDeclaration(node) ? stringLiterals(node.type) : undefined;
    if (values && ts.isTypeAliasDeclaration(node)) found.push({ kind: 'enum', name: node.name.text, values: { kind: 'string', values } });
  }
  return found;
}

function numericEnum(node: ts.EnumDeclaration, source: ts.SourceFile): EnumValues {
  const variants: { name: string; value: number }[] = [];
  let next = 0;
  for (const member of node.members) {
    const init = member.initializer;
    const value =
      init && ts.isNumericLiteral(init)
        ? Number(init.text)
        : init && ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand)
          ? -Number(init.operand.text)
          : next;
    variants.push({ name: member.name.getText(source), value });
    next = value + 1;
  }
  return { kind: 'numeric', variants };
}

function stringLiterals(type: ts.TypeNode): string[] | undefined {
  const members = ts.isUnionTypeNode(type) ? type.types : [type];
  const values = members.map((m) => (ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal) ? m.literal.text : undefined));
  return values.every((v): v is string => v !== undefined) ? values : undefined;
}

/** The enums among the exports, by name, for the schemas of parameters that take them. */
export function enumsOf(exports: readonly Export[]): Map<string, EnumValues> {
  return new Map(exports.filter((e): e is ExportedEnum => e.kind === 'enum').map((e) => [e.name, e.values]));
}
