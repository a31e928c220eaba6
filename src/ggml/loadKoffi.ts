import { createRequire } from "node:module";
import type koffiModule from "koffi";

export type Koffi = typeof koffiModule;

let koffi: Koffi | undefined;

/**
 * koffi, required on first use: importing it at module load would load its native addon for every CLI
 * command, `--help` included.
 */
export function loadKoffi(): Koffi {
  koffi ??= createRequire(import.meta.url)("koffi") as Koffi;
  return koffi;
}
