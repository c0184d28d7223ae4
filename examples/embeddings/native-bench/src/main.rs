//! Reads {"model_dir", "single", "batch", "min_time_ms"} as JSON on stdin, loads the model the
//! way the wasm Embedder does, checks nothing is off (prints the embeddings' first values),
//! and prints the samples of each task in milliseconds. Run it with RAYON_NUM_THREADS=1 for
//! one core (candle's CPU matmul parallelises with rayon otherwise).
use embeddings::Embedder;
use serde_json::{json, Value};
use std::io::Read;
use std::time::Instant;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("stdin");
    let request: Value = serde_json::from_str(&input).expect("JSON request");
    let dir = request["model_dir"].as_str().expect("model_dir");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).expect(name);
    let weights = std::fs::read(format!("{dir}/model.safetensors")).expect("model.safetensors");
    let embedder = Embedder::new(&weights, &read("config.json"), &read("tokenizer.json"), &read("sentence_bert_config.json"))
        .unwrap_or_else(|_| panic!("the model in {dir} did not load"));
    let single = vec![request["single"].as_str().expect("single").to_string()];
    let batch: Vec<String> = request["batch"].as_array().expect("batch").iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let min_time = request["min_time_ms"].as_f64().unwrap_or(3000.0);
    let mut out = json!({});
    for (name, texts, min_rounds) in [("single", &single, 15), ("batch", &batch, 5)] {
        let embedded = embedder.embed_texts(texts).unwrap_or_else(|_| panic!("embed {name}"));
        for _ in 0..2 {
            embedder.embed_texts(texts).ok();
        }
        let started = Instant::now();
        let mut samples = Vec::new();
        while samples.len() < min_rounds || started.elapsed().as_secs_f64() * 1000.0 < min_time {
            let t = Instant::now();
            embedder.embed_texts(texts).ok();
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
            if samples.len() >= 200 {
                break;
            }
        }
        out[name] = json!({ "samples": samples, "embeddings": embedded });
    }
    println!("{out}");
}
