//! Markdown to HTML with pulldown-cmark, configured like GitHub-flavoured markdown as the
//! JavaScript renderers do it (markdown-it's default preset, marked's `gfm: true`): tables,
//! `~~strikethrough~~` and task lists on; smart punctuation, footnotes and heading attributes
//! off. Two policies for HTML written inside the markdown:
//!
//! - `to_html` (safe, for untrusted input): raw HTML is escaped and shown as text, and links or
//!   images with script-capable URLs (`javascript:`, `vbscript:`, `file:`, non-image `data:`)
//!   lose their link, keeping their text. No tag or URL from the input can run script. An
//!   escaped HTML block becomes a paragraph of text, as with markdown-it's default
//!   (`html: false`), though markdown-it also parses inline markdown inside it.
//! - `to_html_trusted` (for trusted input, e.g. READMEs you then sanitise): raw HTML passes
//!   through unchanged, as markdown-it with `{ html: true }` and marked do.
//!
//! The plain-Rust `render` is what the native benchmark calls; the `#[wasm_bindgen]` wrappers
//! are the same code seen from JavaScript.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use wasm_bindgen::prelude::*;

/// The GitHub-flavoured extensions that markdown-it (default preset) and marked (gfm) share.
pub fn gfm_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders `markdown` to HTML; `trusted` lets raw HTML and every URL scheme through.
pub fn render(markdown: &str, trusted: bool) -> String {
    // HTML is usually a little larger than its markdown; one allocation covers most documents.
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    let parser = Parser::new_ext(markdown, gfm_options());
    if trusted {
        html::push_html(&mut out, parser);
    } else {
        html::push_html(&mut out, Sanitise::new(parser));
    }
    out
}

/// Safe rendering: raw HTML becomes text (escaped by the writer) and unsafe URLs lose their link.
#[wasm_bindgen]
pub fn to_html(markdown: &str) -> String {
    render(markdown, false)
}

/// Trusted rendering: raw HTML in the markdown is copied to the output as written.
#[wasm_bindgen]
pub fn to_html_trusted(markdown: &str) -> String {
    render(markdown, true)
}

/// Renders many documents in one call, so a batch crosses into wasm (and a worker) once.
#[wasm_bindgen]
pub fn to_html_many(documents: Vec<String>, trusted: bool) -> Vec<String> {
    documents.iter().map(|doc| render(doc, trusted)).collect()
}

/// True for URLs that can run script when followed, by the rules markdown-it's `validateLink`
/// uses: `javascript:`, `vbscript:`, `file:` and `data:` other than common raster images.
pub fn is_unsafe_url(url: &str) -> bool {
    // Browsers ignore leading whitespace/control characters and letter case in a scheme.
    let trimmed = url.trim_start_matches(|c: char| c <= ' ');
    let head: String = trimmed.chars().take(20).collect::<String>().to_ascii_lowercase();
    let head: String = head.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if head.starts_with("javascript:") || head.starts_with("vbscript:") || head.starts_with("file:") {
        return true;
    }
    if head.starts_with("data:") {
        let image = ["data:image/gif;", "data:image/png;", "data:image/jpeg;", "data:image/webp;"];
        return !image.iter().any(|prefix| head.starts_with(prefix));
    }
    false
}

/// An event filter for untrusted input (see `to_html`).
struct Sanitise<'a, I: Iterator<Item = Event<'a>>> {
    inner: I,
    /// One entry per open link / image: whether its opening was dropped. Images can nest inside
    /// images' alt text and inside links, so each closing event must match its own opening.
    links: Vec<bool>,
    images: Vec<bool>,
}

impl<'a, I: Iterator<Item = Event<'a>>> Sanitise<'a, I> {
    fn new(inner: I) -> Self {
        Sanitise { inner, links: Vec::new(), images: Vec::new() }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Sanitise<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let event = self.inner.next()?;
            let keep = match &event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    let drop = is_unsafe_url(dest_url);
                    self.links.push(drop);
                    !drop
                }
                Event::End(TagEnd::Link) => !self.links.pop().unwrap_or(false),
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let drop = is_unsafe_url(dest_url);
                    self.images.push(drop);
                    !drop
                }
                Event::End(TagEnd::Image) => !self.images.pop().unwrap_or(false),
                _ => true,
            };
            if !keep {
                continue;
            }
            return Some(match event {
                // The HTML writer escapes Text, so the tags show as written and never act.
                Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
                // An escaped HTML block reads as a paragraph of text, as in markdown-it's default.
                Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
                Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
                other => other,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_gfm() {
        let html = to_html("# Title\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~ - [x] done\n");
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<table>"));
        assert!(html.contains("<del>gone</del>"));
    }

    #[test]
    fn escapes_html_and_script_links() {
        let html = to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b>hi</b>\n");
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("href=\"javascript"));
        assert!(to_html_trusted("<b>hi</b>\n").contains("<b>hi</b>"));
    }
}

/// Runs once per instance: Rust panics then reach JavaScript with their message and location.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
