// Must compile: the proxy's types follow the glue's .d.ts. Each @ts-expect-error line must
// fail to type-check, or tsc reports the directive as unused.
import { load, transfer, type Remote } from '../../src/runtime/index.js';
import type * as Basic from '../fixtures/runtime-basic/pkg/runtime_basic.js';

export async function typed(): Promise<void> {
  const api = await load<typeof Basic>('../fixtures/runtime-basic/pkg');
  const greeting: string = await api.say('world');
  const sum: number = await api.add(1, 2);
  const product: bigint = await api.mul_big(2n, 3n);
  const bytes: Uint8Array = await api.reverse_bytes(transfer(new Uint8Array(4)));
  const counter: Remote<Basic.Counter> = await api.Counter.create('c', 1n);
  const next: bigint = await counter.increment(1n);
  const fork = await counter.fork('f');
  await counter.absorb(fork);
  const zero = await api.Counter.zero('z');
  await zero.free();
  await api.$with({ timeoutMs: 10 }).say('again');
  const depth: number = api.$metrics().queueDepth;
  void [greeting, sum, product, bytes, next, depth];

  // @ts-expect-error say takes a string
  await api.say(42);
  // @ts-expect-error add takes two numbers
  await api.add(1);
  // @ts-expect-error results are Promises, not values
  const notAwaited: string = api.say('x');
  // @ts-expect-error u64 is a bigint, not a number
  await api.mul_big(2, 3);
  // @ts-expect-error no such export
  await api.not_exported();
  // @ts-expect-error initSync is the glue's, not part of the proxy
  api.initSync;
  // @ts-expect-error methods take handles, not raw glue objects
  await counter.absorb({} as Basic.Counter);
  // @ts-expect-error increment takes a bigint
  await counter.increment('1');
  void notAwaited;
}
