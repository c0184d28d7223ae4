import { fileURLToPath } from 'node:url';
import type { DoctorRow } from '../build/doctor.js';
import { locateWasmEdge } from './wasmedge-locate.js';

const installScript = fileURLToPath(new URL('../../scripts/install-wasmedge.sh', import.meta.url));

/** The doctor row for the second engine: optional, since V8 runs every program too. */
export async function wasmEdgeDoctorRow(): Promise<DoctorRow> {
  try {
    const found = await locateWasmEdge();
    return { item: 'wasmedge', ok: true, optional: true, detail: `${found.version} (${found.path})` };
  } catch {
    return {
      item: 'wasmedge',
      ok: false,
      optional: true,
      detail: 'not found (only needed for --engine wasmedge)',
      fix: `bash ${installScript}`,
    };
  }
}
