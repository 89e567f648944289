//! Export history in an embedded SQLite database (one file in the app's data folder).
//!
//! The schema is versioned with `PRAGMA user_version`; older files are migrated in place. A
//! file that is not a readable database is set aside (renamed, never deleted) and a fresh one
//! started, with a warning for the window: losing history must never stop an export.

use super::state::Job;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// The schema this build writes. 1: the first release (no project name, no error kind, no
/// settings). 2: adds them. 3: the format's options in words (ProRes profile, GIF loops and
/// rate, transparency).
pub const SCHEMA_VERSION: i64 = 3;

const SCHEMA_V1: &str = "
    CREATE TABLE exports (
        id TEXT PRIMARY KEY,
        project_path TEXT NOT NULL,
        format TEXT NOT NULL,
        quality TEXT NOT NULL,
        output_path TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        frames INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );";

const MIGRATE_V1_TO_V2: &str = "
    ALTER TABLE exports ADD COLUMN project_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE exports ADD COLUMN error_kind TEXT;
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE INDEX exports_created ON exports (created_at);";

const MIGRATE_V2_TO_V3: &str = "ALTER TABLE exports ADD COLUMN options TEXT NOT NULL DEFAULT '';";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the export history at {} cannot be used: {reason}", path.display())]
    Unusable { path: PathBuf, reason: String },
    #[error("the export history could not be saved: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// One row of history, as the window lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub id: String,
    pub project_path: String,
    pub project_name: String,
    pub format: String,
    pub quality: String,
    /// The format's options in words ("ProRes 4444, transparent"); empty when it has none.
    pub options: String,
    pub output_path: String,
    pub status: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub frames: i64,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// Whether the output file is still where it was written (completed exports only).
    pub file_exists: bool,
}

pub struct History {
    conn: Connection,
}

/// What opening found besides the database itself.
#[derive(Debug, Default)]
pub struct OpenReport {
    /// For the window: e.g. "the history file was damaged; it was set aside as …".
    pub warning: Option<String>,
    /// Jobs that were running when the app last stopped, now marked `interrupted`.
    pub interrupted: Vec<HistoryEntry>,
}

