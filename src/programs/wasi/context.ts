/** What every group of WASI calls works on: one program run's memory, descriptors and stdio. */
import type { FdTable } from './fd-table.js';
import type { GuestMemory } from './guest-memory.js';
import type { Stdio } from './stdio.js';

export interface WasiContext {
  memory: GuestMemory;
  fds: FdTable;
  stdio: Stdio;
  /** NUL-terminated, as args_get hands them to the guest. */
  args: Uint8Array[];
  /** `KEY=value` NUL-terminated, as environ_get hands them to the guest. */
  env: Uint8Array[];
}
