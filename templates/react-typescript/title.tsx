// The scene: a React component of the frame's props. Edit it and save: the preview reloads.
import { reactScene, type SceneProps } from "./react-scene";

type Props = { title: string; tagline: string };

function Title({ title, tagline, frame, fps }: SceneProps<Props>) {
  const t = Math.min(1, frame / fps); // one second to come in
  return (
    <div style={{ position: "absolute", inset: 0, display: "grid", placeContent: "center", background: "#10131a", color: "#f5f1e6", fontFamily: "sans-serif", textAlign: "center" }}>
      <h1 style={{ fontSize: 140, margin: 0, opacity: t, transform: `translateY(${(1 - t) * 60}px)` }}>{title}</h1>
      <p style={{ fontSize: 56, margin: 0, color: "#e0a458" }}>{tagline}</p>
    </div>
  );
}

export default reactScene(Title, { title: "Title", tagline: "Tagline" });
