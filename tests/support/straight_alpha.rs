//! Transparent output checked as a player shows it: decoded to straight RGBA by FFmpeg, then
//! composited over a background as FFmpeg's `overlay` does, against the page's own composite
//! (the alpha and image-sequence tests).

use std::path::Path;
use std::process::Command;

/// `colour` at `alpha` over `bg`, straight alpha: the page's own composite.
pub fn over(colour: [u8; 3], alpha: u8, bg: [u8; 3]) -> [f64; 3] {
    let a = f64::from(alpha) / 255.0;
    [0, 1, 2].map(|k| f64::from(colour[k]) * a + f64::from(bg[k]) * (1.0 - a))
}

/// How far decoded pixels are from the page's, each pixel paired with the alpha the page gave
/// `colour` there: the worst alpha difference, and the worst difference of their composite over
/// `bg` from the page's own composite.
pub fn alpha_and_composite_error(
    pixels: impl IntoIterator<Item = ([u8; 4], u8)>,
    colour: [u8; 3],
    bg: [u8; 3],
) -> (i32, f64) {
    let (mut alpha, mut composite) = (0, 0.0f64);
    for (p, a) in pixels {
        alpha = alpha.max((i32::from(p[3]) - i32::from(a)).abs());
        let k = f64::from(p[3]) / 255.0;
        let want = over(colour, a, bg);
        for c in 0..3 {
            let got = f64::from(p[c]) * k + f64::from(bg[c]) * (1.0 - k);
            composite = composite.max((got - want[c]).abs());
        }
    }
    (alpha, composite)
}

/// Every frame of `file` as FFmpeg decodes it to RGBA, one after another, with `decoder` forced
/// when given (libvpx-vp9, which VP9's alpha needs).
pub fn ffmpeg_rgba(file: &Path, decoder: Option<&str>) -> Vec<u8> {
    let mut c = Command::new("ffmpeg");
    c.args(["-v", "error"]);
    if let Some(d) = decoder {
        c.args(["-c:v", d]);
    }
    let o = c
        .arg("-i")
        .arg(file)
        .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&o.stderr));
    o.stdout
}
