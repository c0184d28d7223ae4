// Enum variants, which wasm-bindgen's descriptors do not carry (they name the enum only): the
// .d.ts lists them, as `export enum Color { Red = 0, ... }` for C-style enums and as
// `type Fruit = "apple" | "banana"` for string enums.

import ts from 'typescript';

export type DtsEnum =
  | { kind: 'numeric'; variants: { name: string; value: number }[] }
  | { kind: 'string'; values: string[] };

export function enumsFromDts(text: string, fileName = 'glue.d.ts'): Map<string, DtsEnum> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const enums = new Map<string, DtsEnum>();
  for (const node of source.statements) {
    if (ts.isEnumDeclaration(node)) {
      const variants: { name: string; value: number }[] = [];
      let next = 0;
      for (const member of node.members) {
        const init = member.initializer;
        const value = init && ts.isNumericLiteral(init) ? Number(init.text) : init && ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand) ? -Number(init.operand.text) : next;
        variants.push({ name: member.name.getText(source), value });
        next = value + 1;
      }
      enums.set(node.name.text, { kind: 'numeric', variants });
    } else if (ts.isTypeAliasDeclaration(node)) {
      const members = ts.isUnionTypeNode(node.type) ? node.type.types : [node.type];
      const values = members.map((m) => (ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal) ? m.literal.text : undefined));
      if (values.every((v): v is string => v !== undefined)) enums.set(node.name.text, { kind: 'string', values });
    }
  }
  return enums;
}
