// scripts/bench-dom.sh's scene in Remotion. Bazaar runs the scene's CSS keyframes on the
// composition's clock; Remotion asks for a frame's look from the frame number, so each card's
// `drift` animation (4 s, ease-in-out, infinite, alternate, delayed −0.37·i s) is worked out
// here the way CSS does: the iteration's progress, reversed on odd iterations, then eased.
import { useState, useEffect } from "react";
import { continueRender, delayRender, Easing, staticFile, useCurrentFrame, useVideoConfig } from "remotion";

const easeInOut = Easing.bezier(0.42, 0, 0.58, 1);

function drift(seconds) {
  const iteration = Math.floor(seconds / 4);
  const progress = (seconds - iteration * 4) / 4;
  return easeInOut(iteration % 2 === 1 ? 1 - progress : progress);
}

const scene = {
  position: "absolute", inset: 0, background: "linear-gradient(135deg, #1d2b64, #f8cdda)", fontFamily: "Brand", color: "#fff",
};
const card = {
  position: "absolute", width: 160, height: 90, borderRadius: 16, background: "linear-gradient(90deg, #ff512f, #dd2476)",
  fontSize: 28, padding: 12, boxSizing: "border-box",
};

export const DomCards = ({ shadows }) => {
  const frame = useCurrentFrame();
  const { fps } = useVideoConfig();
  // The web font (DejaVu Sans Bold, copied into public/ by the script), loaded before any frame.
  const [wait] = useState(() => delayRender("the web font"));
  useEffect(() => {
    const font = new FontFace("Brand", `url(${staticFile("fonts/brand.ttf")})`);
    font.load().then((f) => {
      document.fonts.add(f);
      continueRender(wait);
    });
  }, [wait]);
  const t = frame / fps;
  return (
    <div style={scene}>
      <div style={{ position: "absolute", left: 120, top: 80, fontSize: 96, textShadow: shadows ? "0 4px 12px rgba(0, 0, 0, 0.4)" : undefined }}>
        {`Quarterly recap · ${t.toFixed(1)} s`}
      </div>
      {Array.from({ length: 20 }, (_, i) => {
        const e = drift(t + Number((i * 0.37).toFixed(2)));
        return (
          <div
            key={i}
            style={{
              ...card, left: 60, top: 220 + (i % 10) * 80, transform: `translateX(${1400 * e}px) rotate(${20 * e}deg)`,
              boxShadow: shadows ? "0 6px 18px rgba(0, 0, 0, 0.3)" : undefined,
            }}
          >
            #{i + 1}
          </div>
        );
      })}
    </div>
  );
};
