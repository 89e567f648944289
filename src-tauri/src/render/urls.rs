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

/// Every byte of a path segment escaped but the unreserved ones (RFC 3986: letters, digits,
/// `-`, `_`, `.`, `~`).
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A `/`-separated relative path as a URL path (every byte but the unreserved ones escaped).
pub fn url_path(rel: &str) -> String {
    rel.split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, SEGMENT).to_string())
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

    #[test]
    fn a_path_is_escaped_byte_by_byte_and_reads_back_the_same() {
        let rel = "my clips/ü?#%25.mp4";
        assert_eq!(url_path(rel), "my%20clips/%C3%BC%3F%23%2525.mp4");
        assert_eq!(url_path("a-b_c.d~e/f"), "a-b_c.d~e/f");
        let url = url_path(rel);
        assert_eq!(percent_encoding::percent_decode_str(&url).decode_utf8().unwrap(), rel);
    }
}
