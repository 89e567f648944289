//! The app's configuration, read once at start: the only module that reads the environment.
//! Every other module is handed what it needs of [`Config`] (the command line adds its own
//! choices to [`RenderConfig`]); so a variable's meaning is written once, here, and a module
//! can be tested with any value without touching the process's environment.

mod render;

use bazaar_core::batch::TASK_INDEX_VARS;
pub use render::RenderConfig;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub render: RenderConfig,
    /// The X display (`DISPLAY`), if set and not empty.
    pub x_display: Option<String>,
    /// Whether a Wayland display is set (`WAYLAND_DISPLAY`).
    pub wayland_display: bool,
    /// Whether a session bus is set (`DBUS_SESSION_BUS_ADDRESS`): see `speed::skip_session_services`.
    pub session_bus: bool,
    /// Whether WebKit's allocator is chosen already (`Malloc`): see `speed::reuse_read_back_memory`.
    pub webkit_malloc_set: bool,
    /// `HOME`: where the open and folder dialogs start.
    pub home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME` (else `~/.config`): where `user-dirs.dirs` names the Videos folder.
    pub xdg_config_home: Option<PathBuf>,
    /// Where compiled modules are kept between runs: `$XDG_CACHE_HOME` (else `~/.cache`)
    /// `/bazaar-export/modules` (see `bazaar_core::modules`).
    pub module_cache: Option<PathBuf>,
    /// `BAZAAR_EXPORT_SAVE_PATH`, for automated tests: used instead of the save dialog; `{n}` in
    /// it is replaced by a counter.
    pub save_path: Option<OsString>,
    /// `BAZAAR_NEW_PROJECT_FOLDER`, for automated tests: used instead of the folder dialog.
    pub new_project_folder: Option<PathBuf>,
    /// Which logs are shown (see `logging`): `RUST_LOG`, unless `--log-level` says.
    pub log_filter: Option<String>,
    /// The job-array index variables that are set (`--chunk auto/N`, `--shard auto/N`).
    task_index: Vec<(&'static str, String)>,
}

impl Config {
    /// Reads the process's environment. Called once, from `main`.
    pub fn from_env() -> Self {
        Self::from_vars(&|name| std::env::var_os(name))
    }

    /// From variables read through `var` (the environment, or a test's).
    pub fn from_vars(var: &dyn Fn(&str) -> Option<OsString>) -> Self {
        let text = |name: &str| var(name).map(|v| v.to_string_lossy().into_owned());
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        Self {
            render: RenderConfig::from_vars(&text),
            x_display: set("DISPLAY").map(|v| v.to_string_lossy().into_owned()),
            wayland_display: set("WAYLAND_DISPLAY").is_some(),
            session_bus: set("DBUS_SESSION_BUS_ADDRESS").is_some(),
            webkit_malloc_set: var("Malloc").is_some(),
            home: var("HOME").map(PathBuf::from),
            xdg_config_home: var("XDG_CONFIG_HOME").map(PathBuf::from),
            module_cache: set("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| set("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|c| c.join("bazaar-export/modules")),
            save_path: var("BAZAAR_EXPORT_SAVE_PATH"),
            new_project_folder: var("BAZAAR_NEW_PROJECT_FOLDER").map(PathBuf::from),
            log_filter: text("RUST_LOG"),
            task_index: TASK_INDEX_VARS.iter().filter_map(|v| Some((*v, text(v)?))).collect(),
        }
    }

    /// A job-array index variable's value (for `bazaar_core::batch::parse_part`).
    pub fn task_index(&self, name: &str) -> Option<String> {
        self.task_index.iter().find(|(v, _)| *v == name).map(|(_, value)| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: Vec<(String, OsString)> = vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        Config::from_vars(&|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn no_variables_give_the_defaults() {
        let c = config(&[]);
        assert_eq!(c.render, RenderConfig::default());
        assert!(c.render.speed_tricks && !c.render.measure_cpu);
        assert_eq!((c.x_display.as_deref(), c.wayland_display, c.session_bus), (None, false, false));
        assert_eq!(c.task_index("SLURM_ARRAY_TASK_ID"), None);
    }

    #[test]
    fn each_variable_keeps_its_meaning() {
        let c = config(&[
            ("BAZAAR_LOAD_TIMEOUT_SECS", "3"),
            ("BAZAAR_FRAME_TIMEOUT_SECS", "4"),
            ("BAZAAR_PAGE_MEMORY_MB", "700"),
            ("BAZAAR_CLIP_MEMORY_MB", "64"),
            ("BAZAAR_NO_SPEED_TRICKS", "1"),
            ("DISPLAY", ":7"),
            ("WAYLAND_DISPLAY", ""),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x"),
            ("BAZAAR_EXPORT_SAVE_PATH", "/tmp/out-{n}.mp4"),
            ("SLURM_ARRAY_TASK_ID", "2"),
        ]);
        let r = c.render;
        assert_eq!((r.load_timeout, r.frame_timeout), (Duration::from_secs(3), Duration::from_secs(4)));
        assert_eq!((r.page_memory_mb, r.clip_memory_mb, r.speed_tricks), (Some(700), Some(64), false));
        assert_eq!((c.x_display.as_deref(), c.wayland_display, c.session_bus), (Some(":7"), false, true));
        assert_eq!(c.save_path, Some(OsString::from("/tmp/out-{n}.mp4")));
        assert_eq!(c.task_index("SLURM_ARRAY_TASK_ID").as_deref(), Some("2"));
        assert_eq!(c.task_index("JOB_COMPLETION_INDEX"), None);
    }

    #[test]
    fn zero_empty_and_garbage_values_are_ignored() {
        let c = config(&[
            ("BAZAAR_FRAME_TIMEOUT_SECS", "0"),
            ("BAZAAR_LOAD_TIMEOUT_SECS", "soon"),
            ("BAZAAR_PAGE_MEMORY_MB", "0"),
            ("BAZAAR_NO_SPEED_TRICKS", "0"),
            ("DISPLAY", ""),
        ]);
        assert_eq!(c.render, RenderConfig::default());
        assert_eq!(c.x_display, None);
        assert!(config(&[("BAZAAR_NO_SPEED_TRICKS", "")]).render.speed_tricks);
        assert!(!config(&[("BAZAAR_NO_SPEED_TRICKS", "yes")]).render.speed_tricks);
    }
}
