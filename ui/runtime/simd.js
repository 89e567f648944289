// Band comparison and RGBA → I420 in WebAssembly SIMD. The page reads every frame back and, for
// video, converts it: in plain JS that is ≈5 ms a 1080p frame on the same two cores the encoder
// needs; 128-bit SIMD does it in a fraction of that. The module is small enough to assemble here
// from its instructions (no toolchain, no binary in the repository); `yuv.js` stays the
// reference and the fallback.
//
// Memory (one linear memory, sized by the caller): whatever layout the caller chooses; the
// functions take byte offsets.
//   same(a, b, len) → 1 if the `len` bytes at a and b are equal (len a multiple of 16)
//   columns(a, b, width, rows) → x0 | x1 << 16: the pixel columns [x0, x1) where two blocks of
//     `rows` rows of `width` RGBA pixels (width a multiple of 4) differ, found 4 pixels at a
//     time (so x0 and x1 are multiples of 4); x0 = width and x1 = 0 when nothing differs
//   i420(src, width, rows, y, u, v, strideY, strideC, matrix) converts `rows` rows of opaque
//     RGBA at `src` (width ≥ 4, both even) with the same integers as yuv.js: luma rows to y,
//     chroma rows to u and v. matrix: 0 = BT.709, 1 = BT.601.

import { MATRICES } from "./yuv.js";

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.concat(b);
    out.push(b | 0x80);
  }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const str = (s) => vec([...s].map((c) => c.charCodeAt(0)));

// Instructions used below.
const I32 = 0x7f, V128 = 0x7b;
const get = (i) => [0x20, ...uleb(i)];
const set = (i) => [0x21, ...uleb(i)];
const tee = (i) => [0x22, ...uleb(i)];
const c32 = (n) => [0x41, ...sleb(n)];
const add = [0x6a], sub = [0x6b], mul = [0x6c], or = [0x72], shl = [0x74], shru = [0x76];
const ltu = [0x49], lts = [0x48], gtu = [0x4b], eqz = [0x45];
const select = [0x1b]; // (a, b, c) → c ? a : b
const block = [0x02, 0x40], loop = [0x03, 0x40], end = [0x0b], br = (d) => [0x0c, d], brIf = (d) => [0x0d, d];
const ifThen = [0x04, 0x40], ret = [0x0f];
const simd = (op, ...imm) => [0xfd, ...uleb(op), ...imm];
const load = (offset = 0) => simd(0x00, 0, ...uleb(offset));
const store32Lane = (lane) => simd(0x5a, 0, 0, lane);
const store16Lane = (lane) => simd(0x59, 0, 0, lane);
const shuffle = (lanes) => simd(0x0d, ...lanes);
const vAnd = simd(0x4e), vXor = simd(0x51), anyTrue = simd(0x53), splat = simd(0x11);
const narrow16u = simd(0x86), narrow8u = simd(0x66);
const iShrS = simd(0xac), iShrU = simd(0xad), iAdd = simd(0xae), iMul = simd(0xb5);

/** same(a, b, len): `len` becomes the end address. */
function sameBody() {
  return [
    ...vec([]),
    ...get(0), ...get(2), ...add, ...set(2), // len := a + len (the end)
    ...block, ...loop,
    ...get(0), ...get(2), ...ltu, ...eqz, ...brIf(1),
    ...get(0), ...load(), ...get(1), ...load(), ...vXor, ...anyTrue,
    ...ifThen, ...c32(0), ...ret, ...end,
    ...get(0), ...c32(16), ...add, ...set(0),
    ...get(1), ...c32(16), ...add, ...set(1),
    ...br(0), ...end, ...end,
    ...c32(1),
    ...end,
  ];
}

/** columns(a, b, width, rows). Each row is scanned from both ends only as far as the columns
 * found so far, so the block costs at most one pass; a row that differs at both ends stops at
 * once. Locals: 4 x0, 5 x1, 6 row, 7 ra, 8 rb, 9 x (the left scan, then the right one). */
