// Loads a package and calls it once, printing the answer: run by wasm-launch-worker.test.ts under
// the ways people start Node (a --test run, --import tsx), whose flags workers inherit.
import { load } from '../../src/runtime/index.js';
import { buildFixture } from './build-fixture.js';

const built = await buildFixture('bindgen-surface');
const api = await load<typeof import('../fixtures/bindgen-surface/pkg/bindgen_surface.js')>(built.pkgDir, { threads: 1 });
console.log(`probe answer: ${await api.greet('argv')}`);
await api.$close();
