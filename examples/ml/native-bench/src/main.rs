//! Native timing of the same inference code the wasm module runs (the `digits` crate's
//! scalar path, which LLVM vectorises for the host), on the inputs bench/ml.ts writes. The
//! batch runs on a rayon pool of one thread, or of every core (`batch-threads`), as the
//! wasm package does with `threadsPerInstance`.
//!
//! Usage: digits-native-bench <inputs.f32> <digits> <single-run>
//!   inputs.f32  digits x 784 little-endian f32 pixels in [0, 1]
//!   single-run  how many digits the "single" task classifies, one call each
//! Then it serves commands, one per stdin line, so the bench can interleave it round-robin
//! with the JavaScript-side implementations (background load then hits all alike):
//!   single       runs the task once, prints its time in ms (measured here, so the pipe's
//!   batch        own latency is not counted)
//!   batch-threads
//!   threads      prints how many threads `batch-threads` uses
//!   predictions  prints the batched predictions of every digit as a JSON array
//! It exits at end of input.

use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: digits-native-bench <inputs.f32> <digits> <single-run>");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&args[1]).expect("read inputs");
    let n: usize = args[2].parse().expect("digits");
    let single_run: usize = args[3].parse().expect("single-run");
    let x: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let net = digits::network();
    let inputs = net.inputs();
    assert_eq!(x.len(), n * inputs, "inputs file holds {} floats, expected {}", x.len(), n * inputs);
    assert!(single_run <= n);

    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("rayon pool of 1");
    let all = rayon::ThreadPoolBuilder::new().build().expect("rayon pool of every core");
    let time_batch = |pool: &rayon::ThreadPool| {
        let t = Instant::now();
        pool.install(|| black_box(net.predict_batch(black_box(&x), n)));
        format!("{}", t.elapsed().as_secs_f64() * 1e3)
    };

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("read command");
        let reply = match line.trim() {
            "single" => {
                let t = Instant::now();
                for s in 0..single_run {
                    black_box(net.predict(black_box(&x[s * inputs..(s + 1) * inputs])));
                }
                format!("{}", t.elapsed().as_secs_f64() * 1e3)
            }
            "batch" => time_batch(&one),
            "batch-threads" => time_batch(&all),
            "threads" => format!("{}", all.current_num_threads()),
            "predictions" => {
                let batched = net.predict_batch(&x, n);
                let singles: Vec<u32> = (0..n).map(|s| net.predict(&x[s * inputs..(s + 1) * inputs])).collect();
                assert_eq!(batched, singles, "batched and single predictions differ");
                let list: Vec<String> = batched.iter().map(u32::to_string).collect();
                format!("[{}]", list.join(","))
            }
            other => format!("error: unknown command {other:?}"),
        };
        writeln!(out, "{reply}").expect("write reply");
        out.flush().expect("flush");
    }
}
