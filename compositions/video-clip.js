// VideoClip: a video file of the project, frame-exact (decoded by the app, see core/src/video).
//
// props:
//   src           the video file, relative to the project file (required)
//   trimStart     seconds into the clip where the scene starts (default 0)
//   playbackRate  1 = real time, 2 = twice as fast, 0.5 = half speed (default 1)
//   fit           "cover" (fill the frame, crop the rest; default), "contain" (all of it, with
//                 `background` around), "fill" (stretched)
//   volume        the clip's sound in the mix: 1 as recorded, 0 muted (default 1). At another
//                 playbackRate the sound plays faster or slower with its pitch, like a tape,
//                 and stays on its picture
//   loop          true: start the clip again (from trimStart) at its end; false: hold its last frame
//   background    behind a "contain" clip (default black; "transparent" leaves it clear)
//
// Scene frame n shows the clip at trimStart + n × playbackRate / fps seconds: the frame whose
// time is nearest (a tie: the earlier).
/** @type {import("../types/composition").Composition} */
export default {
  opaque: true,
  defaultProps: { src: "", trimStart: 0, playbackRate: 1, fit: "cover", volume: 1, loop: false, background: "#000" },
  async load({ props, assets }) {
    return { clip: await assets.video(props.src) };
  },
  async draw(ctx, { frame, fps, width, height, props, loaded }) {
    const { clip } = loaded;
    const start = Math.max(0, Number(props.trimStart) || 0);
    const rate = Number(props.playbackRate) > 0 ? Number(props.playbackRate) : 1;
    let t = start + (frame * rate) / fps;
    // The last frame starts about one frame before the clip's end.
    const span = clip.duration - start;
    if (props.loop === true && span > 0) t = start + ((t - start) % span);
    // The picture's size on the canvas in device pixels: a clip larger than that is scaled
    // down by the app before it is sent (fewer bytes to move), never up.
    let [w, h] = [width, height];
    if (props.fit === "contain" || props.fit === "cover") {
      const scale = (props.fit === "contain" ? Math.min : Math.max)(width / clip.width, height / clip.height);
      [w, h] = [clip.width * scale, clip.height * scale];
    }
    const m = ctx.getTransform();
    const size = { width: Math.ceil(w * Math.hypot(m.a, m.b)), height: Math.ceil(h * Math.hypot(m.c, m.d)) };
    const image = await clip.frameAt(t, size);
    // The next frame's time, asked for now: the app decodes it while this one is drawn.
    let next = start + ((frame + 1) * rate) / fps;
    if (props.loop === true && span > 0) next = start + ((next - start) % span);
    clip.prefetch(next, size);
    if (props.background === "transparent") ctx.clearRect(0, 0, width, height);
    else {
      ctx.fillStyle = props.background;
      ctx.fillRect(0, 0, width, height);
    }
    ctx.drawImage(image, (width - w) / 2, (height - h) / 2, w, h);
    if (image.close) image.close();
  },
};
