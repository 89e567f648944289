//! A project's and a scene's `"background"` (opaque, as always, or `"transparent"`) and the
//! project's `"matte"`: the colour a transparent project is flattened over when its output
//! cannot keep alpha (or the creator did not ask it to).

use super::checker::{describe, Checker};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// What a frame starts from before a scene draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    /// Black (or the composition's own fill), alpha everywhere 255: what every project had.
    #[default]
    Opaque,
    /// Cleared: what the scene leaves undrawn stays transparent (canvas with alpha, DOM scenes
    /// on a transparent page).
    Transparent,
}

impl Background {
    pub fn is_transparent(self) -> bool {
        self == Self::Transparent
    }
}

/// An opaque colour, `#rrggbb` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Matte(pub [u8; 3]);

impl Matte {
    /// `#rrggbb` (either case); nothing else.
    pub fn parse(s: &str) -> Option<Matte> {
        let hex = s.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Matte([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// `#rrggbb`, lower case: how the page (CSS) and messages write it.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

impl std::fmt::Display for Matte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl Serialize for Matte {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

/// `"background"` at `at`: `None` when absent (the scene then takes the project's).
pub(super) fn check_background(c: &mut Checker, at: &str, v: Option<&Value>) -> Option<Background> {
    match v? {
        Value::String(s) if s == "transparent" => Some(Background::Transparent),
        Value::String(s) if s == "opaque" => Some(Background::Opaque),
        other => {
            c.add(at, format!("must be \"transparent\" or \"opaque\", not {}", describe(other)));
            None
        }
    }
}

/// The project's `"matte"`: black when absent.
pub(super) fn check_matte(c: &mut Checker, v: Option<&Value>) -> Matte {
    let Some(v) = v else { return Matte::default() };
    match v.as_str().and_then(Matte::parse) {
        Some(matte) => matte,
        None => {
            c.add(
                "matte",
                format!(
                    "must be a colour written #rrggbb (what a transparent project is flattened over), not {}",
                    describe(v)
                ),
            );
            Matte::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matte_is_six_hex_digits() {
        assert_eq!(Matte::parse("#FF8000"), Some(Matte([255, 128, 0])));
        assert_eq!(Matte::parse("#0a0b0c").map(Matte::hex), Some("#0a0b0c".into()));
        for bad in ["", "#", "ff8000", "#ff800", "#ff80000", "#gg0000", "red", "#+f+f+f", "#ééé"] {
            assert_eq!(Matte::parse(bad), None, "{bad:?}");
        }
    }
}
