export const clamp = (x, a, b) => Math.min(b, Math.max(a, x));
