// A rayon helper thread of one threaded instance (started by rayon-helpers.ts in the
// instance's thread). It does what wasm-bindgen-rayon's worker script does: join the
// instance's module and shared memory, say it is ready, and enter rayon's worker loop. When
// the loop traps (a panic in a rayon task, with panic = "abort"), the call that is waiting
// for that task can never finish, so the trap goes straight to the pool on the instance's
// trap channel, and the pool replaces the instance with all its threads.

import { parentPort, workerData } from 'node:worker_threads';
import { collectPanics } from './panic-report.js';
import type { HelperTrap } from './protocol.js';
import type { HelperSettings } from './rayon-helpers.js';
import { classifyThrown } from './trap-fault.js';

interface RayonInit {
  type: string;
  init: { module_or_path: WebAssembly.Module; memory: WebAssembly.Memory };
  receiver: number;
}

type RayonGlue = {
  initSync(input: { module: WebAssembly.Module; memory: WebAssembly.Memory }): unknown;
  wbg_rayon_start_worker(receiver: number): void;
};

const port = parentPort;
if (!port) throw new Error('the rayon helper entry must run in a worker thread');
const settings = workerData as HelperSettings;
// The glue imports wasm-bindgen-rayon's script, which listens on `self` as it loads; this
// thread takes its one message from parentPort instead, so that listener never fires.
if (typeof (globalThis as { self?: unknown }).self === 'undefined') Object.assign(globalThis, { self: new EventTarget() });

function reportTrap(error: unknown, memory: WebAssembly.Memory, panics: Parameters<typeof classifyThrown>[1]): void {
  if (!settings.trapChannel) throw error;
  const fault = classifyThrown(error, panics, { duringStart: false, usedBytes: memory.buffer.byteLength, limitBytes: undefined, growFailures: undefined });
  const channel = new BroadcastChannel(settings.trapChannel);
  channel.postMessage({ type: 'helper-trap', fault } satisfies HelperTrap);
  channel.close();
}

port.once('message', (message: RayonInit) => {
  if (message.type !== 'wasm_bindgen_worker_init') return;
  // A fresh realm: importing the glue here gives this thread its own glue module record.
  // A failure is thrown out of the thread, where startThreadPool sees it as the 'error' event.
  void (import(settings.glueUrl) as Promise<RayonGlue>).then((glue) => {
    const { module_or_path: module, memory } = message.init;
    glue.initSync({ module, memory });
    port.postMessage({ type: 'wasm_bindgen_worker_ready' });
    const panics = collectPanics();
    try {
      glue.wbg_rayon_start_worker(message.receiver);
    } catch (error) {
      reportTrap(error, memory, panics.panics);
    }
  });
});
