use std::fmt;

/// A rejected input, with a message that says what was wrong with it. Kept free of
/// wasm-bindgen so the same kernels run natively (native-bench) and in Rust tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError(pub String);

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KernelError {}

pub fn fail<T>(message: impl Into<String>) -> Result<T, KernelError> {
    Err(KernelError(message.into()))
}
