// Nobody answers a page that draws compositions: what would wait for a person (a dialog, a
// picker, a permission) throws at once, saying what was called, so the composition's error names
// its scene, its frame and its line. In a render `print()` and `close()` do not even wait: the
// export went on while WebKit got to them, some frames later; the location and the camera are
// held for ever in a hidden view. In the window's preview a print dialog would open over the
// window from a composition's code, not from anything the creator asked for. The app refuses all
// of it in the render views' WebKit signals as well, whatever way round this a page finds
// (src-tauri/src/render/sandbox/dialogs.rs).

/** Makes the page's own dialog and permission functions throw: `page` names the page, `why`
 * says why it refuses. */
export function refuseAsking(page, why) {
  const refuse = (target, name, call, what) => {
    if (!target || !(name in target)) return;
    const value = () => {
      throw new Error(`${call} ${what}, and ${why}: remove the call`);
    };
    try {
      Object.defineProperty(target, name, { value, writable: false, configurable: false });
    } catch (e) {
      // Left as it is: the app's refusal still stands.
    }
  };
  refuse(window, "print", "window.print()", "opens a print dialog");
  refuse(window, "alert", "alert()", "opens a dialog");
  refuse(window, "confirm", "confirm()", "opens a dialog");
  refuse(window, "prompt", "prompt()", "opens a dialog");
  refuse(window, "close", "window.close()", `closes the ${page}`);
  refuse(globalThis.Geolocation && Geolocation.prototype, "getCurrentPosition", "getCurrentPosition()", "asks for the location");
  refuse(globalThis.Geolocation && Geolocation.prototype, "watchPosition", "watchPosition()", "asks for the location");
  refuse(globalThis.MediaDevices && MediaDevices.prototype, "getUserMedia", "getUserMedia()", "asks for the camera or the microphone");
  refuse(globalThis.MediaDevices && MediaDevices.prototype, "getDisplayMedia", "getDisplayMedia()", "asks for the screen");
  refuse(globalThis.Notification, "requestPermission", "Notification.requestPermission()", "asks to show notifications");
}