function columnsBody() {
  const differs = (at) => [...get(7), ...at, ...add, ...load(), ...get(8), ...at, ...add, ...load(), ...vXor, ...anyTrue];
  const x4 = [...get(9), ...c32(2), ...shl];
  const rowStart = (base) => [...get(base), ...get(6), ...get(2), ...mul, ...c32(2), ...shl, ...add];
  return [
    ...vec([[...uleb(6), I32]]),
    ...get(2), ...set(4),
    ...c32(0), ...set(5),
    ...c32(0), ...set(6),
    ...block, ...loop,
    ...get(6), ...get(3), ...ltu, ...eqz, ...brIf(1),
    ...rowStart(0), ...set(7),
    ...rowStart(1), ...set(8),
    // From the left, up to x0.
    ...c32(0), ...set(9),
    ...block, ...loop,
    ...get(9), ...get(4), ...ltu, ...eqz, ...brIf(1),
    ...differs(x4), ...brIf(1),
    ...get(9), ...c32(4), ...add, ...set(9),
    ...br(0), ...end, ...end,
    ...get(9), ...set(4),
    // From the right, down to x1.
    ...get(2), ...c32(4), ...sub, ...set(9),
    ...block, ...loop,
    ...get(9), ...get(5), ...lts, ...brIf(1),
    ...differs(x4), ...brIf(1),
    ...get(9), ...c32(4), ...sub, ...set(9),
    ...br(0), ...end, ...end,
    ...get(9), ...c32(4), ...add, ...set(5),
    ...get(6), ...c32(1), ...add, ...set(6),
    ...br(0), ...end, ...end,
    ...get(4), ...get(5), ...c32(16), ...shl, ...or,
    ...end,
  ];
}

