fn main() {
    // Listing the app's commands makes each one a permission (`allow-<command>`), so every
    // window's capability names exactly the commands it may call: the render webview, which
    // runs a project's code, gets only the frame bridge.
    let commands = &[
        "startup_project",
        "open_project",
        "reload_project",
        "preview_variant",
        "project_templates",
        "new_project",
        "save_scene_props",
        "caption_table",
        "save_caption",
        "align_script",
        "pick_project",
        "start_export",
        "export_status",
        "cancel_export",
        "list_exports",
        "export_history",
        "export_log",
        "export_options",
        "sound_waveform",
        "save_frame",
        "scene_thumbnail",
        "choose_output",
        "open_output",
        "show_in_folder",
        "render_ready",
        "render_loaded",
        "render_frame",
        "render_caption_layer",
        "render_failed",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}
