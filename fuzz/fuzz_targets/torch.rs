//! Bytes as a legacy PyTorch checkpoint: the bounded pickle reader, the
//! GE2E tensor selection, and the safetensors writer and reader on what
//! the checkpoint gave: Ok or the one-line error, never a panic or a huge
//! allocation; what is read writes and reads back to the same bytes.
#![no_main]

use callcoach::model::{ge2e, safetensors, torch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match torch::parse_state_dict(data, "fuzz") {
        Ok(tensors) => {
            let bytes = safetensors::to_bytes(&tensors, "fuzz").expect("a state dict writes");
            let back = safetensors::parse(&bytes, "fuzz").expect("written file reads back");
            assert_eq!(safetensors::to_bytes(&back, "fuzz").unwrap(), bytes);
            if let Err(e) = ge2e::select(tensors, "fuzz") {
                assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
    }
});
