//! Bytes as a batch manifest CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = callcoach::batch::manifest::Manifest::parse(text, std::path::Path::new("/calls"));
    }
});
