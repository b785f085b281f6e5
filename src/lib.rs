//! callcoach: an offline telephone quality coach.

pub mod transcript;
pub mod structure;
