//! Bytes as a safetensors file (the GE2E weights' format): Ok or the
//! one-line error, never a panic or a huge allocation; what is read writes
//! and reads back to the same tensors.
#![no_main]

use callcoach::model::safetensors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match safetensors::parse(data, "fuzz") {
        Ok(tensors) => {
            let bytes = safetensors::to_bytes(&tensors, "fuzz").expect("read tensors write");
            let back = safetensors::parse(&bytes, "fuzz").expect("written file reads back");
            assert_eq!(safetensors::to_bytes(&back, "fuzz").unwrap(), bytes);
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
});
