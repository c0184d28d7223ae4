// Must compile: the Remote types for the whole wasm-bindgen surface. Each @ts-expect-error
// line must fail to type-check, or tsc reports the directive as unused.
import { load, type Remote } from '../../src/runtime/index.js';
import type * as Surface from '../fixtures/bindgen-surface/pkg/bindgen_surface.js';

export async function surface(): Promise<void> {
  const api = await load<typeof Surface>('../fixtures/bindgen-surface/pkg');
  // Enums are values on the proxy, usable as arguments and results.
  const green: Surface.Color = api.Color.Green;
  const next: Surface.Color = await api.next_color(green);
  const fruit: Surface.Fruit = await api.other_fruit('apple');
  // An async export stays one Promise, not a Promise of a Promise.
  const later: number = await api.later_double(1, 2);
  const big: bigint = await api.add_u128(1n, 2n);
  // Callbacks are plain functions.
  const mapped: Float64Array = await api.map_with([1, 2], (x: number) => x * 2);
  // Getters and pub fields read as Promises; settable ones through $set.
  const counter: Remote<Surface.Counter> = await api.Counter.create(1);
  const count: number = await counter.count;
  const label: string = await counter.label;
  await counter.$set('count', 3);
  await counter.$set('step', 2);
  const twin: Remote<Surface.Counter> = await counter.twin();
  const total: number = await api.total(counter, twin);
  void [next, fruit, later, big, mapped, count, label, total];

  // @ts-expect-error enums have only their variants
  void api.Color.Purple;
  // @ts-expect-error a string enum takes its variants only
  await api.fruit_len('cherry');
  // @ts-expect-error the async result is a number, not a string
  const notString: string = await api.later_double(1, 2);
  // @ts-expect-error a getter is a Promise, not a value
  const notAwaited: number = counter.count;
  // @ts-expect-error doubled is a getter without a setter
  await counter.$set('doubled', 1);
  // @ts-expect-error count takes a number
  await counter.$set('count', 'three');
  // @ts-expect-error wasm-bindgen internals are not on a handle
  void counter.__destroy_into_raw;
  // @ts-expect-error nor the raw pointer
  void counter.__wbg_ptr;
  // @ts-expect-error the #[wasm_bindgen(start)] function runs once per instance; it is not API
  await api.start();
  // @ts-expect-error handles are not assignable to plain glue objects' free-less shape
  await api.total(counter, {} as Surface.Counter);
  void [notString, notAwaited];
}
