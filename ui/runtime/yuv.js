// RGBA → I420 (BT.709, limited range) for the video exports. Converting here, where the pixels
// already are, sends 1.5 bytes a pixel through the IPC bridge instead of 4 and spares the
// encoder's `videoconvert`; on two cores that CPU is what the encoder is short of.
//
// The layout (plane strides and offsets) comes from Rust, which takes it from GStreamer's own
// description of an I420 frame of this size, so the two can never disagree.
//
// simd.js does the same in WebAssembly SIMD, bit for bit (the render page uses it when it can);
// this file is its reference and the fallback.

// Coefficients × 2^16, limited range: Y = 16 + 219/255·(Kr R + Kg G + Kb B), Cb/Cr likewise
// with 224/255 (each row of the chroma sums to 0, so greys stay neutral). Chroma is the mean of
// each 2×2 block (sums of four, hence the shift by 18). The same integers as
// `core/src/encode/raw.rs`, the reference the encoder's tests use.
export const MATRICES = {
  bt709: [11966, 40254, 4064, -6596, -22188, 28784, 28784, -26145, -2639],
  bt601: [16829, 33039, 6416, -9714, -19070, 28784, 28784, -24103, -4681],
};

/**
 * Converts `rows` rows of `rgba` (opaque, `width` wide; both even) into `out`: luma rows from
 * byte `to.y`, chroma rows from `to.u` and `to.v`, with the strides and matrix of `to`
 * ({ y, u, v, strideY, strideC, matrix }).
 */
export function rgbaToI420(rgba, width, rows, out, to) {
  const { strideY, strideC } = to;
  const [YR, YG, YB, UR, UG, UB, VR, VG, VB] = MATRICES[to.matrix] || MATRICES.bt709;
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, width * rows);
  // Luma is stored two pixels at a time (offsets and strides are even, columns go in pairs).
  const luma = new Uint16Array(out.buffer, out.byteOffset, out.length >> 1);
  // The +16 and +128 offsets and the rounding are folded into one constant each. Math.imul:
  // JSC then multiplies without overflow checks (twice as fast as `*` on these variables).
  const Y0 = (16 << 16) + (1 << 15);
  const C0 = (128 << 18) + (1 << 17);
  for (let y = 0; y < rows; y += 2) {
    let p0 = y * width;
    let p1 = p0 + width;
    let o0 = (to.y + y * strideY) >> 1;
    let o1 = o0 + (strideY >> 1);
    let u = to.u + (y >> 1) * strideC;
    let v = to.v + (y >> 1) * strideC;
    const end = p0 + width;
    while (p0 < end) {
      // Little-endian: a pixel word is 0xAABBGGRR.
      const a = px[p0], b = px[p0 + 1], c = px[p1], d = px[p1 + 1];
      const ra = a & 255, ga = (a >> 8) & 255, ba = (a >> 16) & 255;
      const rb = b & 255, gb = (b >> 8) & 255, bb = (b >> 16) & 255;
      const rc = c & 255, gc = (c >> 8) & 255, bc = (c >> 16) & 255;
      const rd = d & 255, gd = (d >> 8) & 255, bd = (d >> 16) & 255;
      const ya = Math.imul(YR, ra) + Math.imul(YG, ga) + Math.imul(YB, ba) + Y0;
      const yb = Math.imul(YR, rb) + Math.imul(YG, gb) + Math.imul(YB, bb) + Y0;
      const yc = Math.imul(YR, rc) + Math.imul(YG, gc) + Math.imul(YB, bc) + Y0;
      const yd = Math.imul(YR, rd) + Math.imul(YG, gd) + Math.imul(YB, bd) + Y0;
      luma[o0] = (ya >> 16) | ((yb >> 8) & 0xff00);
      luma[o1] = (yc >> 16) | ((yd >> 8) & 0xff00);
      const rs = ra + rb + rc + rd, gs = ga + gb + gc + gd, bs = ba + bb + bc + bd;
      out[u] = (Math.imul(UR, rs) + Math.imul(UG, gs) + Math.imul(UB, bs) + C0) >> 18;
      out[v] = (Math.imul(VR, rs) + Math.imul(VG, gs) + Math.imul(VB, bs) + C0) >> 18;
      p0 += 2; p1 += 2; o0++; o1++; u++; v++;
    }
  }
}