// i420 params: 0 src, 1 width, 2 rows, 3 y, 4 u, 5 v, 6 strideY, 7 strideC, 8 matrix
// i32 locals: 9 row, 10 x, 11 p0 (row 0's pixels), 12 p1 (row 1's), 13 yo (row 0's luma), 14 co
// (the chroma row's offset). v128 locals: 15 mask, 16-18 YR YG YB, 19 Y0, 20-22 UR UG UB,
// 23-25 VR VG VB, 26 C0, 27-28 w0 w1 (scratch), 29-31 r0 g0 b0, 32-34 r1 g1 b1.
function i420Body(coefficients) {
  const L = { row: 9, x: 10, p0: 11, p1: 12, yo: 13, co: 14, mask: 15, Y0: 19, C0: 26 };
  const KI = [16, 17, 18, 20, 21, 22, 23, 24, 25];
  const splatTo = (local, value) => [...c32(value), ...splat, ...set(local)];
  // The matrix's coefficient k: select(bt709, bt601, matrix == 0).
  const pick = (k) => [
    ...c32(coefficients[0][k]), ...c32(coefficients[1][k]), ...get(8), ...eqz, ...select,
    ...splat, ...set(KI[k]),
  ];
  const channels = (w, r, g, b) => [
    ...get(w), ...get(L.mask), ...vAnd, ...set(r),
    ...get(w), ...c32(8), ...iShrU, ...get(L.mask), ...vAnd, ...set(g),
    ...get(w), ...c32(16), ...iShrU, ...get(L.mask), ...vAnd, ...set(b),
  ];
  const weighted = (r, g, b, k) => [
    ...get(r), ...get(KI[k]), ...iMul, ...get(g), ...get(KI[k + 1]), ...iMul, ...iAdd,
    ...get(b), ...get(KI[k + 2]), ...iMul, ...iAdd,
  ];
  const luma = (r, g, b) => [...weighted(r, g, b, 0), ...get(L.Y0), ...iAdd, ...c32(16), ...iShrU];
  // A channel summed over each 2×2 block: the two rows added, then each lane with its
  // neighbour (lanes 0 and 2 hold the sums). Left in the row-0 local.
  const swapPairs = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
  const blockSum = (a, b) => [
    ...get(a), ...get(b), ...iAdd, ...set(a),
    ...get(a), ...get(a), ...get(a), ...shuffle(swapPairs), ...iAdd, ...set(a),
  ];
  const chroma = (k) => [...weighted(29, 30, 31, k), ...get(L.C0), ...iAdd, ...c32(18), ...iShrS];
  const minus4 = [...get(1), ...c32(-4), ...add];
  return [
    ...vec([[...uleb(6), I32], [...uleb(20), V128]]),
    ...splatTo(L.mask, 255),
    ...splatTo(L.Y0, (16 << 16) + (1 << 15)),
    ...splatTo(L.C0, (128 << 18) + (1 << 17)),
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap(pick),
    ...c32(0), ...set(L.row),
    ...block, ...loop,
    ...get(L.row), ...get(2), ...ltu, ...eqz, ...brIf(1),
    // p0 = src + row·width·4; p1 = p0 + width·4; yo = y + row·strideY; co = (row/2)·strideC
    ...get(0), ...get(L.row), ...get(1), ...mul, ...c32(2), ...shl, ...add, ...set(L.p0),
    ...get(L.p0), ...get(1), ...c32(2), ...shl, ...add, ...set(L.p1),
    ...get(3), ...get(L.row), ...get(6), ...mul, ...add, ...set(L.yo),
    ...get(L.row), ...c32(1), ...shru, ...get(7), ...mul, ...set(L.co),
    ...c32(0), ...set(L.x),
    ...block, ...loop,
    ...get(L.x), ...get(1), ...ltu, ...eqz, ...brIf(1),
    // A row whose width is not a multiple of 4 ends with a block that overlaps the one before
    // it (x = width − 4, still even): the same pixels give the same bytes.
    ...minus4, ...get(L.x), ...get(L.x), ...minus4, ...gtu, ...select, ...set(L.x),
    ...get(L.p0), ...get(L.x), ...c32(2), ...shl, ...add, ...load(), ...set(27),
    ...get(L.p1), ...get(L.x), ...c32(2), ...shl, ...add, ...load(), ...set(28),
    ...channels(27, 29, 30, 31),
    ...channels(28, 32, 33, 34),
    // Luma: both rows narrowed to bytes (row 0 in bytes 0-3, row 1 in bytes 4-7).
    ...luma(29, 30, 31), ...luma(32, 33, 34), ...narrow16u, ...set(27),
    ...get(27), ...get(27), ...narrow8u, ...set(27),
    ...get(L.yo), ...get(L.x), ...add, ...get(27), ...store32Lane(0),
    ...get(L.yo), ...get(6), ...add, ...get(L.x), ...add, ...get(27), ...store32Lane(1),
    // Chroma: U and V of the two blocks, their low bytes gathered as U U V V.
    ...blockSum(29, 32), ...blockSum(30, 33), ...blockSum(31, 34),
    ...chroma(3), ...chroma(6),
    ...shuffle([0, 8, 16, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ...set(27),
    ...get(4), ...get(L.co), ...add, ...get(L.x), ...c32(1), ...shru, ...add, ...get(27), ...store16Lane(0),
    ...get(5), ...get(L.co), ...add, ...get(L.x), ...c32(1), ...shru, ...add, ...get(27), ...store16Lane(1),
    ...get(L.x), ...c32(4), ...add, ...set(L.x),
    ...br(0), ...end, ...end,
    ...get(L.row), ...c32(2), ...add, ...set(L.row),
    ...br(0), ...end, ...end,
    ...end,
  ];
}

function moduleBytes(pages) {
  const fn = (body) => [...uleb(body.length), ...body];
  const types = [
    [0x60, ...vec([I32, I32, I32]), ...vec([I32])],
    [0x60, ...vec([I32, I32, I32, I32, I32, I32, I32, I32, I32]), ...vec([])],
    [0x60, ...vec([I32, I32, I32, I32]), ...vec([I32])],
  ];
  const coefficients = [MATRICES.bt709, MATRICES.bt601];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec([uleb(0), uleb(1), uleb(2)])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([[...str("memory"), 0x02, 0], [...str("same"), 0x00, 0], [...str("i420"), 0x00, 1], [...str("columns"), 0x00, 2]])),
    ...section(10, vec([fn(sameBody()), fn(i420Body(coefficients)), fn(columnsBody())])),
  ]);
}

/** An instance with at least `bytes` of memory: { memory, same, i420, columns }, or null without SIMD. */
export function instantiate(bytes) {
  try {
    const pages = Math.ceil(bytes / 65536);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(pages)));
    return { memory: exports.memory, same: exports.same, i420: exports.i420, columns: exports.columns };
  } catch (e) {
    return null;
  }
}
