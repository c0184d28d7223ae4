// Must NOT compile: a wrong argument type is a tsc error at the call site.
import { load } from '../../src/runtime/index.js';
import type * as Basic from '../fixtures/runtime-basic/pkg/runtime_basic.js';

export async function wrong(): Promise<void> {
  const api = await load<typeof Basic>('../fixtures/runtime-basic/pkg');
  await api.add('1', 2);
}
