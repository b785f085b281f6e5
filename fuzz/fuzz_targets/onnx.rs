//! Bytes as an ONNX file: the initializer reader and the Silero converter.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(inits) = callcoach::model::onnx::initializers(data, "fuzz") {
        let _ = callcoach::model::silero::to_ggml(&inits, "fuzz");
    }
});
