import { OffloadError } from '../errors.js';

/** The directory has no Cargo.toml, or its Cargo.toml has no [package]. */
export class NotACrateError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_NOT_A_CRATE', message);
  }
}

/** A library crate whose [lib] crate-type lacks "cdylib": cargo would not produce a .wasm. */
export class NotCdylibError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_NOT_CDYLIB', message);
  }
}

/** A library crate without the wasm-bindgen dependency: there would be nothing to bind. */
export class NoWasmBindgenError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_NO_WASM_BINDGEN', message);
  }
}

/** A crate with only binaries was given to the library build (or a library to the WASI build). */
export class WrongCrateKindError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_WRONG_CRATE_KIND', message);
  }
}

/** The cargo target directory or the output directory cannot be written. */
export class UnwritableDirectoryError extends OffloadError {
  constructor(message: string, cause?: unknown) {
    super('ERR_OFFLOAD_UNWRITABLE', message, { cause });
  }
}

/** No Rust route on this machine can build for the wanted wasm target. */
export class ToolchainMissingError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_TOOLCHAIN_MISSING', message);
  }
}

/** cargo (or a tool after it) failed; its own output has already been shown. */
export class CompileError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_COMPILE', message);
  }
}

/** The crate's Cargo.lock does not name exactly one wasm-bindgen version. */
export class LockfileError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_LOCKFILE', message);
  }
}

/** Installing a tool (wasm-bindgen-cli, apt packages) failed. */
export class InstallError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_INSTALL', message);
  }
}
