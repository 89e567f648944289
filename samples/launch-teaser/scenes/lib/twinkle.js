// Brightness between 0.35 and 1 that pulses with the frame; `phase` in [0, 1) staggers stars.
export const twinkle = (frame, phase) => 0.35 + 0.65 * (0.5 + 0.5 * Math.sin(frame / 9 + phase * Math.PI * 2));
