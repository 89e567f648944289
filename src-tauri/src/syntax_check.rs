//! Syntax errors in a project's modules, found before anything renders (by `check`, when the
//! window opens a project, and at the start of a render), with the file, line and column.
//!
//! Why here and with JavaScriptCore: the render page reported a syntax error as "could not be
//! loaded: Unexpected token…", naming neither file nor line (also when it sat in an imported
//! helper), and `check` passed such a project. JavaScriptCore is the engine the page runs, so
//! what it accepts here is exactly what the page accepts; it needs no display.
//!
//! The project's composition modules are checked, then every module they import, packages in
//! `node_modules` included, each once ([`bazaar_core::modules::check_graph`]): TypeScript and
//! JSX files are read by oxc (their errors at the `.ts` file's own line and column), the
//! project's plain JavaScript by JavaScriptCore, and an import that leads nowhere the page may
//! go (a package not installed, a Node built-in, a link out of the folder) is named with the
//! chain of imports that reaches it.

use bazaar_core::project::{ModuleSource, Problem, Project};
use glib::translate::{from_glib_full, ToGlibPtr};
use std::path::{Path, PathBuf};

/// The hidden command that runs [`check_in_this_process`] for [`check_modules`]:
/// `bazaar-export __check-syntax <root> <id>=<file>…`, answering with the problems as JSON.
pub const COMMAND: &str = "__check-syntax";

/// Every syntax error in the project's modules and what they import, each at the JSON path of
/// the composition whose module (or one of its imports) holds it.
///
/// Runs in a child process of this binary: JavaScriptCore started in a process that goes on to
/// run WebKit's UI side stalled every render page after it (its modules never finished
/// loading). A check that cannot run reports nothing (the render then names the error as the
/// page sees it).
pub fn check_modules(project: &Project) -> Vec<Problem> {
    let modules: Vec<String> = project
        .modules
        .iter()
        .filter_map(|(id, source)| match source {
            ModuleSource::Project { file } => Some(format!("{id}={file}")),
            ModuleSource::Builtin { .. } => None,
        })
        .collect();
    if modules.is_empty() {
        return Vec::new();
    }
    let key = (project.root.clone(), modules);
    if let Some(problems) = cached(&key) {
        return problems;
    }
    let output = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg(COMMAND)
            .arg(&key.0)
            .args(&key.1)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
    });
    match output.map(|o| serde_json::from_slice::<Answer>(&o.stdout)) {
        Ok(Ok(answer)) => {
            let problems = answer.problems.clone();
            if let Ok(mut last) = LAST.lock() {
                let files = answer.files.iter().map(|f| (f.clone(), stamp(f))).collect();
                *last = Some(LastCheck { key, files, problems: answer.problems });
            }
            problems
        }
        Ok(Err(e)) => {
            eprintln!("bazaar-export: warning: the modules' syntax could not be checked: {e}");
            Vec::new()
        }
        Err(e) => {
            eprintln!("bazaar-export: warning: the modules' syntax could not be checked: {e}");
            Vec::new()
        }
    }
}

/// What the hidden command answers: the problems, and every file it read.
#[derive(serde::Serialize, serde::Deserialize)]
struct Answer {
    problems: Vec<Problem>,
    files: Vec<PathBuf>,
}

/// The project folder and its `id=file` modules.
type Key = (PathBuf, Vec<String>);
/// A file's modification time and length.
type Stamp = Option<(std::time::SystemTime, u64)>;

/// The last check: its key, the files it read as they were, and its answer. An export from
/// the window checks again what opening the project checked; while none of those files has
/// changed, the answer stands (a check starts JavaScriptCore in a new process, ≈0.1 s).
struct LastCheck {
    key: Key,
    files: Vec<(PathBuf, Stamp)>,
    problems: Vec<Problem>,
}

static LAST: std::sync::Mutex<Option<LastCheck>> = std::sync::Mutex::new(None);

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn cached(key: &Key) -> Option<Vec<Problem>> {
    let last = LAST.lock().ok()?;
    let last = last.as_ref()?;
    (last.key == *key && last.files.iter().all(|(f, s)| stamp(f) == *s)).then(|| last.problems.clone())
}

