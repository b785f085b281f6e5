//! Bytes as a WAV file through `audio::probe` and `audio::load`: Ok or the
//! one-line error naming the file, never a panic or a huge allocation.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("in.wav", data);
    let probed = callcoach::audio::probe(&path);
    let loaded = callcoach::audio::load(&path, Some(16_000));
    for e in [probed.err().map(|e| e.to_string()), loaded.err().map(|e| e.to_string())]
        .into_iter()
        .flatten()
    {
        assert!(!e.contains('\n'), "multi-line error: {e}");
    }
});
