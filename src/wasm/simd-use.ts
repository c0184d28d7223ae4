// Which SIMD instructions a module's code really uses. `offload build --relaxed-simd` ships its
// relaxed twin only when the twin contains relaxed-SIMD instructions (a twin without them
// would run exactly like the baseline), and its tests prove the baseline contains none.
// Opcodes are found by decoding every instruction (instructions.ts): 0xFD also occurs inside
// immediates, so a byte search could count a constant as an instruction.

import { Reader } from './binary.js';
import { OP_SIMD_PREFIX, isRelaxedSimdOpcode, skipInstruction, skipLocals } from './instructions.js';
import { readModule } from './module-layout.js';

export interface SimdUse {
  /** Instructions with the 0xFD prefix, relaxed ones included. */
  simd: number;
  /** Relaxed-SIMD instructions (0xFD 0x100..0x113). */
  relaxed: number;
}

/** Counts the module's SIMD and relaxed-SIMD instructions; throws WasmFormatError for a module it cannot decode. */
export function simdUse(bytes: Uint8Array): SimdUse {
  const use: SimdUse = { simd: 0, relaxed: 0 };
  for (const body of readModule(bytes).bodies) {
    const r = new Reader(bytes, body.start, body.end);
    skipLocals(r);
    while (!r.atEnd) {
      if (r.bytes[r.pos] === OP_SIMD_PREFIX) {
        use.simd++;
        // Read the sub-opcode on a second cursor; skipInstruction then decodes the whole instruction.
        if (isRelaxedSimdOpcode(new Reader(bytes, r.pos + 1, body.end).u32())) use.relaxed++;
      }
      skipInstruction(r);
    }
  }
  return use;
}
