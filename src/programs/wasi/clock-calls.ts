/** clock_* and poll_oneoff: time, and waiting for it. */
import { Clock, Errno, EventType } from './constants.js';
import type { WasiContext } from './context.js';
import type { HostCalls } from './syscall.js';

export function clockCalls({ memory }: WasiContext): HostCalls {
  return {
    clock_res_get: (id: number, out: number) => {
      if (id < 0 || id > 3) return Errno.INVAL;
      memory.view().setBigUint64(out, 1000n, true);
    },
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      let t: bigint;
      if (id === Clock.REALTIME) t = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      else if (id === Clock.MONOTONIC) t = process.hrtime.bigint();
      else if (id === Clock.PROCESS_CPUTIME || id === Clock.THREAD_CPUTIME) t = BigInt(process.cpuUsage().user) * 1000n;
      else return Errno.INVAL;
      memory.view().setBigUint64(out, t, true);
    },
    poll_oneoff: (inPtr: number, outPtr: number, count: number, outCount: number) => {
      // Clock subscriptions sleep (the worker thread may block); fd subscriptions are
      // always ready because every stream here is a buffer or a regular file.
      const v = memory.view();
      let sleepNs: bigint | undefined;
      const events: Array<{ userdata: bigint; type: number }> = [];
      for (let i = 0; i < count; i++) {
        const s = inPtr + i * 48;
        const userdata = v.getBigUint64(s, true);
        const tag = v.getUint8(s + 8);
        if (tag === EventType.CLOCK) {
          let timeout = v.getBigUint64(s + 24, true);
          const absolute = (v.getUint16(s + 40, true) & 1) !== 0;
          if (absolute) timeout -= process.hrtime.bigint();
          if (timeout < 0n) timeout = 0n;
          if (sleepNs === undefined || timeout < sleepNs) sleepNs = timeout;
          events.push({ userdata, type: EventType.CLOCK });
        } else {
          events.push({ userdata, type: tag });
        }
      }
      const fdEvents = events.filter((e) => e.type !== EventType.CLOCK);
      const ready = fdEvents.length > 0 ? fdEvents : events;
      if (fdEvents.length === 0 && sleepNs !== undefined && sleepNs > 0n) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(sleepNs / 1_000_000n));
      }
      ready.forEach((e, i) => {
        const o = outPtr + i * 32;
        memory.bytes(o, 32).fill(0);
        v.setBigUint64(o, e.userdata, true);
        v.setUint8(o + 10, e.type);
      });
      v.setUint32(outCount, ready.length, true);
    },
  };
}
