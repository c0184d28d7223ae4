// Which WebAssembly features this process's engine accepts, asked the engine itself: each
// feature has a tiny module that uses it, and WebAssembly.validate says yes or no. Version
// tables would be wrong under flags (Node 20 has relaxed SIMD with
// --experimental-wasm-relaxed-simd) and for engines other than the V8 they were written for.
// V8's flags are per process, so one answer holds for every worker thread; each probe runs
// once.

/** The features an offload.json may say a module needs (see package/manifest.ts). */
export type EngineFeature = 'simd128' | 'relaxed-simd' | 'threads';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const V128 = 0x7b;

/**
 * A module with one function (v128 × arity) -> v128 whose body pushes its parameters and runs
 * `instruction` (0xFD and its LEB128 sub-opcode).
 */
function v128Function(arity: number, instruction: number[]): Uint8Array<ArrayBuffer> {
  const type = [0x01, 0x60, arity, ...Array<number>(arity).fill(V128), 0x01, V128];
  const body = [0x00, ...Array.from({ length: arity }, (_, i) => [0x20, i]).flat(), ...instruction, 0x0b];
  const code = [0x01, body.length, ...body];
  return Uint8Array.from([...HEADER, 0x01, type.length, ...type, 0x03, 0x02, 0x01, 0x00, 0x0a, code.length, ...code]);
}

const PROBES: Record<EngineFeature, () => Uint8Array<ArrayBuffer>> = {
  // f32x4.add: 0xFD 228.
  simd128: () => v128Function(2, [0xfd, 0xe4, 0x01]),
  // f32x4.relaxed_madd: 0xFD 0x105, the instruction offload's relaxed kernels are built around.
  'relaxed-simd': () => v128Function(3, [0xfd, 0x85, 0x02]),
  // A shared memory of one page (limits flags 0x03: has a maximum, shared).
  threads: () => Uint8Array.from([...HEADER, 0x05, 0x04, 0x01, 0x03, 0x01, 0x01]),
};

const answers = new Map<string, boolean>();

/** Whether this engine validates modules using `feature`; an unknown feature name is not supported. */
export function engineSupports(feature: string): boolean {
  let answer = answers.get(feature);
  if (answer === undefined) {
    const probe = PROBES[feature as EngineFeature] as (() => Uint8Array<ArrayBuffer>) | undefined;
    answer = probe !== undefined && WebAssembly.validate(probe());
    answers.set(feature, answer);
  }
  return answer;
}
