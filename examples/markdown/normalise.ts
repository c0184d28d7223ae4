// Puts HTML from different renderers into one spelling, so that comparing them compares
// structure and text, not serialisation habits. What it erases, and why each is harmless:
//  - `&quot;` / `&#39;` / `&#x27;` vs a literal quote: markdown-it escapes quotes in text,
//    pulldown-cmark only inside attributes; a browser reads both the same.
//  - `<br />`, `<img ... />` vs `<br>`, `<img ...>`: XHTML-style void elements (pulldown-cmark).
//  - `text-align: right` vs `text-align:right` in table cell styles.
//  - whitespace: runs collapse to one space, and none is kept next to block tags, where HTML
//    ignores it.
const blockTag = /\s?(<\/?(?:p|li|ul|ol|table|thead|tbody|tr|th|td|h[1-6]|pre|blockquote|hr)\b)/g;

export function normaliseHtml(html: string): string {
  return html
    .replaceAll('&quot;', '"')
    .replace(/&#(?:x27|39);/g, "'")
    .replace(/\s*\/>/g, '>')
    .replace(/style="text-align: (\w+)"/g, 'style="text-align:$1"')
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .replace(blockTag, '$1')
    .trim();
}

/** Where two normalised outputs first differ, with some context; undefined when equal. */
export function firstDifference(a: string, b: string, context = 80): { at: number; a: string; b: string } | undefined {
  if (a === b) return undefined;
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  const from = Math.max(0, at - context);
  return { at, a: a.slice(from, at + context), b: b.slice(from, at + context) };
}
