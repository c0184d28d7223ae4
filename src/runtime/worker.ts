// Worker entry: one guest instance per thread, one call at a time. The instance is built
// from the compiled module the pool posts in workerData, so nothing is recompiled here.
// After a trap this thread reports and then stays silent: the pool terminates it and starts
// a fresh one, because a trapped instance (and the glue module holding it) cannot be reset.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { ServeChannel } from './channel-worker.js';
import { GuestInstance, InitFault, type CallbackBridge, type CallOutcome } from './guest.js';
import type { CallbackReply, CallbackRequest, CallResponse, InstanceConfig, WorkerMessage, WorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('offload worker entry must run in a worker thread');

const config = workerData as InstanceConfig;

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

/**
 * An answer that goes over the channel's port (its value has no slot form). A buffer that cannot
 * be detached (a wasm memory, say) is sent as a copy; a value that cannot be cloned at all (a JS
 * function inside a JsValue) becomes a failure the caller can read.
 */
function postResponse(target: MessagePort, response: CallResponse, transfer: ArrayBuffer[]): void {
  try {
    target.postMessage(response, transfer);
  } catch (error) {
    if (transfer.length > 0) {
      postResponse(target, response, []);
    } else if (response.ok) {
      target.postMessage({
        type: 'result',
        id: response.id,
        ok: false,
        trapped: false,
        runMs: response.runMs,
        fault: { kind: 'guest', message: `its result cannot be sent to the calling thread (${(error as Error).message}). Return plain data: numbers, strings, arrays, objects, typed arrays.` },
      } satisfies CallResponse);
    } else {
      throw error;
    }
  }
}

/**
 * A JS function passed by the caller lives on the calling thread. The guest calls it
 * synchronously, so this thread posts the arguments and sleeps on a futex until the calling
 * thread has run it and left the reply on a port of its own.
 */
function callbackBridge(): CallbackBridge | undefined {
  const replies = config.callbackPort;
  if (!replies || !config.callbackSignal) return undefined;
  const signal = new Int32Array(config.callbackSignal);
  return {
    invoke(callId, callback, args) {
      Atomics.store(signal, 0, 0);
      try {
        port!.postMessage({ type: 'callback', id: callId, callback, args } satisfies CallbackRequest);
      } catch (error) {
        throw new TypeError(
          `a callback's arguments cannot be sent to the calling thread (${(error as Error).message}). ` +
            'In pool mode callbacks take plain data: numbers, strings, arrays, objects, typed arrays.',
        );
      }
      Atomics.wait(signal, 0, 0);
      const reply = receiveMessageOnPort(replies)?.message as CallbackReply | undefined;
      if (!reply) throw new Error('the calling thread sent no reply to a callback');
      if (!reply.ok) throw new Error(reply.message);
      return reply.value;
    },
  };
}

function serve(instance: GuestInstance): void {
  let trapped = false;
  /** The outcome of an async call still waiting on its Promise, reported once. */
  let pending: { id: number; reported: boolean } | undefined;
  const callbacks = callbackBridge();
  const channel = new ServeChannel(config.channel!, config.shape);

  const report = (outcome: CallOutcome): void => {
    if (pending?.reported) return;
    if (pending) pending.reported = true;
    if (outcome.trapped) trapped = true;
    channel.answer(outcome.response, outcome.transfer, postResponse);
  };

  // A trap inside an async export's continuation runs in a microtask and never reaches the
  // call's Promise; it surfaces here instead, and belongs to the call that is waiting.
  const onStray = (error: unknown): void => {
    // Once a trap is reported this instance is finished and the pool is ending the thread:
    // the trap's own exception must not reach the pool as a crash ahead of the report.
    if (trapped) return;
    if (!pending || pending.reported) throw error;
    const outcome = instance.strayTrap(pending.id, error);
    // Whatever it was, the instance's own code failed mid-call: it is not reused.
    report({ ...outcome, response: { ...outcome.response, trapped: true }, trapped: true } as CallOutcome);
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);

  /** Runs one request; true when it became async and the loop must yield to the event loop. */
  const handle = (message: WorkerRequest): Promise<void> | undefined => {
    if (trapped) return undefined;
    if (message.type === 'release') {
      instance.release(message.objectIds);
      channel.released();
      return undefined;
    }
    const outcome = instance.call(message.id, message, { callbacks, reportNow: report });
    if (!(outcome instanceof Promise)) {
      report(outcome);
      return undefined;
    }
    pending = { id: message.id, reported: false };
    return outcome.then(report).finally(() => {
      pending = undefined;
    });
  };

  send({ type: 'ready', instanceMs: instance.instanceMs });
  // This thread only ever runs guest calls, so it waits on its channel instead of its event
  // loop. An async call leaves the loop so the event loop can turn, and re-enters it when done.
  // Terminating the thread interrupts the wait.
  const loop = (): void => {
    for (;;) {
      const next = channel.take();
      if (!next) {
        channel.idle();
        continue;
      }
      const waiting = handle(next);
      if (waiting) {
        void waiting.then(() => setImmediate(loop));
        return;
      }
    }
  };
  loop();
}

GuestInstance.create(config, 0).then(serve, (error: unknown) => {
  // Reported, then left to the pool, which terminates this thread.
  send({
    type: 'init-failed',
    fault: error instanceof InitFault ? error.fault : { kind: 'guest', message: String((error as Error)?.message ?? error) },
  });
});
