// The compositions' `audio` argument: the final mix at this frame, computed in Rust from the
// very samples that are encoded (core/src/audio/analysis.rs), so it is the same on every run.
//   audio.level           RMS of the frame's samples, 0–1
//   audio.spectrum(bins)  `bins` magnitudes (Float32Array, ≈0–1) of a 2048-sample window
//                         centred on the frame, in bands spaced evenly in pitch from 30 Hz to
//                         16 kHz; each band is the loudest FFT bin in it

const BINS = 1024; // FFT bins per frame: bin k is centred on k × 48000 / 2048 Hz
/** Numbers per frame in the app's answers: [level, bin 0, …, bin 1023]. */
export const STRIDE = 1 + BINS;
const HZ_PER_BIN = 48000 / 2048;
const LOW_HZ = 30;
const HIGH_HZ = 16000;
const BATCH = 32; // frames fetched at a time

/** The `audio` argument for one frame's figures (null: silence). */
export function frameAudio(figures) {
  const cache = new Map();
  return {
    level: figures ? figures[0] : 0,
    spectrum(bins = 32) {
      const n = Math.max(1, Math.min(BINS, Math.floor(Number(bins)) || 32));
      if (cache.has(n)) return cache.get(n).slice();
      const out = new Float32Array(n);
      if (figures) {
        for (let b = 0; b < n; b++) {
          const lo = Math.floor((LOW_HZ * Math.pow(HIGH_HZ / LOW_HZ, b / n)) / HZ_PER_BIN);
          const hi = Math.max(lo + 1, Math.floor((LOW_HZ * Math.pow(HIGH_HZ / LOW_HZ, (b + 1) / n)) / HZ_PER_BIN));
          let peak = 0;
          for (let k = lo; k < hi && k < BINS; k++) peak = Math.max(peak, figures[1 + k]);
          out[b] = peak;
        }
      }
      cache.set(n, out);
      return out.slice();
    },
  };
}

export const SILENCE = frameAudio(null);

/** The `audio` argument of frame `k` of a run of frames' figures (silence past its end). */
export function frameAudioAt(figures, k) {
  return k >= 0 && (k + 1) * STRIDE <= figures.length ? frameAudio(figures.subarray(k * STRIDE, (k + 1) * STRIDE)) : SILENCE;
}

/**
 * Fetches frames' figures from the app in batches, the next batch while the current one is
 * drawn. `at(i)` resolves to the `audio` argument of output frame i (frames are asked for in
 * order; the app forgets the ones before).
 */
export function soundReader(base) {
  const batches = new Map(); // first frame → promise of Float32Array
  const load = (first) => {
    if (!batches.has(first)) {
      batches.set(
        first,
        fetch(`${base}sound/${first}/${BATCH}`).then(async (r) => {
          if (!r.ok) throw new Error(`the sound could not be made: ${await r.text()}`);
          return new Float32Array(await r.arrayBuffer());
        }),
      );
    }
    return batches.get(first);
  };
  return {
    async at(i) {
      const first = i - (i % BATCH);
      const figures = await load(first);
      if (i % BATCH === 0) {
        batches.delete(first - BATCH);
        load(first + BATCH).catch(() => {}); // its error is reported when that frame is drawn
      }
      return frameAudioAt(figures, i - first);
    },
  };
}
