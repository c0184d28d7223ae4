//! Times the image kernels compiled natively, on the same files and settings as bench/image.ts.
//!
//!   native-bench [--serve] [--threads N] [--max-side 256] [--quality 80] [--sigma 3] PHOTO...
//!
//! --threads sizes rayon's pool, over which the blur spreads its rows (default: rayon's own,
//! one per core the process may use; bench/image.ts passes 1 for its one-core rows).
//! Without --serve it runs each task on its own (warm-up, then at least 15 rounds and 2 s)
//! and prints one JSON object of samples. With --serve it reads one task per line on stdin
//! ("thumbnail 0", "grayscale 0", "blur 0": task and photo index), runs it once and answers
//! with a JSON line {"ms":..,"bytes":..} (the first line, {"ready":true,"threads":N}, gives
//! rayon's pool size): bench/image.ts interleaves those calls with the
//! wasm and JavaScript runs, so background load on the shared machine hits all of them alike.
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use image_kernels::{decode, filters, thumbnail};

struct Photo {
    name: String,
    bytes: Vec<u8>,
    rgba: Vec<u8>,
    width: u32,
    height: u32,
}

struct Settings {
    max_side: u32,
    quality: u8,
    sigma: f32,
}

fn run(task: &str, photo: &Photo, s: &Settings) -> Result<usize, String> {
    let out = match task {
        "thumbnail" => thumbnail::thumbnail(&photo.bytes, s.max_side, s.quality),
        "grayscale" => filters::grayscale(&photo.rgba, photo.width, photo.height),
        "blur" => filters::blur(&photo.rgba, photo.width, photo.height, s.sigma),
        other => return Err(format!("unknown task {other:?}: use thumbnail, grayscale or blur")),
    };
    out.map(|bytes| bytes.len()).map_err(|e| e.0)
}

fn time_once(task: &str, photo: &Photo, s: &Settings) -> Result<(f64, usize), String> {
    let start = Instant::now();
    let bytes = run(task, photo, s)?;
    Ok((start.elapsed().as_secs_f64() * 1000.0, bytes))
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut serve = false;
    let mut settings = Settings { max_side: 256, quality: 80, sigma: 3.0 };
    let mut paths = Vec::new();
    let mut threads = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--serve" => serve = true,
            "--threads" => threads = Some(value()?.parse::<usize>().map_err(|e| format!("--threads: {e}"))?),
            "--max-side" => settings.max_side = value()?.parse().map_err(|e| format!("--max-side: {e}"))?,
            "--quality" => settings.quality = value()?.parse().map_err(|e| format!("--quality: {e}"))?,
            "--sigma" => settings.sigma = value()?.parse().map_err(|e| format!("--sigma: {e}"))?,
            _ => paths.push(arg),
        }
    }
    if paths.is_empty() {
        return Err("give at least one JPEG or PNG file".into());
    }
    if let Some(threads) = threads {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().map_err(|e| format!("--threads: {e}"))?;
    }
    let photos = paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let pixels = decode::decode(&bytes, true).map_err(|e| format!("{path}: {e}"))?;
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            Ok(Photo { name, bytes, rgba: pixels.data, width: pixels.width, height: pixels.height })
        })
        .collect::<Result<Vec<_>, String>>()?;

    if serve {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        writeln!(out, "{{\"ready\":true,\"threads\":{}}}", rayon::current_num_threads()).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| e.to_string())?;
            let mut parts = line.split_whitespace();
            let (Some(task), Some(index)) = (parts.next(), parts.next()) else { continue };
            let reply = match index.parse::<usize>().ok().and_then(|i| photos.get(i)) {
                None => format!("{{\"error\":\"no photo {index}\"}}"),
                Some(photo) => match time_once(task, photo, &settings) {
                    Ok((ms, bytes)) => format!("{{\"ms\":{ms},\"bytes\":{bytes}}}"),
                    Err(e) => format!("{{\"error\":{:?}}}", e),
                },
            };
            writeln!(out, "{reply}").map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
        }
        return Ok(());
    }

    let mut entries = Vec::new();
    for photo in &photos {
        for task in ["thumbnail", "grayscale", "blur"] {
            for _ in 0..3 {
                time_once(task, photo, &settings)?;
            }
            let started = Instant::now();
            let mut samples = Vec::new();
            while samples.len() < 15 || (started.elapsed() < Duration::from_secs(2) && samples.len() < 200) {
                samples.push(time_once(task, photo, &settings)?.0);
            }
            let list: Vec<String> = samples.iter().map(|ms| format!("{ms:.4}")).collect();
            entries.push(format!("\"{task} {}\":[{}]", photo.name, list.join(",")));
        }
    }
    println!("{{{}}}", entries.join(","));
    Ok(())
}
