// The semantic-search demo's index: prose paragraphs of the 30 READMEs the markdown example
// uses (examples/markdown/corpus.ts), embedded once at start-up, searched by cosine
// similarity (a dot product, since the embeddings are unit length).
import { readmeCorpus } from '../../markdown/corpus.js';

export interface Paragraph {
  document: string;
  text: string;
}

export interface Hit extends Paragraph {
  score: number;
}

/** The longest paragraph text kept: about 100 tokens, enough for what a paragraph is about. */
const MAX_CHARS = 400;

/** Paragraphs that read as prose: code, tables, HTML and headings say little in a sentence embedding. */
export function readmeParagraphs(perDocument: number): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  for (const doc of readmeCorpus(30)) {
    const prose = doc.text
      .split(/\n\s*\n/)
      .map((p) => p.trim().replace(/\s+/g, ' '))
      .filter((p) => p.length >= 60 && !/^(```|~~~|\||<|#|!\[|\[!\[|- \[)/.test(p));
    for (const text of prose.slice(0, perDocument)) paragraphs.push({ document: doc.name, text: text.slice(0, MAX_CHARS) });
  }
  return paragraphs;
}

export class SearchIndex {
  private constructor(
    readonly paragraphs: Paragraph[],
    private readonly vectors: Float32Array,
    readonly dimensions: number,
  ) {}

  /** Embeds the paragraphs in batches of `batchSize` through `embedBatch`. */
  static async build(
    paragraphs: Paragraph[],
    embedBatch: (texts: string[]) => Promise<Float32Array>,
    dimensions: number,
    batchSize = 32,
  ): Promise<SearchIndex> {
    const vectors = new Float32Array(paragraphs.length * dimensions);
    // A batch is padded to its longest text, so texts of similar length go together.
    const order = paragraphs.map((_, i) => i).sort((a, b) => paragraphs[a]!.text.length - paragraphs[b]!.text.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const embedded = await embedBatch(rows.map((i) => paragraphs[i]!.text));
      rows.forEach((row, j) => vectors.set(embedded.subarray(j * dimensions, (j + 1) * dimensions), row * dimensions));
    }
    return new SearchIndex(paragraphs, vectors, dimensions);
  }

  /** The embeddings as little-endian f32 bytes, row by row (what the crate's init takes). */
  vectorBytes(): Uint8Array {
    const bytes = new Uint8Array(this.vectors.length * 4);
    const view = new DataView(bytes.buffer);
    this.vectors.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return bytes;
  }

  nearest(query: Float32Array, k: number): Hit[] {
    const scored = this.paragraphs.map((paragraph, i) => {
      let score = 0;
      const row = this.vectors.subarray(i * this.dimensions, (i + 1) * this.dimensions);
      for (let d = 0; d < this.dimensions; d++) score += row[d]! * query[d]!;
      return { ...paragraph, score };
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }
}
