// Shared helpers for built-in compositions. Pure functions of their inputs: no clock, no
// Math.random, so every frame is the same on every run and in any order.

export const clamp = (x, a, b) => Math.min(b, Math.max(a, x));
export const lerp = (a, b, t) => a + (b - a) * t;

export const easeOutCubic = (t) => 1 - Math.pow(1 - clamp(t, 0, 1), 3);
export const easeInCubic = (t) => Math.pow(clamp(t, 0, 1), 3);
export const easeInOutCubic = (t) => {
  const x = clamp(t, 0, 1);
  return x < 0.5 ? 4 * x * x * x : 1 - Math.pow(-2 * x + 2, 3) / 2;
};
export const easeOutBack = (t) => {
  const x = clamp(t, 0, 1);
  const c1 = 1.70158;
  const c3 = c1 + 1;
  return 1 + c3 * Math.pow(x - 1, 3) + c1 * Math.pow(x - 1, 2);
};

/** Maps `frame` from [f0, f1] to [v0, v1], clamped, through `ease` (linear by default). */
export function interpolate(frame, [f0, f1], [v0, v1], ease = (t) => t) {
  const t = f1 === f0 ? 1 : clamp((frame - f0) / (f1 - f0), 0, 1);
  return lerp(v0, v1, ease(t));
}

/** Opacity that fades in over `fadeIn` frames and out over the last `fadeOut`. */
export function fadeInOut(frame, durationInFrames, fadeIn, fadeOut) {
  const a = fadeIn > 0 ? clamp(frame / fadeIn, 0, 1) : 1;
  const b = fadeOut > 0 ? clamp((durationInFrames - 1 - frame) / fadeOut, 0, 1) : 1;
  return Math.min(a, b);
}
