//! The `bazaar://<id>/job/<id>/…` URL space (served by [`super::protocol`]).

pub const SCHEME: &str = "bazaar";

/// The folder of a job's (or a preview's) pages and files. The id is the host too, so every
/// render and every preview is an origin of its own: storage one page wrote is never seen by
/// another (the scheme's handler routes by the path alone).
pub fn job_base(job: &str) -> String {
    format!("{SCHEME}://{job}/job/{job}/")
}

/// The URL of a job's render page.
pub fn render_page_url(job: &str) -> String {
    format!("{}render.html", job_base(job))
}

/// The URL of the main window's preview page.
pub fn preview_page_url(id: &str) -> String {
    format!("{}preview.html", job_base(id))
}

/// A `/`-separated relative path as a URL path (every byte but the unreserved ones escaped).
pub fn url_path(rel: &str) -> String {
    rel.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A URL path of the scheme as the project folder sees it: `/job/<job>/p/a.css` is `a.css`,
/// `/job/<job>/x.css` is `../x.css` (one level above the folder), `/x.css` is `../../../x.css`.
pub fn project_relative(job: &str, path: &str) -> String {
    let mut segments = path.trim_start_matches('/').split('/').peekable();
    let mut ups = 0;
    for expected in ["job", job, "p"] {
        if ups == 0 && segments.peek() == Some(&expected) {
            segments.next();
        } else {
            ups += 1;
        }
    }
    let rest: Vec<&str> = segments.collect();
    format!("{}{}", "../".repeat(ups), rest.join("/"))
}

/// The render view's label (the bridge checks a snapshot is asked by the job's own view).
pub fn view_label(job: &str) -> String {
    format!("render-{job}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_named_from_the_project_folder() {
        assert_eq!(project_relative("j1", "/job/j1/p/css/a.css"), "css/a.css");
        assert_eq!(project_relative("j1", "/job/j1/outside.css"), "../outside.css");
        assert_eq!(project_relative("j1", "/job/outside.css"), "../../outside.css");
        assert_eq!(project_relative("j1", "/etc/passwd"), "../../../etc/passwd");
        assert_eq!(project_relative("j1", "/job/j2/p/a.css"), "../../j2/p/a.css");
    }
}
