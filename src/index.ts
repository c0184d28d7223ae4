// The public API of offload, and nothing else.
export { OffloadError } from './errors.js';

// Building: Rust crate -> wasm package.
export { buildPackage, type BuildOptions, type BuildResult } from './build/build.js';
export type { OffloadManifest, BuiltArtifact } from './build/manifest.js';
export type { Export, ExportedFunction, ExportedClass, ExportedParam } from './build/dts.js';
export { runDoctor, type DoctorReport, type DoctorRow } from './build/doctor.js';
export * from './build/errors.js';

// Calling libraries: typed, pooled, limited.
export * from './runtime/index.js';

// Running WASI programs on V8 or WasmEdge.
export * from './programs/index.js';

// Serving packages over HTTP.
export * from './server/index.js';
