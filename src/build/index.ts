// `offload/build`: Rust crate -> wasm package, and what the machine has for it.
export { buildPackage, type BuildOptions, type BuildResult } from './build.js';
export type { OffloadManifest, BuiltArtifact } from '../package/manifest.js';
export type { Export, ExportedFunction, ExportedClass, ExportedEnum, ExportedParam, EnumValues } from '../package/dts.js';
export { runDoctor, type DoctorReport, type DoctorRow } from './doctor.js';
export * from './errors.js';
