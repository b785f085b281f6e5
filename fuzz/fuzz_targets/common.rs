//! A per-process scratch file in /dev/shm (memory) for the targets whose
//! API takes a path.

use std::path::PathBuf;

/// Writes `data` to this process's scratch file named `name` and returns
/// its path.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let p = dir.join(format!("callcoach-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&p, data).expect("scratch file");
    p
}