/// The hidden command's body: `args` are the project folder, then `id=file` pairs. Prints an
/// [`Answer`] as JSON.
pub fn run_command(args: &[std::ffi::OsString]) -> std::process::ExitCode {
    let Some((root, modules)) = args.split_first() else { return std::process::ExitCode::from(2) };
    let modules: Vec<(String, String)> = modules
        .iter()
        .filter_map(|m| m.to_str()?.split_once('=').map(|(id, file)| (id.to_string(), file.to_string())))
        .collect();
    let (problems, files) = check_in_this_process(Path::new(root), &modules);
    let answer = Answer { problems, files };
    println!("{}", serde_json::to_string(&answer).unwrap_or_else(|_| "{}".into()));
    std::process::ExitCode::SUCCESS
}

/// See [`check_modules`]: `modules` are (composition id, file relative to `root`). Returns the
/// problems and every file read.
fn check_in_this_process(root: &Path, modules: &[(String, String)]) -> (Vec<Problem>, Vec<PathBuf>) {
    let context = javascriptcore::Context::new();
    let (problems, files) =
        bazaar_core::modules::check_graph(root, modules, &mut |code, rel| syntax_error(&context, code, rel));
    let problems =
        problems.into_iter().map(|p| Problem { at: format!("compositions.{}", p.composition), message: p.message });
    // What installing or removing a package changes, stamped with the files read: the answer
    // kept for an unchanged project must not outlive an `npm install`.
    let installs =
        ["package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "tsconfig.json", "node_modules"];
    (problems.collect(), files.into_iter().chain(installs.iter().map(|f| root.join(f))).collect())
}

/// "scenes/a.js, line 3, column 10: SyntaxError: Unexpected token '}'…", or `None` if `code`
/// parses as an ES module.
fn syntax_error(context: &javascriptcore::Context, code: &str, rel: &str) -> Option<String> {
    use javascriptcore::ExceptionExt;
    use javascriptcore_rs_sys as ffi;
    let mut exception: *mut ffi::JSCException = std::ptr::null_mut();
    let c_rel = std::ffi::CString::new(rel).unwrap_or_default();
    // SAFETY: a live context, `code` with its byte length, a NUL-terminated URI and an out
    // pointer for the exception (owned by us afterwards: taken over by `from_glib_full`).
    let result = unsafe {
        ffi::jsc_context_check_syntax(
            context.to_glib_none().0,
            code.as_ptr() as *const std::ffi::c_char,
            code.len() as isize,
            ffi::JSC_CHECK_SYNTAX_MODE_MODULE,
            c_rel.as_ptr(),
            1,
            &mut exception,
        )
    };
    // SAFETY: `exception` is null or a new reference the call gave us.
    let exception: Option<javascriptcore::Exception> = unsafe { from_glib_full(exception) };
    if result == ffi::JSC_CHECK_SYNTAX_RESULT_SUCCESS {
        return None;
    }
    let (message, line) = match &exception {
        Some(e) => (e.message().map(|m| m.to_string()).unwrap_or_default(), e.line_number()),
        None => ("a syntax error".to_string(), 0),
    };
    let message = message.trim_end_matches('.');
    // JavaScriptCore gives the line but no column (0) for a syntax error: the column is where the
    // token it names first stands on that line.
    let column = token_column(code, line, message).map(|c| format!(", column {c}")).unwrap_or_default();
    Some(format!("{rel}, line {line}{column}: SyntaxError: {message} (fix the module and try again)"))
}

/// The 1-based column of the token a message like "Unexpected token '}'" names, on `line`.
fn token_column(code: &str, line: u32, message: &str) -> Option<usize> {
    let token = message.split_once("Unexpected ")?.1.split_once('\'')?.1.split_once('\'')?.0;
    let text = code.lines().nth((line as usize).checked_sub(1)?)?;
    let at = text.find(token)?;
    Some(text[..at].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_file_line_and_column() {
        let context = javascriptcore::Context::new();
        assert_eq!(syntax_error(&context, "export default { draw() {} };\n", "a.js"), None);
        let e = syntax_error(&context, "export default {\n  draw(ctx) { ctx.fill( }\n};\n", "scenes/a.js").unwrap();
        assert!(e.starts_with("scenes/a.js, line 2, column 25: SyntaxError: Unexpected token '}'"), "{e}");
        assert!(e.contains("SyntaxError"), "{e}");
        // Module syntax, not script syntax: `import` at the top is fine, `await` at the top too.
        assert_eq!(syntax_error(&context, "import x from './x.js';\nawait 1;\nexport default x;", "m.js"), None);
    }
}
