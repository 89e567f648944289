//! `bazaar-export`: the desktop window, and the same engine from the command line.
//!
//! - `bazaar-export [project.json]` opens the window (on that project).
//! - `bazaar-export check <project.json>` validates a project and prints a summary or every problem.
//! - `bazaar-export render <project.json> -o <file>` renders it without the window.

mod app;
mod cli;
mod config;
mod desktop;
mod display_lost;
mod export;
mod ipc_error;
mod logging;
mod preview;
mod procfs;
mod project_open;
mod render;
mod signals;
mod speed;
mod state;
mod syntax_check;

use std::process::ExitCode;

fn main() -> ExitCode {
    // The one read of the environment: everything below is handed what it needs of it.
    let mut config = config::Config::from_env();
    speed::reuse_read_back_memory(&config);
    speed::prefer_small_pages(&config);
    if let Some(dir) = &config.module_cache {
        bazaar_core::modules::set_disk_cache(dir.clone());
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == syntax_check::COMMAND) {
        return syntax_check::run_command(&args[1..]);
    }
    let command = cli::parse(&args, &mut config);
    let logs = logging::init(config.log_filter.as_deref());
    if matches!(
        command,
        Ok(cli::Command::Window { .. }
            | cli::Command::Render(_)
            | cli::Command::Batch(_)
            | cli::Command::Still(_)
            | cli::Command::Join { .. })
    ) {
        signals::install();
        // GStreamer is started here, before any web view exists. Started later, on the encoder
        // thread, a stale registry (a first run, a plugin updated, another cache folder) has
        // GStreamer spawn its plugin scanner while WebKit spawns its processes; a WebKit
        // process could inherit the pipe that tells GStreamer its scanner started, and the
        // render then waited for ever. A failure is reported by the first encoder in context.
        let ready = bazaar_core::encode::gst_init();
        tracing::debug!(ok = ready.is_ok(), "GStreamer started before any web process");
    }
    match command {
        Ok(cli::Command::Window { project }) => app::run_window(project, config, logs),
        Ok(cli::Command::Check { project }) => cli::check(&project),
        Ok(cli::Command::Render(args)) => exit_skipping_library_teardown(cli::render::run(args, config)),
        Ok(cli::Command::Batch(args)) => exit_skipping_library_teardown(cli::batch::run(args, config)),
        Ok(cli::Command::Still(args)) => exit_skipping_library_teardown(cli::still::run(args, config)),
        Ok(cli::Command::Join { dir, output }) => cli::join(&dir, &output),
        Ok(cli::Command::Align(args)) => cli::align::run(&args),
        Ok(cli::Command::Completions(shell)) => {
            cli::print_completions(shell);
            ExitCode::SUCCESS
        }
        Err(refused) => refused.report(),
    }
}

/// Ends a command that ran GTK and WebKit without the C libraries' exit-time destructors.
///
/// Why: every event loop on X11 starts tao's raw-key thread, which opens its own X connection
/// and is never joined. A command that ends quickly (a render refused at once) can reach
/// `exit()` while that thread is still in `XISelectEvents`, and libXext's teardown under it
/// crashes: a segfault or "double free or corruption" about one run in fifteen on one core. Our
/// own clean-up (temp files, WebKit's processes, Xvfb) is done before this; the kernel frees the
/// rest.
fn exit_skipping_library_teardown(status: u8) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: fflush(NULL) flushes C's own streams (GStreamer and GLib may have written to
    // them); _exit(2) then ends the process at once, which is the point.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(i32::from(status))
    }
}
