// What a module declares, read once from its sections: types, imports, memories, globals,
// exports and where each function body sits. Inspection (program checks, memory limits) and
// rewriting (the memory cap, the grow probe) all start from this one reading.

import { External, I32, type Limits, type Section, Reader, SectionId, WasmFormatError, readLimits, readSections, skipValueType } from './binary.js';

export interface Import {
  module: string;
  name: string;
  kind: number;
}

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export interface FunctionBody {
  /** The body's size field. */
  sizeStart: number;
  /** First byte of the locals, and one past the final `end`. */
  start: number;
  end: number;
}

export interface MemoryDeclaration extends Limits {
  imported: boolean;
}

export interface ModuleLayout {
  sections: Section[];
  imports: Import[];
  importedFunctions: number;
  importedGlobals: number;
  definedFunctions: number;
  definedGlobals: number;
  typeCount: number;
  /** The first (i32) -> (i32) function type. */
  i32ToI32Type: number | undefined;
  /** Why type indices cannot be trusted to be entry numbers (GC rec/sub types), if so. */
  unsupportedTypes: string | undefined;
  /** Every memory, imported ones first (the index space's order). */
  memories: MemoryDeclaration[];
  exports: Export[];
  bodies: FunctionBody[];
}

export const FUNC_TYPE_FORM = 0x60;

/** Reads the module's declarations; throws WasmFormatError for a module it cannot read. */
export function readModule(bytes: Uint8Array): ModuleLayout {
  const layout: ModuleLayout = {
    sections: readSections(bytes),
    imports: [],
    importedFunctions: 0,
    importedGlobals: 0,
    definedFunctions: 0,
    definedGlobals: 0,
    typeCount: 0,
    i32ToI32Type: undefined,
    unsupportedTypes: undefined,
    memories: [],
    exports: [],
    bodies: [],
  };
  for (const s of layout.sections) {
    const r = new Reader(bytes, s.start, s.end);
    switch (s.id) {
      case SectionId.Type: readTypes(r, layout); break;
      case SectionId.Import: readImports(r, layout); break;
      case SectionId.Function: layout.definedFunctions = r.u32(); break;
      case SectionId.Memory: {
        const count = r.u32();
        for (let i = 0; i < count; i++) layout.memories.push({ ...readLimits(r), imported: false });
        break;
      }
      case SectionId.Global: layout.definedGlobals = r.u32(); break;
      case SectionId.Export: {
        const count = r.u32();
        for (let i = 0; i < count; i++) layout.exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
        break;
      }
      case SectionId.Code: {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          const sizeStart = r.pos;
          const size = r.u32();
          const start = r.pos;
          r.skip(size);
          layout.bodies.push({ sizeStart, start, end: r.pos });
        }
        break;
      }
    }
  }
  if (layout.bodies.length !== layout.definedFunctions) {
    throw new WasmFormatError(`${layout.definedFunctions} functions declared but ${layout.bodies.length} bodies`);
  }
  return layout;
}

export function sectionOf(layout: ModuleLayout, id: number): Section | undefined {
  return layout.sections.find((s) => s.id === id);
}

function readTypes(r: Reader, layout: ModuleLayout): void {
  layout.typeCount = r.u32();
  for (let index = 0; index < layout.typeCount; index++) {
    const form = r.byte();
    // GC's rec/sub types would make "entry number" and "type index" differ: the rest of the
    // section is left unread, and only a rewrite that adds a type needs to care.
    if (form !== FUNC_TYPE_FORM) {
      layout.unsupportedTypes = `type form 0x${form.toString(16)} (GC types) is not supported`;
      return;
    }
    const paramIsI32 = readValueTypes(r);
    const resultIsI32 = readValueTypes(r);
    if (layout.i32ToI32Type === undefined && paramIsI32 && resultIsI32) layout.i32ToI32Type = index;
  }
}

/** Skips a vec(valtype); true when it was exactly one i32. */
function readValueTypes(r: Reader): boolean {
  const count = r.u32();
  const first = r.bytes[r.pos];
  for (let i = 0; i < count; i++) skipValueType(r);
  return count === 1 && first === I32;
}

function readImports(r: Reader, layout: ModuleLayout): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const entry = { module: r.name(), name: r.name(), kind: r.byte() };
    layout.imports.push(entry);
    switch (entry.kind) {
      case External.Function:
        r.skipLeb();
        layout.importedFunctions++;
        break;
      case External.Table:
        skipValueType(r);
        readLimits(r);
        break;
      case External.Memory:
        layout.memories.push({ ...readLimits(r), imported: true });
        break;
      case External.Global:
        skipValueType(r);
        r.byte();
        layout.importedGlobals++;
        break;
      case External.Tag:
        r.byte();
        r.skipLeb();
        break;
      default:
        throw new WasmFormatError(`unknown import kind 0x${entry.kind.toString(16)}`);
    }
  }
}
