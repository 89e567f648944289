fn main() {
    compile_simd_reader();
    // Listing the app's commands makes each one a permission (`allow-<command>`), so every
    // window's capability names exactly the commands it may call: the render webview, which
    // runs a project's code, gets only the frame bridge.
    let commands = &[
        "startup_project",
        "open_project",
        "reload_project",
        "project_templates",
        "new_project",
        "save_scene_props",
        "pick_project",
        "start_export",
        "export_status",
        "cancel_export",
        "list_exports",
        "export_history",
        "export_log",
        "export_options",
        "sound_waveform",
        "choose_output",
        "open_output",
        "show_in_folder",
        "render_ready",
        "render_loaded",
        "render_frame",
        "render_failed",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}

/// The render page's SIMD reader is written as WebAssembly text (`ui/runtime/simd.wat`);
/// the app serves the binary compiled here (`render::protocol`, `simd.wasm`).
fn compile_simd_reader() {
    let source = std::path::Path::new("../ui/runtime/simd.wat");
    println!("cargo:rerun-if-changed={}", source.display());
    let wasm = wat::parse_file(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("simd.wasm");
    std::fs::write(&out, wasm).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
