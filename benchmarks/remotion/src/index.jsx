// Remotion's entry point: the two benchmark compositions (scripts/bench-remotion.sh).
import { registerRoot } from "remotion";
import { Root } from "./Root.jsx";

registerRoot(Root);
