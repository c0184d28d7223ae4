// Worker entry: one guest instance per thread, one call at a time. The instance is built
// from the compiled module the pool posts in workerData, so nothing is recompiled here.
// After a trap this thread reports and then stays silent: the pool terminates it and starts
// a fresh one, because a trapped instance (and the glue module holding it) cannot be reset.

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { GuestInstance, InitFault } from './guest.js';
import type { InstanceConfig, WorkerMessage, WorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('offload worker entry must run in a worker thread');

const config = workerData as InstanceConfig;

function send(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(message, transfer);
  } catch (error) {
    if (transfer.length > 0) {
      // A buffer that cannot be detached (a wasm memory, say): send a copy instead.
      send(message);
    } else if (message.type === 'result' && message.ok) {
      // The value could not be cloned (a JS function or a Symbol inside a JsValue, say).
      port!.postMessage({
        type: 'result',
        id: message.id,
        ok: false,
        trapped: false,
        runMs: message.runMs,
        fault: { kind: 'guest', message: `its result cannot be sent to the calling thread (${(error as Error).message}). Return plain data: numbers, strings, arrays, objects, typed arrays.` },
      } satisfies WorkerMessage);
    } else {
      throw error;
    }
  }
}

function serve(instance: GuestInstance): void {
  let trapped = false;
  const handle = (message: WorkerRequest): void => {
    if (trapped) return;
    if (message.type === 'release') {
      instance.release(message.objectIds);
      return;
    }
    const outcome = instance.call(message.id, message);
    if (outcome.trapped) trapped = true;
    send(outcome.response, outcome.transfer);
  };
  send({ type: 'ready', instanceMs: instance.instanceMs });
  if (!config.wake) {
    port!.on('message', handle);
    return;
  }
  // This thread only ever runs guest calls, so it can sleep on a futex instead of going
  // through its event loop: waking from Atomics.wait is cheaper than a libuv wake-up.
  // Terminating the thread interrupts the wait.
  const counter = new Int32Array(config.wake);
  for (;;) {
    const seen = Atomics.load(counter, 0);
    let next = receiveMessageOnPort(port!);
    while (next) {
      handle(next.message as WorkerRequest);
      next = receiveMessageOnPort(port!);
    }
    Atomics.wait(counter, 0, seen);
  }
}

GuestInstance.create(config, 0).then(serve, (error: unknown) => {
  // Reported, then left to the pool, which terminates this thread.
  send({
    type: 'init-failed',
    fault: error instanceof InitFault ? error.fault : { kind: 'guest', message: String((error as Error)?.message ?? error) },
  });
});
