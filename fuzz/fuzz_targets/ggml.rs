//! Bytes as a GGML whisper model: the header reader every check shares
//! (and the transcriber's header check that runs before whisper.cpp sees
//! the file), and the q8_0 quantizer, which reads every tensor header.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("in.ggml", data);
    if let Err(e) = callcoach::model::HParams::read_path(&path) {
        assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
    }
    let _ = callcoach::transcribe::ModelShape::read(&path);
    let out = common::scratch("out.ggml", b"");
    let _ = callcoach::model::quantize::quantize_q8_0(&path, &out, None);
});
