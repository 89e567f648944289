;; Band comparison and RGBA → I420 in WebAssembly SIMD (128-bit). The render page reads every
;; frame back and, for video, converts it: in plain JS that is several milliseconds a 1080p frame
;; on the same two cores the encoder needs (figures: BENCHMARKS.md, "WebAssembly SIMD reader").
;; Compiled to `simd.wasm` by src-tauri/build.rs and served beside the page; `simd.js` loads it,
;; and `yuv.js` stays the reference and the fallback (a test compares the two byte for byte).
;;
;; Memory is the caller's (imported, sized for its frames); every function takes byte offsets.
;; The functions never read or write outside the offsets they are given.
(module
  (import "env" "memory" (memory 1))

  ;; same(a, b, len) → 1 if the `len` bytes at a and b are equal (len a multiple of 16).
  (func (export "same") (param $a i32) (param $b i32) (param $len i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (if (v128.any_true (v128.xor (v128.load align=1 (local.get $a)) (v128.load align=1 (local.get $b))))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (i32.const 1))

  ;; columns(a, b, width, rows) → x0 | x1 << 16: the pixel columns [x0, x1) where two blocks of
  ;; `rows` rows of `width` RGBA pixels (width a multiple of 4) differ, found 4 pixels at a time
  ;; (so x0 and x1 are multiples of 4); x0 = width and x1 = 0 when nothing differs. Each row is
  ;; scanned from both ends only as far as the columns found so far, so a block costs at most one
  ;; pass, and a row that differs at both ends stops at once.
  (func (export "columns") (param $a i32) (param $b i32) (param $width i32) (param $rows i32) (result i32)
    (local $x0 i32) (local $x1 i32) (local $row i32) (local $ra i32) (local $rb i32) (local $x i32)
    (local.set $x0 (local.get $width))
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $ra (i32.add (local.get $a) (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
        (local.set $rb (i32.add (local.get $b) (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
        ;; From the left, up to x0.
        (local.set $x (i32.const 0))
        (block $left_done
          (loop $left
            (br_if $left_done (i32.ge_u (local.get $x) (local.get $x0)))
            (br_if $left_done
              (v128.any_true (v128.xor
                (v128.load align=1 (i32.add (local.get $ra) (i32.shl (local.get $x) (i32.const 2))))
                (v128.load align=1 (i32.add (local.get $rb) (i32.shl (local.get $x) (i32.const 2)))))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $left)))
        (local.set $x0 (local.get $x))
        ;; From the right, down to x1.
        (local.set $x (i32.sub (local.get $width) (i32.const 4)))
        (block $right_done
          (loop $right
            (br_if $right_done (i32.lt_s (local.get $x) (local.get $x1)))
            (br_if $right_done
              (v128.any_true (v128.xor
                (v128.load align=1 (i32.add (local.get $ra) (i32.shl (local.get $x) (i32.const 2))))
                (v128.load align=1 (i32.add (local.get $rb) (i32.shl (local.get $x) (i32.const 2)))))))
            (local.set $x (i32.sub (local.get $x) (i32.const 4)))
            (br $right)))
        (local.set $x1 (i32.add (local.get $x) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next_row)))
    (i32.or (local.get $x0) (i32.shl (local.get $x1) (i32.const 16))))

  ;; i420(src, width, rows, y, u, v, strideY, strideC, coefficients) converts `rows` rows of
  ;; opaque RGBA at `src` (width ≥ 4, both even) with the same integers as yuv.js: luma rows to
  ;; y, chroma rows to u and v. `coefficients`: the offset of the matrix's nine i32s, in yuv.js's
  ;; order (YR YG YB UR UG UB VR VG VB, × 2^16), which the caller copies from yuv.js's MATRICES.
  (func (export "i420")
    (param $src i32) (param $width i32) (param $rows i32) (param $y i32) (param $u i32) (param $v i32)
    (param $strideY i32) (param $strideC i32) (param $k i32)
    (local $row i32) (local $x i32) (local $p0 i32) (local $p1 i32) (local $yo i32) (local $co i32)
    (local $mask v128) (local $Y0 v128) (local $C0 v128)
    (local $YR v128) (local $YG v128) (local $YB v128)
    (local $UR v128) (local $UG v128) (local $UB v128)
    (local $VR v128) (local $VG v128) (local $VB v128)
    (local $w0 v128) (local $w1 v128) (local $c v128)
    (local $r0 v128) (local $g0 v128) (local $b0 v128)
    (local $r1 v128) (local $g1 v128) (local $b1 v128)
    (local.set $mask (i32x4.splat (i32.const 255)))
    ;; Offsets with rounding: Y = (… + (16 << 16) + 2^15) >> 16, C = (… + (128 << 18) + 2^17) >> 18.
    (local.set $Y0 (i32x4.splat (i32.const 1081344)))
    (local.set $C0 (i32x4.splat (i32.const 33685504)))
    (local.set $YR (i32x4.splat (i32.load offset=0 (local.get $k))))
    (local.set $YG (i32x4.splat (i32.load offset=4 (local.get $k))))
    (local.set $YB (i32x4.splat (i32.load offset=8 (local.get $k))))
    (local.set $UR (i32x4.splat (i32.load offset=12 (local.get $k))))
    (local.set $UG (i32x4.splat (i32.load offset=16 (local.get $k))))
    (local.set $UB (i32x4.splat (i32.load offset=20 (local.get $k))))
    (local.set $VR (i32x4.splat (i32.load offset=24 (local.get $k))))
    (local.set $VG (i32x4.splat (i32.load offset=28 (local.get $k))))
    (local.set $VB (i32x4.splat (i32.load offset=32 (local.get $k))))
    (block $rows_done
      (loop $next_rows
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $p0 (i32.add (local.get $src) (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
        (local.set $p1 (i32.add (local.get $p0) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $row) (local.get $strideY))))
        (local.set $co (i32.mul (i32.shr_u (local.get $row) (i32.const 1)) (local.get $strideC)))
        (local.set $x (i32.const 0))
        (block $row_done
          (loop $next_pixels
            (br_if $row_done (i32.ge_u (local.get $x) (local.get $width)))
            ;; A row whose width is not a multiple of 4 ends with a block that overlaps the one
            ;; before it (x = width − 4, still even): the same pixels give the same bytes.
            (local.set $x
              (select (i32.sub (local.get $width) (i32.const 4)) (local.get $x)
                (i32.gt_u (local.get $x) (i32.sub (local.get $width) (i32.const 4)))))
            (local.set $w0 (v128.load align=1 (i32.add (local.get $p0) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $w1 (v128.load align=1 (i32.add (local.get $p1) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $r0 (v128.and (local.get $w0) (local.get $mask)))
            (local.set $g0 (v128.and (i32x4.shr_u (local.get $w0) (i32.const 8)) (local.get $mask)))
            (local.set $b0 (v128.and (i32x4.shr_u (local.get $w0) (i32.const 16)) (local.get $mask)))
            (local.set $r1 (v128.and (local.get $w1) (local.get $mask)))
            (local.set $g1 (v128.and (i32x4.shr_u (local.get $w1) (i32.const 8)) (local.get $mask)))
            (local.set $b1 (v128.and (i32x4.shr_u (local.get $w1) (i32.const 16)) (local.get $mask)))
            ;; Luma of both rows, narrowed to bytes: row 0 in bytes 0-3, row 1 in bytes 4-7.
            (local.set $c
              (i16x8.narrow_i32x4_u
                (i32x4.shr_u
                  (i32x4.add (local.get $Y0)
                    (i32x4.add (i32x4.mul (local.get $r0) (local.get $YR))
                      (i32x4.add (i32x4.mul (local.get $g0) (local.get $YG)) (i32x4.mul (local.get $b0) (local.get $YB)))))
                  (i32.const 16))
                (i32x4.shr_u
                  (i32x4.add (local.get $Y0)
                    (i32x4.add (i32x4.mul (local.get $r1) (local.get $YR))
                      (i32x4.add (i32x4.mul (local.get $g1) (local.get $YG)) (i32x4.mul (local.get $b1) (local.get $YB)))))
                  (i32.const 16))))
            (local.set $c (i8x16.narrow_i16x8_u (local.get $c) (local.get $c)))
            (v128.store32_lane 0 (i32.add (local.get $yo) (local.get $x)) (local.get $c))
            (v128.store32_lane 1 (i32.add (i32.add (local.get $yo) (local.get $strideY)) (local.get $x)) (local.get $c))
            ;; Each channel summed over the 2×2 blocks: the two rows added, then each lane with
            ;; its neighbour (lanes 0 and 2 hold the sums).
            (local.set $r0 (i32x4.add (local.get $r0) (local.get $r1)))
            (local.set $r0 (i32x4.add (local.get $r0)
              (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $r0) (local.get $r0))))
            (local.set $g0 (i32x4.add (local.get $g0) (local.get $g1)))
            (local.set $g0 (i32x4.add (local.get $g0)
              (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $g0) (local.get $g0))))
            (local.set $b0 (i32x4.add (local.get $b0) (local.get $b1)))
            (local.set $b0 (i32x4.add (local.get $b0)
              (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $b0) (local.get $b0))))
            ;; U and V of the two blocks, their low bytes gathered as U U V V.
            (local.set $c
              (i8x16.shuffle 0 8 16 24 0 0 0 0 0 0 0 0 0 0 0 0
                (i32x4.shr_s
                  (i32x4.add (local.get $C0)
                    (i32x4.add (i32x4.mul (local.get $r0) (local.get $UR))
                      (i32x4.add (i32x4.mul (local.get $g0) (local.get $UG)) (i32x4.mul (local.get $b0) (local.get $UB)))))
                  (i32.const 18))
                (i32x4.shr_s
                  (i32x4.add (local.get $C0)
                    (i32x4.add (i32x4.mul (local.get $r0) (local.get $VR))
                      (i32x4.add (i32x4.mul (local.get $g0) (local.get $VG)) (i32x4.mul (local.get $b0) (local.get $VB)))))
                  (i32.const 18))))
            (v128.store16_lane 0
              (i32.add (i32.add (local.get $u) (local.get $co)) (i32.shr_u (local.get $x) (i32.const 1))) (local.get $c))
            (v128.store16_lane 1
              (i32.add (i32.add (local.get $v) (local.get $co)) (i32.shr_u (local.get $x) (i32.const 1))) (local.get $c))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $next_pixels)))
        (local.set $row (i32.add (local.get $row) (i32.const 2)))
        (br $next_rows))))
)
