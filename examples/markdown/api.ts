// The crate's exports as JavaScript sees them (the same signatures as pkg/markdown.d.ts, which
// wasm-bindgen writes at build time). Written out here so that code using the example
// type-checks before the package is built; pkg/ is a build output and not in git.
export interface MarkdownGlue {
  /** Safe: raw HTML is escaped, script-capable link URLs are dropped. For untrusted input. */
  to_html(markdown: string): string;
  /** Trusted: raw HTML passes through, as markdown-it `{ html: true }` and marked do. */
  to_html_trusted(markdown: string): string;
  /** Many documents in one call (one crossing into wasm and the worker). */
  to_html_many(documents: string[], trusted: boolean): string[];
}

/** The glue module itself, for calling the kernel directly on this thread. */
export interface MarkdownModule extends MarkdownGlue {
  initSync(input: { module: BufferSource | WebAssembly.Module }): unknown;
}
