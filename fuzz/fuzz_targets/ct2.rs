//! Bytes as a CTranslate2 `model.bin`: the index, the hyper-parameters and
//! the GGML tensor plan.
#![no_main]

use std::io::Cursor;

use callcoach::model::ct2::Ct2Model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    if let Ok(mut m) = Ct2Model::from_reader(Cursor::new(data), len, "fuzz".into()) {
        let _ = callcoach::model::HParams::from_ct2(&mut m);
    }
});
