// The composition contract, for editors and `tsc --checkJs`: annotate a composition's default
// export with `/** @type {import("<path to>/types/composition").Composition} */`.
// Both kinds: canvas compositions (`draw`) and HTML/CSS compositions (`dom: true`, `render`).

/** The project's final mix at this frame (deterministic: computed from the encoded samples). */
export interface FrameAudio {
  /** RMS of the frame's samples, 0–1 (0 in a project without sounds). */
  readonly level: number;
  /** `bins` magnitudes (≈0–1) of a 2048-sample window centred on the frame, evenly in pitch from 30 Hz to 16 kHz. */
  spectrum(bins?: number): Float32Array;
}

/** A video file of the project, decoded by the app, exact to the frame. */
export interface VideoClip {
  readonly width: number;
  readonly height: number;
  /** Seconds. */
  readonly duration: number;
  /** Nominal frames per second (0: variable). */
  readonly fps: number;
  /** The frame whose time is nearest to `seconds` (a tie: the earlier); `size`, the most the picture needs. */
  frameAt(seconds: number, size?: { width: number; height: number }): Promise<ImageBitmap>;
  /** Starts fetching a frame a later frameAt() will ask for. */
  prefetch(seconds: number, size?: { width: number; height: number }): void;
}

/** Files of the project folder (only there: paths are relative to the project file). */
export interface Assets {
  /** The URL of a project file, for `fetch` or CSS. */
  url(relPath: string): string;
  image(relPath: string): Promise<HTMLImageElement>;
  font(family: string, relPath: string): Promise<FontFace>;
  video(relPath: string): Promise<VideoClip>;
}

/** Props come from the project file (JSON), merged over `defaultProps`: any JSON value. */
export type Props = Record<string, any>;

export interface LoadInfo<P extends Props = Props> {
  props: P;
  assets: Assets;
  /** The project's size (the variant's, when rendering one). */
  width: number;
  height: number;
  /** The variant being rendered (a name from the project's `"variants"`), or null for the project's own size. */
  variant: string | null;
}

/**
 * What a frame is drawn from: everything a frame depends on (nothing else: no Math.random).
 *
 * The time the page shows a composition and its libraries is the **frame clock** (README,
 * "Time that libraries see"): before project frame f is drawn (at `f × 1000 / fps` ms), the
 * timers due by then run in due order and the `requestAnimationFrame` callbacks run once with
 * that time; `performance.now()` reads it (0 at frame 0, when modules load and `load()` runs),
 * `Date.now()` reads 2026-01-01T00:00:00Z plus it. A timer of 0 ms runs as the next task. So a
 * GSAP timeline built in `load()` shows at frame f what `timeline.seek(f / fps)` shows.
 */
export interface FrameInfo<P extends Props = Props, L = unknown> {
  /** The frame, from 0 at the scene's first. */
  frame: number;
  durationInFrames: number;
  fps: number;
  /** The project's size (the variant's, when rendering one): compositions draw (or lay out) in these coordinates. */
  width: number;
  height: number;
  /** The variant being rendered, or null for the project's own size. */
  variant: string | null;
  /** `defaultProps` merged with the scene's `props`. */
  props: P;
  /** A number in [0, 1) that depends only on the scene and `seed`. */
  random(seed: number | string): number;
  /** What `load()` returned. */
  loaded: L;
  audio: FrameAudio;
}

interface Common<P extends Props, L> {
  defaultProps?: P;
  /** May be async; the export waits for it (30 s at most). */
  load?(info: LoadInfo<P>): L | Promise<L>;
}

/** Draws each frame on a 2D canvas. */
export interface CanvasComposition<P extends Props = Props, L = any> extends Common<P, L> {
  dom?: false;
  /** Promises to cover the whole frame with opaque paint (the runtime then skips clearing it;
   * a scene with `"background": "transparent"` is cleared to transparent all the same). */
  opaque?: boolean;
  /** May be async (a video frame to wait for): the frame is taken once it settles. */
  draw(ctx: CanvasRenderingContext2D, info: FrameInfo<P, L>): void | Promise<void>;
}

/**
 * Lays each frame out as HTML and CSS in `root` (width × height CSS pixels, kept through the
 * scene's frames). CSS animations, transitions and Web Animations run on the composition's
 * clock (the scene's frames); timers and requestAnimationFrame on the frame clock (FrameInfo).
 */
export interface DomComposition<P extends Props = Props, L = any> extends Common<P, L> {
  dom: true;
  render(root: HTMLElement, info: FrameInfo<P, L>): void | Promise<void>;
}

export type Composition<P extends Props = Props, L = any> = CanvasComposition<P, L> | DomComposition<P, L>;

/** The props of the built-in `Lottie` composition (lottie-web's canvas renderer, shipped with the app). */
export interface LottieProps {
  /** A Lottie `.json` file (Bodymovin, LottieFiles) in the project folder. */
  src: string;
  /** "contain" (default): all of it, centred; "cover": fills the frame, cropped. */
  fit?: "contain" | "cover";
  /** Starts again at its end; otherwise (default) its last frame is held. */
  loop?: boolean;
  /** 1 (default): the animation's own speed (its frame rate mapped onto the project's); negative plays backwards. */
  playbackRate?: number;
  /** Painted under it: a CSS colour, "top,bottom" for a gradient, or "transparent". */
  background?: string;
}
