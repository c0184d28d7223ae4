// `offload`: the runtime, and nothing else, so that importing it loads neither the HTTP
// server (Fastify, prom-client) nor the TypeScript compiler the build uses.
//   offload           load(), transfer(), the call errors
//   offload/programs  runProgram() for WASI programs on V8 or WasmEdge
//   offload/server    serve(): packages over HTTP
//   offload/build     buildPackage(), runDoctor(): Rust crate -> wasm package
export * from './runtime/index.js';
