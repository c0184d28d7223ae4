//! Times `markdown::render` natively on the files named on the command line, the way
//! bench/markdown.ts times the wasm and JavaScript renderers, and prints JSON on stdout:
//!
//!   markdown-native-bench [--min-time-ms N] [--trusted] FILE...
//!
//! Per document: a few untimed renders, then samples until both 10 samples and N ms (default
//! 300) are reached. A sample renders the document `reps` times (enough for ~1 ms, so the
//! clock's resolution does not matter) and counts time per render. Then the same for "every
//! file once, in order" (the corpus) and for the files concatenated into one document.

use std::time::Instant;

struct Stats {
    median_ms: f64,
    p10_ms: f64,
    p90_ms: f64,
    samples: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Times `work` (one unit) with repeated samples; returns milliseconds per unit.
fn time<F: FnMut() -> usize>(mut work: F, min_time_ms: f64) -> Stats {
    // black_box keeps the optimiser from discarding renders whose output is unused.
    for _ in 0..3 {
        std::hint::black_box(work());
    }
    let probe = Instant::now();
    std::hint::black_box(work());
    let one_ms = probe.elapsed().as_secs_f64() * 1e3;
    let reps = ((1.0 / one_ms.max(1e-6)).ceil() as usize).clamp(1, 10_000);
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 10 || (started.elapsed().as_secs_f64() * 1e3 < min_time_ms && samples.len() < 1000) {
        let t0 = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(work());
        }
        samples.push(t0.elapsed().as_secs_f64() * 1e3 / reps as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Stats { median_ms: percentile(&samples, 0.5), p10_ms: percentile(&samples, 0.1), p90_ms: percentile(&samples, 0.9), samples: samples.len() }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn entry(name: &str, bytes: usize, output_bytes: usize, stats: &Stats) -> String {
    format!(
        "{{\"name\":{},\"bytes\":{},\"outputBytes\":{},\"medianMs\":{},\"p10Ms\":{},\"p90Ms\":{},\"samples\":{}}}",
        json_string(name), bytes, output_bytes, stats.median_ms, stats.p10_ms, stats.p90_ms, stats.samples
    )
}

fn main() {
    let mut min_time_ms = 300.0;
    let mut trusted = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--min-time-ms" => min_time_ms = args.next().and_then(|v| v.parse().ok()).expect("--min-time-ms needs a number"),
            "--trusted" => trusted = true,
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("usage: markdown-native-bench [--min-time-ms N] [--trusted] FILE...");
        std::process::exit(2);
    }
    // Read as JavaScript does (fs.readFileSync(..., 'utf8')): invalid UTF-8 becomes U+FFFD.
    let docs: Vec<String> = files
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}"))).into_owned())
        .collect();

    let mut documents = Vec::new();
    for (file, doc) in files.iter().zip(&docs) {
        let stats = time(|| markdown::render(doc, trusted).len(), min_time_ms);
        documents.push(entry(file, doc.len(), markdown::render(doc, trusted).len(), &stats));
    }
    let total: usize = docs.iter().map(|d| d.len()).sum();
    let corpus = time(|| docs.iter().map(|d| markdown::render(d, trusted).len()).sum(), min_time_ms * 3.0);
    let corpus_out: usize = docs.iter().map(|d| markdown::render(d, trusted).len()).sum();
    // Joined with blank lines so one document's open block cannot swallow the next one.
    let joined = docs.join("\n\n");
    let concatenated = time(|| markdown::render(&joined, trusted).len(), min_time_ms * 3.0);
    println!(
        "{{\"trusted\":{},\"documents\":[{}],\"corpus\":{},\"concatenated\":{}}}",
        trusted,
        documents.join(","),
        entry("corpus", total, corpus_out, &corpus),
        entry("concatenated", joined.len(), markdown::render(&joined, trusted).len(), &concatenated),
    );
}
