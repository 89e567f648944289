// Loads the render page's WebAssembly SIMD reader: band comparison and RGBA → I420, written in
// `simd.wat` (its comments say what each function does) and compiled to `simd.wasm` when the
// app is built. `yuv.js` stays the reference and the fallback.

import { MATRICES } from "./yuv.js";

// Compiled once, when the page's modules load; null where the engine has no WebAssembly SIMD
// (or the module cannot be had), and the page converts in plain JS.
const compiled = await (async () => {
  try {
    const response = await fetch(new URL("./simd.wasm", import.meta.url));
    if (!response.ok) return null;
    return await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    return null;
  }
})();

// Each matrix's nine coefficients are kept in the last bytes of the memory, 64 bytes a matrix.
const MATRIX_BYTES = 64;
const RESERVED = Object.keys(MATRICES).length * MATRIX_BYTES;

/**
 * An instance with at least `bytes` of memory for the caller:
 * { memory, same(a, b, len), columns(a, b, width, rows), i420(src, width, rows, y, u, v, strideY,
 * strideC, matrix) } with matrix "bt709" or "bt601"; null without SIMD.
 */
export function instantiate(bytes) {
  if (!compiled) return null;
  try {
    const pages = Math.ceil((bytes + RESERVED) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages });
    const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
    // Touched now, while the modules load, rather than by the first frames (29 MB at 1080p:
    // otherwise ≈10 ms of page faults in each of frames 0 and 1, while the encoder waits).
    new Uint8Array(memory.buffer).fill(0);
    const table = {};
    let at = pages * 65536 - RESERVED;
    for (const [name, coefficients] of Object.entries(MATRICES)) {
      new Int32Array(memory.buffer, at, coefficients.length).set(coefficients);
      table[name] = at;
      at += MATRIX_BYTES;
    }
    const i420 = (src, width, rows, y, u, v, strideY, strideC, matrix) =>
      exports.i420(src, width, rows, y, u, v, strideY, strideC, table[matrix] ?? table.bt709);
    return { memory, same: exports.same, columns: exports.columns, i420 };
  } catch (e) {
    return null;
  }
}
