//! Logs, through `tracing`: each stage of a job, each fallback and each limit hit, in the job's
//! span (its id). Which are shown comes from `--log-level` or `RUST_LOG` (an `EnvFilter`:
//! `debug`, `bazaar_export=trace`, …); then each line has its time, level and job.
//!
//! Asked for nothing, only warnings and errors are shown, each as the one line the app always
//! printed (`bazaar-export: warning: …`), so stderr stays what scripts and tests read.
//! Each window export's log is kept besides ([`capture`]), for its history entry.

mod capture;

pub use capture::{JobLogs, EXPORT_SPAN};
use std::fmt;
use std::io::IsTerminal;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What is shown when nothing is asked.
const DEFAULT_FILTER: &str = "warn";

/// Whether `filter` is one `--log-level` or `RUST_LOG` may give (for the command line's check).
/// A bare word must be a level: `EnvFilter` would take `verbose` for a module's name, and show
/// nothing.
pub fn check_filter(filter: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let bad = |why: String| {
        format!("--log-level {filter:?}: {why}give error, warn, info, debug or trace (or a RUST_LOG filter)")
    };
    if !filter.contains(['=', ',']) && !LEVELS.contains(&filter.trim().to_ascii_lowercase().as_str()) {
        return Err(bad(String::new()));
    }
    EnvFilter::try_new(filter).map(drop).map_err(|e| bad(format!("{e}: ")))
}

/// Starts the logs on stderr: `filter` as asked (`--log-level`, else `RUST_LOG`), or the plain
/// default; and the keeping of each window export's log, whatever stderr shows (returned, for
/// the export service). Called once, from `main`.
pub fn init(filter: Option<&str>) -> JobLogs {
    let logs = JobLogs::default();
    let kept = tracing_subscriber::registry().with(logs.clone().with_filter(LevelFilter::INFO));
    let stderr = std::io::stderr;
    let asked = filter.filter(|f| !f.trim().is_empty()).map(|f| (f, EnvFilter::try_new(f)));
    let result = match asked {
        Some((_, Ok(filter))) => kept
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(stderr)
                    // Colours only for a person at a terminal: a file or a pipe gets plain text.
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_filter(filter),
            )
            .try_init(),
        bad => {
            let plain = tracing_subscriber::fmt::layer().event_format(Plain).with_writer(stderr);
            let result = kept.with(plain.with_filter(EnvFilter::new(DEFAULT_FILTER))).try_init();
            if let Some((f, Err(e))) = bad {
                tracing::warn!("RUST_LOG={f:?} is not a log filter ({e}): only warnings are shown");
            }
            result
        }
    };
    // Only fails when a subscriber is already set (a test that set its own): keep that one.
    drop(result);
    logs
}

/// Which way a render's frames go, and the fallbacks it took (logs only: the frames are the
/// same whichever way they go).
pub fn frame_path(config: &crate::config::RenderConfig, direct_runs: usize) {
    if !config.speed_tricks {
        tracing::info!("fallback: the speed tricks are off (BAZAAR_NO_SPEED_TRICKS)");
    }
    tracing::debug!(direct_runs, measure_cpu = config.measure_cpu, "frame path");
}

/// The default lines: `bazaar-export: warning: <message>` (errors: `bazaar-export: <message>`).
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let prefix =
            if *event.metadata().level() == Level::ERROR { "bazaar-export: " } else { "bazaar-export: warning: " };
        write!(writer, "{prefix}")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_filters_are_checked() {
        for ok in ["error", "warn", "info", "debug", "trace", "off", "bazaar_export=debug,warn"] {
            assert_eq!(check_filter(ok), Ok(()), "{ok}");
        }
        for bad in ["loud=[", "verbose", ""] {
            let e = check_filter(bad).unwrap_err();
            assert!(e.contains("give error, warn, info, debug or trace"), "{e}");
        }
    }
}
