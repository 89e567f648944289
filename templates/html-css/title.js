// An HTML/CSS scene: render(root, info) builds or updates the page's elements for a frame. CSS
// animations and transitions run on the video's clock (the app sets their time each frame).

/** @type {import("./.bazaar/composition").DomComposition} */
export default {
  dom: true,
  defaultProps: { title: "Title", tagline: "Tagline" },
  render(root, { props }) {
    if (!root.firstChild) {
      root.innerHTML = `<link rel="stylesheet" href="title.css">
        <div class="card"><h1></h1><p></p></div>`;
    }
    root.querySelector("h1").textContent = props.title;
    root.querySelector("p").textContent = props.tagline;
  },
};
