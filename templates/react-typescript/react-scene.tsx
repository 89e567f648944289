// A React component as an HTML scene: each frame renders the component with the frame's
// props and commits it at once (flushSync), so the picture is taken of this frame's DOM.
import type { ComponentType } from "react";
import { flushSync } from "react-dom";
import { createRoot, type Root } from "react-dom/client";
import type { DomComposition, FrameInfo } from "./.bazaar/composition";

/** What the component gets: the scene's props, and the frame it is drawn for. */
export type SceneProps<P> = P & { frame: number; durationInFrames: number; fps: number; width: number; height: number };

export function reactScene<P extends Record<string, unknown>>(Component: ComponentType<SceneProps<P>>, defaultProps: P): DomComposition<P> {
  const roots = new WeakMap<HTMLElement, Root>();
  return {
    dom: true,
    defaultProps,
    render(root: HTMLElement, { props, frame, durationInFrames, fps, width, height }: FrameInfo<P>) {
      let r = roots.get(root);
      if (!r) {
        r = createRoot(root);
        roots.set(root, r);
      }
      const react = r;
      flushSync(() => react.render(<Component {...props} frame={frame} durationInFrames={durationInFrames} fps={fps} width={width} height={height} />));
    },
  };
}
