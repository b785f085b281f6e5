//! callcoach: an offline telephone quality coach.
