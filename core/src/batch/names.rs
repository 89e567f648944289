//! Where each row's video goes: the `--name` template (`'{{name}}.mp4'`; by default the row's
//! number) filled with the row's inputs and `{{row}}`, which must give a plain file name in the
//! output folder, different for every row; and which rows a machine takes (`--shard K/N`).

use crate::project::checker::describe;
use crate::project::inputs::{as_text, fill_text, InputValues};
use serde_json::{Map, Value};

/// The file name of row `number` (inputs: its values over the project's defaults).
pub fn file_name(
    template: &str,
    number: usize,
    inputs: &InputValues,
    defaults: &Map<String, Value>,
) -> Result<String, String> {
    let lookup = |key: &str| match key {
        "row" => Some(number.to_string()),
        _ => inputs.get(key).or_else(|| defaults.get(key)).map(as_text),
    };
    let name = fill_text(template, &lookup)
        .map_err(|k| format!("the name template uses {{{{{k}}}}}, which is not an input"))?;
    if !plain_file_name(&name) {
        // A long value is described, not printed: a 10 MB field would be 10 MB of message.
        return Err(format!(
            "the name template gives {}, which is not a plain file name in the output folder (no folders, no leading dot)",
            describe(&Value::String(name))
        ));
    }
    Ok(name)
}

/// The `--name` template itself, before any row: its own text must name a file in the output
/// folder (`../{{name}}.mp4` or `/tmp/{{name}}.mp4` would fail every row, each with the same
/// message) and its keys must be inputs.
pub fn check_template(template: &str, defaults: &Map<String, Value>) -> Result<(), String> {
    let lookup = |key: &str| (key == "row" || defaults.contains_key(key)).then(|| "x".to_string());
    let name = fill_text(template, &lookup).map_err(|k| {
        let known = defaults.keys().cloned().collect::<Vec<_>>().join(", ");
        format!("--name uses {{{{{k}}}}}, which is not an input of the project (it declares: {known}; and {{{{row}}}}, the row's number)")
    })?;
    if !plain_file_name(&name) {
        return Err(format!(
            "--name {template:?} does not name a file in the output folder: give a file name only, without folders \
             or a leading dot (such as \"{{{{name}}}}.mp4\"), and choose the folder with --out-dir"
        ));
    }
    Ok(())
}

/// A name that stays in its folder: no separators, no `.`/`..`, not hidden, not too long for a
/// file system, no control characters (a NUL cannot be in a path at all).
fn plain_file_name(name: &str) -> bool {
    !(name.is_empty()
        || name.len() > 255
        || name.starts_with('.')
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control))
}

/// Two rows whose names are equal: the first pair found, with the name.
pub fn first_collision(names: &[(usize, String)]) -> Option<(usize, usize, String)> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (number, name) in names {
        // Case-folded: two names that differ only in case are one file on some file systems.
        if let Some(first) = seen.insert(name.to_lowercase(), *number) {
            return Some((first, *number, name.clone()));
        }
    }
    None
}

/// The variables a job array's index is read from, first set first: Slurm's, Kubernetes Indexed
/// Jobs', AWS Batch's.
pub const TASK_INDEX_VARS: [&str; 3] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];

/// `K/N` (0-based K) for `--shard` and `--chunk`; `auto/N` takes K from the engine's array index
/// (one of [`TASK_INDEX_VARS`], read through `env`).
pub fn parse_part(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(u64, u64), String> {
    let (k, n) = s.split_once('/').ok_or_else(|| format!("{s:?} is not K/N (for example 0/4, or auto/4)"))?;
    let n: u64 =
        n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("{n:?} in {s:?} is not a count above 0"))?;
    let k: u64 = if k.trim() == "auto" {
        let (var, value) = TASK_INDEX_VARS.iter().find_map(|v| env(v).map(|x| (*v, x))).ok_or_else(|| {
            format!("{s:?}: none of {} is set, so the index cannot be known", TASK_INDEX_VARS.join(", "))
        })?;
        value.trim().parse().map_err(|_| format!("{var}={value:?} is not a number"))?
    } else {
        k.trim().parse().map_err(|_| format!("{k:?} in {s:?} is not a number"))?
    };
    if k >= n {
        return Err(format!("part {k} of {n} does not exist: parts count from 0 to {}", n - 1));
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_filled_and_must_stay_in_the_folder() {
        let defaults = json!({ "name": "World", "city": "Paris" }).as_object().unwrap().clone();
        let row = json!({ "name": "Ada" }).as_object().unwrap().clone();
        assert_eq!(file_name("{{name}}-{{city}}.mp4", 3, &row, &defaults), Ok("Ada-Paris.mp4".into()));
        assert_eq!(file_name("{{row}}.gif", 3, &row, &defaults), Ok("3.gif".into()));
        let escape = json!({ "name": "../../etc/x" }).as_object().unwrap().clone();
        assert!(file_name("{{name}}.mp4", 1, &escape, &defaults).unwrap_err().contains("not a plain file name"));
        assert!(file_name(".{{name}}", 1, &row, &defaults).is_err());
        assert!(file_name("{{nope}}.mp4", 1, &row, &defaults).unwrap_err().contains("{{nope}}"));
        for bad in ["../{{name}}.mp4", "/tmp/{{name}}.mp4", "{{row}}/{{name}}.mp4", ".{{name}}.mp4"] {
            let e = check_template(bad, &defaults).unwrap_err();
            assert!(e.contains("does not name a file in the output folder"), "{bad}: {e}");
        }
        assert!(check_template("{{nope}}.mp4", &defaults).unwrap_err().contains("{{nope}}"));
        assert_eq!(check_template("{{name}}-{{row}}.mp4", &defaults), Ok(()));
        let names = [(1, "a.mp4".to_string()), (2, "b.mp4".into()), (3, "A.mp4".into())];
        assert_eq!(first_collision(&names), Some((1, 3, "A.mp4".into())));
    }

    #[test]
    fn parts_come_from_the_flag_or_the_engine_s_array_index() {
        let none = |_: &str| None;
        assert_eq!(parse_part("1/4", &none), Ok((1, 4)));
        assert!(parse_part("4/4", &none).is_err());
        assert!(parse_part("1/0", &none).is_err());
        assert!(parse_part("auto/4", &none).unwrap_err().contains("SLURM_ARRAY_TASK_ID"));
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "2".to_string());
        assert_eq!(parse_part("auto/4", &slurm), Ok((2, 4)));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(parse_part("auto/4", &k8s), Ok((3, 4)));
        let aws = |v: &str| (v == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "0".to_string());
        assert_eq!(parse_part("auto/2", &aws), Ok((0, 2)));
        let bad = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "x".to_string());
        assert!(parse_part("auto/2", &bad).is_err());
    }
}
