//! Bytes as a scoring profile (TOML laid over the defaults, then checked).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("profile.toml", data);
    if let Ok(p) = callcoach::findings::profile::Profile::load(&path) {
        // A profile that loads can be written out again.
        let _ = callcoach::findings::calibrate::profile_toml(&p);
    }
});
