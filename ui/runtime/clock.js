// The frame clock: the time a composition and the libraries it imports see (GSAP's ticker,
// three.js's animation loop, lottie-web, a hand-written `requestAnimationFrame` loop), in the
// render page and in the preview alike. Frame f of the project is at f × 1000 / fps ms:
//
// - the clock stands still between frames, and moves only when the page goes to a frame of
//   the project, before that frame is drawn; going forward it steps through every frame
//   between, so a frame looks the same however the page got there (a chunk that starts
//   later, an export at a lower rate than the project's, the preview's scrubber). For each
//   frame g stepped to: the timers due at or before g's time run in due order (ties in the
//   order they were set), the clock reading each one's due time; then the clock reads g's
//   time and the `requestAnimationFrame` callbacks registered before the step run once, with
//   g's time as their timestamp. Only the frame asked for is drawn. The same frame again runs
//   nothing; going back (the preview's scrubber) sets the clock back and runs the callbacks;
// - `performance.now()` is the clock's reading in ms (0 at frame 0, when the modules load and
//   `load()` runs); `Date.now()` is EPOCH_MS + the same (not rounded: 33.333… ms at frame 1
//   of 30 fps), `new Date()` that instant to the millisecond, as a Date holds it;
// - `setTimeout(fn, ms)` is due at the clock's reading + ms, `setInterval` again every ms
//   after each run (a nested timer of less than 4 ms counts as 4 ms past 5 levels, the
//   browsers' rule, so a chain of zero-delay timers cannot spin). A timer already due when set
//   runs as the page's next task, the clock standing still; one due later runs when a frame
//   reaches it. While the page waits for a composition (its module, `load()`, an async
//   `draw()` or `render()`), a timer also runs once its delay has passed in real time, the
//   clock standing still: a composition may wait for a timer (a sleep, a library polling for
//   its fonts) without waiting for ever for a frame that waits for it. How many such runs
//   there are depends on how long the wait takes: animate with requestAnimationFrame (or from
//   `frame`), not with timers started in load(). `requestAnimationFrame` never runs before
//   the first frame (load()'s time limit says so);
// - not on the clock: Web Workers (their results arrive at no fixed frame), events' `timeStamp`,
//   and CSS animations and Web Animations, which DOM scenes pin to the frame themselves (dom.js).
//
// Installed before any composition module loads (runtime.js), in the page's window and in any
// window an iframe of the page opens (the render page's policy refuses iframes with a source).

/** What `Date.now()` reads at frame 0: 2026-01-01T00:00:00Z, so renders are reproducible. */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

// The page's own time, taken before anything is replaced: the runtime's time limits, the
// preview's player and `--stats` measure real time.
export const realNow = performance.now.bind(performance);
export const realSetTimeout = setTimeout.bind(globalThis);
export const realClearTimeout = clearTimeout.bind(globalThis);

/** Replaces the page's time with the frame clock of a project at `fps` frames a second. Returns
 * the clock (below); installed once a page (a later call returns the first). */
