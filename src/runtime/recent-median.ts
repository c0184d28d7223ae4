// The median of the last few samples of a time: what the pool expects a function to run for,
// and what its round trip costs. A running average would carry the first calls (cold code, a
// sleeping thread: often a hundred times slower) for dozens of calls; a median of the last
// eight forgets them after five, and one stray sample never moves it.

const WINDOW = 8;

export class RecentMedian {
  readonly #samples = new Float64Array(WINDOW);
  readonly #sorted = new Float64Array(WINDOW);
  #count = 0;
  #value: number | undefined;

  add(sample: number): void {
    this.#samples[this.#count % WINDOW] = sample;
    this.#count++;
    if (this.#count >= WINDOW) {
      // The common case runs for every answer: no allocation, and a sort only every other
      // sample (the median then lags by at most one sample).
      if (this.#count % 2 === 1) return;
      this.#value = this.#median(WINDOW);
    } else {
      this.#value = this.#median(this.#count);
    }
  }

  /** The middle of the first `n` samples: an insertion sort, which for eight numbers costs a fraction of a typed array's sort() call. */
  #median(n: number): number {
    const sorted = this.#sorted;
    for (let i = 0; i < n; i++) {
      const sample = this.#samples[i]!;
      let j = i;
      for (; j > 0 && sorted[j - 1]! > sample; j--) sorted[j] = sorted[j - 1]!;
      sorted[j] = sample;
    }
    return sorted[n >> 1]!;
  }

  /** The median of the samples so far (at most the last eight); undefined before the first. */
  get value(): number | undefined {
    return this.#value;
  }

  /** True once the window is full: the median no longer leans on the first samples alone. */
  get settled(): boolean {
    return this.#count >= WINDOW;
  }
}
