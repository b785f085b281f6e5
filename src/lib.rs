//! callcoach: an offline telephone quality coach.

pub mod structure;
pub mod transcript;
