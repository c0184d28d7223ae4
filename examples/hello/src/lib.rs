use wasm_bindgen::prelude::*;

/// Returns "hello " followed by the name, like the starter's `say` function.
#[wasm_bindgen]
pub fn say(s: &str) -> String {
    let mut greeting = String::with_capacity(6 + s.len());
    greeting.push_str("hello ");
    greeting.push_str(s);
    greeting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_hello() {
        assert_eq!(say("World"), "hello World");
    }
}

/// Runs once per instance: Rust panics then reach JavaScript with their message and location.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
