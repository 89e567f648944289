//! A page error's positions in compiled modules, mapped back to the TypeScript or JSX file:
//! WebKit applies no source maps, so `draw@bazaar://j/job/j/p/scene.tsx:14:23` names a line
//! of the compiled code. The app maps each `p/<file>:line:column` through the file's
//! [`LineMap`](super::LineMap) and names the file as the project folder sees it.

use super::serve::MAX_MODULE_BYTES;
use super::{analysis_of, jsx_import_source, Language};
use crate::input_file::read_regular;
use std::path::Path;

/// `text` (a message or a stack) with every `<url_prefix><file>:<line>:<column>` of a module
/// in `root` written as `<file>:<line>:<column>` of the file itself: mapped through the line
/// map for compiled files, as it is for plain JavaScript. `url_prefix`: the project folder's
/// URL (`bazaar://j/job/j/p/`).
pub fn map_positions(text: &str, url_prefix: &str, root: &Path) -> String {
    if !text.contains(url_prefix) {
        return text.to_string();
    }
    let jsx = jsx_import_source(root);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(url_prefix) {
        out.push_str(&rest[..at]);
        let after = &rest[at + url_prefix.len()..];
        let end = after.find(|c: char| c.is_whitespace() || c == ')' || c == '\n').unwrap_or(after.len());
        let (located, tail) = after.split_at(end);
        out.push_str(&locate(located, root, &jsx));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// `file.tsx:L:C` (URL-encoded, maybe with a query) as the source's position.
fn locate(located: &str, root: &Path, jsx: &str) -> String {
    let mut parts = located.rsplitn(3, ':');
    let (Some(column), Some(line), Some(url)) = (parts.next(), parts.next(), parts.next()) else {
        return decoded(located);
    };
    let (Ok(line), Ok(column)) = (line.parse::<u32>(), column.parse::<u32>()) else { return decoded(located) };
    let file = decoded(url.split('?').next().unwrap_or(url));
    let path = root.join(&file);
    let mapped = Language::of(&path).filter(|l| l.compiled()).and_then(|language| {
        let source = read_regular(&path, MAX_MODULE_BYTES).ok()?;
        let analysis = analysis_of(&String::from_utf8_lossy(&source), language, &file, jsx).ok()?;
        analysis.map.as_ref()?.original(line, column)
    });
    let (line, column) = mapped.unwrap_or((line, column));
    format!("{file}:{line}:{column}")
}

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compiled_position_names_the_typescript_line() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let ts = "interface A {\n  x: number;\n}\n\ntype B = A;\n\nexport function f(a: A): number {\n  throw new Error(\"boom \" + a.x);\n}\n";
        std::fs::write(root.join("my scene.ts"), ts).unwrap();
        let analysis = analysis_of(ts, Language::TypeScript, "my scene.ts", "react").unwrap();
        let code = analysis.code.as_deref().unwrap();
        let line = code.lines().position(|l| l.contains("throw")).unwrap() as u32 + 1;
        let column = code.lines().nth(line as usize - 1).unwrap().find("throw").unwrap() as u32 + 1;
        let stack = format!("f@bazaar://j/job/j/p/my%20scene.ts:{line}:{column}\ndraw@bazaar://j/job/j/p/x.js:3:4");
        let mapped = map_positions(&stack, "bazaar://j/job/j/p/", &root);
        assert_eq!(mapped, "f@my scene.ts:8:3\ndraw@x.js:3:4");
    }
}