impl History {
    /// Opens (creating, migrating or replacing a damaged file) the history at `path`.
    pub fn open(path: &Path) -> Result<(History, OpenReport), HistoryError> {
        let unusable = |reason: String| HistoryError::Unusable { path: path.to_path_buf(), reason };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| unusable(crate::input_file::io_reason(&e)))?;
        }
        let mut report = OpenReport::default();
        let history = match Self::open_and_migrate(path) {
            Ok(h) => h,
            Err(OpenFailure::Newer(v)) => {
                // A newer app's file: leave it untouched and keep this session's history in memory.
                report.warning = Some(format!(
                    "the export history was written by a newer version of Bazaar Export (schema {v}); \
                     it is left untouched and this session's exports are not saved to it"
                ));
                let conn = Connection::open_in_memory()?;
                let mut h = History { conn };
                h.migrate(0)?;
                h
            }
            Err(OpenFailure::Damaged(reason)) => {
                let aside = path.with_extension(format!("corrupt-{}", super::state::now_ms()));
                std::fs::rename(path, &aside).map_err(|e| unusable(crate::input_file::io_reason(&e)))?;
                report.warning = Some(format!(
                    "the export history was damaged ({reason}); it was set aside as {} and a new one started",
                    aside.display()
                ));
                Self::open_and_migrate(path).map_err(|e| unusable(e.to_string()))?
            }
        };
        report.interrupted = history.mark_interrupted()?;
        Ok((history, report))
    }

    fn open_and_migrate(path: &Path) -> Result<History, OpenFailure> {
        let conn = Connection::open(path).map_err(|e| OpenFailure::Damaged(e.to_string()))?;
        let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
        let version: i64 =
            conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| OpenFailure::Damaged(e.to_string()))?;
        let check: String =
            conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| OpenFailure::Damaged(e.to_string()))?;
        if check != "ok" {
            return Err(OpenFailure::Damaged(check));
        }
        if version > SCHEMA_VERSION {
            return Err(OpenFailure::Newer(version));
        }
        let mut h = History { conn };
        h.migrate(version).map_err(|e| OpenFailure::Damaged(e.to_string()))?;
        Ok(h)
    }

    /// Brings the schema from `from` to [`SCHEMA_VERSION`] in one transaction.
    fn migrate(&mut self, from: i64) -> Result<(), rusqlite::Error> {
        let tx = self.conn.transaction()?;
        if from < 1 {
            tx.execute_batch(SCHEMA_V1)?;
        }
        if from < 2 {
            tx.execute_batch(MIGRATE_V1_TO_V2)?;
        }
        if from < 3 {
            tx.execute_batch(MIGRATE_V2_TO_V3)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()
    }

    /// Jobs left `pending`/`rendering`/`finalizing` by a previous run become `interrupted`.
    fn mark_interrupted(&self) -> Result<Vec<HistoryEntry>, HistoryError> {
        let left = self.query("WHERE status IN ('pending', 'rendering', 'finalizing')", &[])?;
        self.conn.execute(
            "UPDATE exports SET status = 'interrupted', finished_at = ?1,
                 error_kind = 'interrupted', error = 'the app stopped while this export was running'
             WHERE status IN ('pending', 'rendering', 'finalizing')",
            params![super::state::now_ms()],
        )?;
        Ok(left)
    }

    /// Inserts or updates a job's row.
    pub fn save(&self, job: &Job) -> Result<(), HistoryError> {
        self.conn.execute(
            "INSERT INTO exports (id, project_path, project_name, format, quality, output_path, status,
                                  created_at, started_at, finished_at, frames, error_kind, error, options)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(id) DO UPDATE SET status = ?7, started_at = ?9, finished_at = ?10,
                 frames = ?11, error_kind = ?12, error = ?13",
            params![
                job.id,
                job.project_path.to_string_lossy(),
                job.project_name,
                job.format.id(),
                job.quality.id(),
                job.output_path.to_string_lossy(),
                job.status.id(),
                job.created_at,
                job.started_at,
                job.finished_at,
                job.total_frames as i64,
                job.error.as_ref().map(|e| e.kind.clone()),
                job.error.as_ref().map(|e| e.message.clone()),
                job.options,
            ],
        )?;
        Ok(())
    }

    /// Newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<HistoryEntry>, HistoryError> {
        self.query("ORDER BY created_at DESC, rowid DESC LIMIT ?1", &[&(limit as i64)])
    }

    fn query(&self, tail: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<HistoryEntry>, HistoryError> {
        let sql = format!(
            "SELECT id, project_path, project_name, format, quality, output_path, status, created_at,
                    started_at, finished_at, frames, error_kind, error, options FROM exports {tail}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(args, |r| {
            let output_path: String = r.get(5)?;
            let status: String = r.get(6)?;
            Ok(HistoryEntry {
                id: r.get(0)?,
                project_path: r.get(1)?,
                project_name: r.get(2)?,
                format: r.get(3)?,
                quality: r.get(4)?,
                file_exists: status == "completed" && Path::new(&output_path).is_file(),
                output_path,
                status,
                created_at: r.get(7)?,
                started_at: r.get(8)?,
                finished_at: r.get(9)?,
                frames: r.get(10)?,
                error_kind: r.get(11)?,
                error: r.get(12)?,
                options: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, HistoryError> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), HistoryError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

enum OpenFailure {
    Damaged(String),
    Newer(i64),
}

impl std::fmt::Display for OpenFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenFailure::Damaged(r) => write!(f, "{r}"),
            OpenFailure::Newer(v) => write!(f, "written by a newer version (schema {v})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Format, Quality};
    use crate::jobs::JobStatus;

    fn job(name: &str) -> Job {
        Job::new(
            format!("/p/{name}.json").into(),
            name.into(),
            Format::Webm,
            Quality::High,
            format!("/o/{name}.webm").into(),
        )
    }

    #[test]
    fn saves_and_lists_newest_first_and_remembers_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (h, report) = History::open(&path).unwrap();
        assert!(report.warning.is_none());
        let mut a = job("a");
        a.created_at -= 1000;
        h.save(&a).unwrap();
        let mut b = job("b");
        h.save(&b).unwrap();
        b.set_status(JobStatus::Rendering).unwrap();
        b.fail("composition", "scene 1 threw".into()).unwrap();
        h.save(&b).unwrap();
        let list = h.list(10).unwrap();
        assert_eq!(list.iter().map(|e| e.project_name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(list[0].status, "failed");
        assert_eq!(list[0].error.as_deref(), Some("scene 1 threw"));
        assert!(!list[0].file_exists);
        h.set_setting("lastFolder", "/home/me/Videos").unwrap();
        drop(h);
        let (h, _) = History::open(&path).unwrap();
        assert_eq!(h.setting("lastFolder").unwrap().as_deref(), Some("/home/me/Videos"));
        assert_eq!(h.list(10).unwrap().len(), 2);
    }

    #[test]
    fn running_jobs_become_interrupted_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (h, _) = History::open(&path).unwrap();
        let mut j = job("a");
        j.set_status(JobStatus::Rendering).unwrap();
        h.save(&j).unwrap();
        drop(h);
        let (h, report) = History::open(&path).unwrap();
        assert_eq!(report.interrupted.len(), 1);
        assert_eq!(report.interrupted[0].output_path, "/o/a.webm");
        assert_eq!(h.list(10).unwrap()[0].status, "interrupted");
    }

    #[test]
    fn an_older_schema_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO exports (id, project_path, format, quality, output_path, status, created_at, frames)
                 VALUES ('old', '/p/x.json', 'mp4', 'low', '/o/x.mp4', 'completed', 1, 90)",
                [],
            )
            .unwrap();
        }
        let (h, report) = History::open(&path).unwrap();
        assert!(report.warning.is_none());
        let list = h.list(10).unwrap();
        assert_eq!(list[0].id, "old");
        assert_eq!((list[0].project_name.as_str(), list[0].options.as_str()), ("", ""));
        let mut j = job("new");
        j.options = "ProRes 4444, transparent".into();
        h.save(&j).unwrap();
        assert_eq!(h.list(10).unwrap()[0].options, "ProRes 4444, transparent");
        h.set_setting("k", "v").unwrap();
        let v: i64 = h.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_corrupt_file_is_set_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        std::fs::write(&path, b"this is not a database, just bytes that look like nothing at all....").unwrap();
        let (h, report) = History::open(&path).unwrap();
        let warning = report.warning.expect("a warning");
        assert!(warning.contains("set aside"), "{warning}");
        h.save(&job("a")).unwrap();
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("corrupt"))
            .collect();
        assert_eq!(aside.len(), 1, "the damaged file is kept for the curious");
    }

    #[test]
    fn a_newer_schema_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let (h, report) = History::open(&path).unwrap();
        assert!(report.warning.unwrap().contains("newer version"));
        h.save(&job("a")).unwrap();
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 99);
    }
}
