// "Why Bazaar": an HTML/CSS composition (dom: true). The page is built once; CSS keyframes
// bring the cards in, and a transition fills each meter when the script sets its width at
// the card's cue: both run on the video's clock, frame by frame.
/** @type {import("../../../types/composition").Composition} */
export default {
  dom: true,
  defaultProps: {
    title: "Why <em>Bazaar</em>?",
    cards: [
      { title: "Fast", text: "Frames go straight from the page to the encoder, no screenshots.", meter: 0.9 },
      { title: "Exact", text: "Every frame is the same on every run, on every machine.", meter: 1 },
      { title: "Yours", text: "Canvas, HTML and CSS, sound and footage: plain files you edit.", meter: 0.8 },
    ],
  },
  render(root, { frame, fps, props }) {
    if (!root.firstChild) {
      root.innerHTML = `<link rel="stylesheet" href="scenes/features.css">
        <section class="features"><h1>${props.title}</h1><div class="grid">${props.cards
          .map((c) => `<article class="card"><h2></h2><p></p><div class="meter"><div style="width: 0%"></div></div></article>`)
          .join("")}</div></section>`;
      root.querySelectorAll(".card").forEach((el, i) => {
        el.querySelector("h2").textContent = props.cards[i].title;
        el.querySelector("p").textContent = props.cards[i].text;
      });
    }
    // Each meter fills (a CSS transition) half a second after its card starts rising.
    root.querySelectorAll(".meter div").forEach((/** @type {HTMLElement} */ bar, i) => {
      if (frame >= Math.round((0.5 + i * 0.25) * fps)) bar.style.width = `${props.cards[i].meter * 100}%`;
    });
  },
};
