// Decoding function bodies one instruction at a time. Finding a real opcode (a `memory.grow`,
// a `call`) needs every instruction before it decoded, because its byte also occurs as the
// empty block type and inside many immediates; an opcode this decoder does not know throws
// WasmFormatError rather than risking a misread of everything after it.

import { REF_NON_NULL, REF_NULLABLE, type Reader, WasmFormatError, skipValueType } from './binary.js';

export const OP_CALL = 0x10;
export const OP_MEMORY_GROW = 0x40;
/** The prefix byte of SIMD128 and relaxed-SIMD instructions; a LEB128 sub-opcode follows. */
export const OP_SIMD_PREFIX = 0xfd;
/** Relaxed SIMD's sub-opcodes after 0xFD: i8x16.relaxed_swizzle (0x100) to i32x4.relaxed_dot_i8x16_i7x16_add_s (0x113). */
export const RELAXED_SIMD_OPCODES = { first: 0x100, last: 0x113 } as const;

export function isRelaxedSimdOpcode(sub: number): boolean {
  return sub >= RELAXED_SIMD_OPCODES.first && sub <= RELAXED_SIMD_OPCODES.last;
}

/** Skips a body's local declarations; r.pos is then at its first instruction. */
export function skipLocals(r: Reader): void {
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.skipLeb();
    skipValueType(r);
  }
}

/** A block type: 0x40 (empty), a value type, or a type index. One s33 LEB covers each of
 *  them, except typed references, whose 0x63/0x64 is followed by a heap type. */
function skipBlockType(r: Reader): void {
  const b = r.bytes[r.pos];
  if (b === REF_NULLABLE || b === REF_NON_NULL) r.pos++;
  r.skipLeb();
}

function skipMemarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.skipLeb(); // multi-memory: an explicit memory index follows
  r.skipLeb(); // offset (u64 for memory64)
}

/**
 * Decodes one instruction at r.pos (its opcode byte), leaving r.pos after its immediates.
 * Returns true when it is `memory.grow` on memory 0. Throws WasmFormatError for an opcode it
 * does not know, since guessing its length would misread everything after it.
 */
export function skipInstruction(r: Reader): boolean {
  const op = r.byte();
  // Numeric MVP, sign extension: no immediates. The hottest range, so tested first.
  if (op >= 0x45 && op <= 0xc4) return false;
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0b: case 0x0f: case 0x19: case 0x1a:
    case 0x1b: case 0xd1: case 0xd3: case 0xd5:
      // unreachable nop else throw_ref end return catch_all drop select ref.is_null
      // ref.as_non_null ref.eq
      return false;
    case 0x02: case 0x03: case 0x04: case 0x06: // block loop if try
      skipBlockType(r);
      return false;
    case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x14:
    case 0x15: case 0x18: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x26: case 0x3f: case 0xd0: case 0xd2: case 0xd4: case 0xd6:
      // catch throw rethrow br br_if call return_call call_ref return_call_ref delegate
      // local.* global.* table.get table.set memory.size ref.null ref.func br_on_null
      // br_on_non_null: one LEB immediate
      r.skipLeb();
      return false;
    case 0x11: case 0x13: // call_indirect return_call_indirect: type, table
      r.skipLeb();
      r.skipLeb();
      return false;
    case 0x0e: { // br_table
      const count = r.u32();
      for (let i = 0; i <= count; i++) r.skipLeb();
      return false;
    }
    case 0x1c: { // select t*
      const count = r.u32();
      for (let i = 0; i < count; i++) skipValueType(r);
      return false;
    }
    case 0x1f: { // try_table: block type, then catch clauses
      skipBlockType(r);
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const kind = r.byte();
        if (kind === 0x00 || kind === 0x01) r.skipLeb(); // catch / catch_ref: tag
        else if (kind !== 0x02 && kind !== 0x03) throw new WasmFormatError(`unknown try_table catch kind 0x${kind.toString(16)}`);
        r.skipLeb(); // label
      }
      return false;
    }
    case OP_MEMORY_GROW:
      return r.u32() === 0;
    case 0x41: case 0x42: // i32.const i64.const
      r.skipLeb();
      return false;
    case 0x43:
      r.skip(4);
      return false;
    case 0x44:
      r.skip(8);
      return false;
    case 0xfc:
      skipMiscInstruction(r);
      return false;
    case OP_SIMD_PREFIX:
      skipSimdInstruction(r);
      return false;
    case 0xfe:
      skipAtomicInstruction(r);
      return false;
    default:
      if (op >= 0x28 && op <= 0x3e) { // loads and stores
        skipMemarg(r);
        return false;
      }
      throw new WasmFormatError(`unknown opcode 0x${op.toString(16)} at byte ${r.pos - 1}`);
  }
}

/** 0xFC: saturating truncation, bulk memory, reference-type table ops. */
function skipMiscInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub <= 7) return; // trunc_sat
  switch (sub) {
    case 8: case 10: case 12: case 14: // memory.init memory.copy table.init table.copy
      r.skipLeb();
      r.skipLeb();
      return;
    case 9: case 11: case 13: case 15: case 16: case 17:
      // data.drop memory.fill elem.drop table.grow table.size table.fill
      r.skipLeb();
      return;
    default:
      throw new WasmFormatError(`unknown opcode 0xfc ${sub} at byte ${r.pos}`);
  }
}

/** 0xFD: SIMD128 and relaxed SIMD. */
function skipSimdInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) { // loads, v128.store, load*_zero
    skipMemarg(r);
  } else if (sub === 12 || sub === 13) { // v128.const, i8x16.shuffle
    r.skip(16);
  } else if (sub >= 21 && sub <= 34) { // extract_lane / replace_lane
    r.skip(1);
  } else if (sub >= 84 && sub <= 91) { // load*_lane / store*_lane
    skipMemarg(r);
    r.skip(1);
  } else if (sub > 0xff && !isRelaxedSimdOpcode(sub)) { // past SIMD128 and relaxed SIMD
    throw new WasmFormatError(`unknown opcode 0xfd ${sub} at byte ${r.pos}`);
  }
}

/** 0xFE: threads (atomic memory accesses, wait/notify, fence). */
function skipAtomicInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub === 0x03) { // atomic.fence: one reserved byte
    r.skip(1);
  } else if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) {
    skipMemarg(r);
  } else {
    throw new WasmFormatError(`unknown opcode 0xfe ${sub} at byte ${r.pos}`);
  }
}
