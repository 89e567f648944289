//! Batch renders: one video per row of a spreadsheet (CSV) or JSON Lines file, each row setting
//! the project's inputs (`project::inputs`).
//!
//! - [`rows`]: the rows file read, a bad row failing alone.
//! - [`names`]: each row's file name from the `--name` template, collisions, and which rows a
//!   machine takes (`--shard K/N`, or the engine's array index).

pub mod names;
pub mod rows;

pub use names::{check_template, file_name, first_collision, parse_part, TASK_INDEX_VARS};
pub use rows::{read_rows, Row, MAX_ROWS_BYTES};
