//! WebKitGTK's compositing mode draws through OpenGL. Without a GPU (a VM, a remote desktop,
//! Xvfb) that GL is Mesa's software rasteriser, which costs the web process about 80 MiB and
//! start-up time for nothing: WebKit's own non-composited path paints the same page. So when
//! the machine has no GPU render node, and the user has not chosen either way, compositing is
//! turned off (docs/benchmarks.md has the figures).

const SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Called first thing in `run`, before any thread exists: WebKit reads the variable when it
/// starts, and setting the environment is only sound while nothing else reads it.
pub fn without_gpu_skip_compositing() {
    if std::env::var_os(SWITCH).is_some() || has_render_node() {
        return;
    }
    std::env::set_var(SWITCH, "1");
}

fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}
