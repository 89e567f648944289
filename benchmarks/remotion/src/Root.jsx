// The peers of Bazaar Export's benchmarks, at the same size, rate and length:
// - FullMotion: benchmarks/render-full-motion (10 s of 1080p30, every pixel changes every frame;
//   two scenes of the same canvas drawing, the second crossfading in over 15 frames).
// - DomCards: the HTML/CSS scene of scripts/bench-dom.sh (a title in a web font, a CSS gradient,
//   20 gradient cards moved and turned by an eased back-and-forth movement).
import { Composition } from "remotion";
import { FullMotion } from "./FullMotion.jsx";
import { DomCards } from "./DomCards.jsx";

export const Root = () => (
  <>
    <Composition id="FullMotion" component={FullMotion} durationInFrames={300} fps={30} width={1920} height={1080} />
    <Composition
      id="DomCards"
      component={DomCards}
      durationInFrames={300}
      fps={30}
      width={1920}
      height={1080}
      defaultProps={{ shadows: false }}
    />
  </>
);