let installed = null;
export function installFrameClock(fps) {
  if (installed) return installed;
  const frameTime = (f) => (f * 1000) / fps;
  let time = 0; // the clock's reading, ms
  let at = -1; // the frame the clock was last moved to (-1: none yet)
  let seq = 0; // timer ids, and their order among equal due times
  const timers = new Map(); // id → { due, order, fn, args, every, nesting }
  let nesting = 0; // the nesting level of the timer running now (0: none)
  let rafSeq = 0;
  let rafs = new Map(); // id → callback, for the next step
  let running = null; // the callbacks of the step running now (cancellable)
  let posted = false;
  const channel = new MessageChannel();
  let waiting = 0; // how many composition promises the runtime is waiting for
  let used = false; // whether anything asked for a timer or an animation frame

  // Errors in a timer or an animation-frame callback are the page's, as in a browser: reported
  // to the window (the render page fails the export with the message), not to the caller.
  const call = (fn, args) => {
    try {
      fn(...args);
    } catch (e) {
      if (typeof globalThis.reportError === "function") globalThis.reportError(e);
      else queueMicrotask(() => { throw e; });
    }
  };

  /** The next timer due at or before `limit`, in due order, or null. */
  const next = (limit) => {
    let best = null;
    for (const t of timers.values()) {
      if (t.due <= limit && (!best || t.due < best.due || (t.due === best.due && t.order < best.order))) best = t;
    }
    return best;
  };

  /** Runs timer `t` (the clock already moved to its due time, or standing still). */
  const fire = (t) => {
    disarm(t);
    if (t.every === null) timers.delete(t.id);
    else Object.assign(t, { due: t.due + clamp(t.every, t.nesting), order: ++seq, nesting: t.nesting + 1 });
    const outer = nesting;
    nesting = t.nesting;
    call(t.fn, t.args);
    nesting = outer;
    if (timers.has(t.id)) arm(t);
  };
  const runDue = (limit) => {
    for (let t = next(limit); t; t = next(limit)) {
      time = Math.max(time, t.due);
      fire(t);
    }
  };
  // The real-time way a timer runs while the runtime waits for a composition (see above).
  const arm = (t) => {
    if (waiting && t.real === null && t.due > time) {
      t.real = realSetTimeout(() => {
        t.real = null;
        if (waiting && timers.get(t.id) === t) fire(t);
      }, t.due - time);
    }
  };
  const disarm = (t) => {
    if (t.real !== null) realClearTimeout(t.real);
    t.real = null;
  };
  channel.port1.onmessage = () => {
    posted = false;
    runDue(time);
  };
  const post = () => {
    if (!posted) {
      posted = true;
      channel.port2.postMessage(null);
    }
  };

  const clamp = (ms, level) => {
    const d = Math.max(0, Number(ms) || 0);
    return level >= 5 && d < 4 ? 4 : d;
  };
  const addTimer = (fn, ms, args, repeat) => {
    if (typeof fn !== "function") throw new TypeError("setTimeout and setInterval take a function (a string of code is never run)");
    const id = ++seq;
    used = true;
    const level = nesting + 1;
    const d = clamp(ms, level);
    const t = { id, due: time + d, order: id, fn, args, every: repeat ? d : null, nesting: level, real: null };
    timers.set(id, t);
    if (d === 0) post();
    else arm(t);
    return id;
  };
  const clearTimer = (id) => {
    const t = timers.get(Number(id));
    if (t) disarm(t);
    timers.delete(Number(id));
  };

  function stepTo(f) {
    runDue(frameTime(f));
    time = frameTime(f);
    at = f;
    running = rafs;
    rafs = new Map();
    for (const [id, cb] of running) {
      if (!running.has(id)) continue;
      running.delete(id);
      call(cb, [time]);
    }
    running = null;
  }

  const clock = {
    /** Moves the clock to project frame `f` (see above). */
    advanceTo(f) {
      if (f === at) return;
      if (f < at) {
        time = frameTime(f);
        at = f - 1;
      }
      for (let g = at + 1; g <= f; g++) stepTo(g);
    },
    /** The frame the clock was last moved to (-1: none yet). */
    frame() {
      return at;
    },
    /** Whether the page's code has asked for a timer or an animation frame (a library keeping
     * its own time may then show something else after the clock goes back). */
    used() {
      return used;
    },
    /** How many animation-frame callbacks wait for a frame (for the load's error). */
    pending() {
      return rafs.size;
    },
    /** `promise` (a composition's), while which timers run in real time as well (see above). */
    async during(promise) {
      if (waiting++ === 0) for (const t of timers.values()) arm(t);
      try {
        return await promise;
      } finally {
        if (--waiting === 0) for (const t of timers.values()) disarm(t);
      }
    },
  };

  const install = (win) => {
    if (!win || win.__bazaarFrameClockOn) return;
    win.__bazaarFrameClockOn = true;
    const RealDate = win.Date;
    const now = () => EPOCH_MS + time;
    function FrameDate(...args) {
      if (!new.target) return new RealDate(now()).toString();
      return Reflect.construct(RealDate, args.length ? args : [now()], new.target);
    }
    FrameDate.prototype = RealDate.prototype;
    Object.defineProperty(FrameDate, "name", { value: "Date" });
    Object.defineProperty(FrameDate, "length", { value: 7 });
    FrameDate.now = now;
    FrameDate.parse = RealDate.parse;
    FrameDate.UTC = RealDate.UTC;
    RealDate.prototype.constructor = FrameDate;
    const replace = (target, name, value) => {
      if (target) Object.defineProperty(target, name, { value, writable: true, configurable: true });
    };
    replace(win, "Date", FrameDate);
    replace(win.Performance && win.Performance.prototype, "now", () => time);
    replace(win.performance, "now", () => time);
    replace(win, "requestAnimationFrame", (cb) => {
      if (typeof cb !== "function") throw new TypeError("requestAnimationFrame takes a function");
      used = true;
      rafs.set(++rafSeq, cb);
      return rafSeq;
    });
    replace(win, "cancelAnimationFrame", (id) => {
      rafs.delete(Number(id));
      if (running) running.delete(Number(id));
    });
    replace(win, "setTimeout", (fn, ms, ...args) => addTimer(fn, ms, args, false));
    replace(win, "setInterval", (fn, ms, ...args) => addTimer(fn, ms, args, true));
    replace(win, "clearTimeout", clearTimer);
    replace(win, "clearInterval", clearTimer);
    if (typeof win.requestIdleCallback === "function") {
      // The page is never idle on the clock: an idle callback is a zero-delay timer.
      replace(win, "requestIdleCallback", (fn) => addTimer(fn, 0, [{ didTimeout: false, timeRemaining: () => 0 }], false));
      replace(win, "cancelIdleCallback", clearTimer);
    }
  };
  install(globalThis);
  // A window an iframe opens (about:blank, `srcdoc`) gets the same clock when the page first
  // reaches into it.
  const Frame = globalThis.HTMLIFrameElement && HTMLIFrameElement.prototype;
  for (const [prop, win] of [["contentWindow", (v) => v], ["contentDocument", (v) => v && v.defaultView]]) {
    const d = Frame && Object.getOwnPropertyDescriptor(Frame, prop);
    if (!d || !d.get) continue;
    Object.defineProperty(Frame, prop, {
      ...d,
      get() {
        const v = d.get.call(this);
        try {
          install(win(v));
        } catch (e) {
          // Another origin's window: nothing of it is reachable either.
        }
        return v;
      },
    });
  }
  installed = clock;
  return clock;
}

/** Waits for a composition's `promise` with timers running in real time too (see above). */
export function compositionWait(promise) {
  return installed ? installed.during(promise) : promise;
}
