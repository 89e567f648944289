//! Each window export's log, kept for its history entry ("Show log"): the events logged inside
//! an `export{id=…}` span (its render's stages, fallbacks and limits), at info and above,
//! whatever stderr shows. Bounded: a log stops growing at [`MAX_BYTES`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The span a window export renders in (see `export::service`).
pub const EXPORT_SPAN: &str = "export";
/// Longest a kept log may grow: a render logs a dozen lines; a page failing every frame must
/// not fill the memory.
const MAX_BYTES: usize = 64 << 10;

/// The logs being kept, by export id; cloned into the capture layer and the export service.
#[derive(Clone, Default)]
pub struct JobLogs {
    logs: Arc<Mutex<HashMap<String, String>>>,
}

impl JobLogs {
    /// The log kept for `export` so far, forgotten here (the export service stores it).
    pub fn take(&self, export: &str) -> Option<String> {
        self.logs.lock().ok()?.remove(export)
    }

    fn append(&self, export: &str, line: &str) {
        let Ok(mut logs) = self.logs.lock() else { return };
        let log = logs.entry(export.to_string()).or_default();
        if log.len() + line.len() <= MAX_BYTES {
            log.push_str(line);
        } else if !log.ends_with("…\n") {
            log.push_str("…\n");
        }
    }
}

/// The export id a span was opened for, kept in the span.
struct ExportId(String);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for JobLogs {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != EXPORT_SPAN {
            return;
        }
        let mut fields = Line(String::new());
        attrs.record(&mut fields);
        let export = fields.0.trim().strip_prefix("id=").unwrap_or_default().to_string();
        if let (false, Some(span)) = (export.is_empty(), ctx.span(id)) {
            span.extensions_mut().insert(ExportId(export));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(scope) = ctx.event_scope(event) else { return };
        let Some(export) = scope.from_root().find_map(|s| s.extensions().get::<ExportId>().map(|e| e.0.clone())) else {
            return;
        };
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
        let mut line = Line(format!("{h:02}:{m:02}:{s:02} UTC {:>5} ", event.metadata().level()));
        event.record(&mut line);
        line.0.push('\n');
        self.append(&export, &line.0);
    }
}

/// An event's or a span's fields as text: the message, then `name=value`.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => drop(write!(self.0, "{value:?}")),
            name => drop(write!(self.0, " {name}={value:?}")),
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.0.push_str(value),
            name => drop(write!(self.0, " {name}={value}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn an_exports_events_are_kept_under_its_id_and_nothing_else() {
        let logs = JobLogs::default();
        let subscriber = tracing_subscriber::registry().with(logs.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("outside any export");
            let _export = tracing::info_span!("export", id = %"e1").entered();
            let _job = tracing::info_span!("job", id = %"j9").entered();
            tracing::info!(frames = 5, "preparing");
            tracing::info!("limit hit: no frame in time");
        });
        let log = logs.take("e1").expect("a log for e1");
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines[0].ends_with("INFO preparing frames=5"), "{log}");
        assert!(lines[1].ends_with("limit hit: no frame in time"), "{log}");
        assert_eq!(logs.take("e1"), None, "taken once");
    }

    #[test]
    fn a_log_stops_growing_at_its_bound() {
        let logs = JobLogs::default();
        for _ in 0..10_000 {
            logs.append("e", "a line of the log that goes on and on\n");
        }
        let log = logs.take("e").unwrap();
        assert!(log.len() <= MAX_BYTES + 4 && log.ends_with("…\n"), "{}", log.len());
    }
}
