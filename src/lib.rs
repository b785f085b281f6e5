//! callcoach: an offline telephone quality coach.

pub mod model;
pub mod transcript;
