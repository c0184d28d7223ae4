// Turns a Fault (plain data from an instance) into the error class the caller sees.

import {
  OffloadBadArgumentError,
  OffloadCallError,
  OffloadGuestError,
  OffloadInstanceLostError,
  OffloadMemoryError,
  OffloadResultTooLargeError,
  OffloadTrapError,
} from './errors.js';
import type { Fault } from './protocol.js';

export function faultToError(fn: string, fault: Fault): OffloadCallError {
  switch (fault.kind) {
    case 'trap':
      return new OffloadTrapError(fn, fault.trapKind, fault.detail, { panicMessage: fault.panicMessage, location: fault.location });
    case 'memory':
      return new OffloadMemoryError(fn, fault.detail, { usedBytes: fault.usedBytes, limitBytes: fault.limitBytes });
    case 'guest':
      return new OffloadGuestError(fn, fault.message, fault.cause);
    case 'too_large':
      return new OffloadResultTooLargeError(fn, fault.sizeBytes, fault.limitBytes);
    case 'bad_argument':
      return new OffloadBadArgumentError(`${fn}: ${fault.message}. Check the name and arguments against the package's .d.ts.`, { function: fn });
    case 'instance_lost':
      return new OffloadInstanceLostError(fn, fault.why);
  }
}
