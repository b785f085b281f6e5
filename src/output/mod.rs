//! What callcoach writes, shared by every module that writes it: files
//! written atomically ([`atomic`]), the layout of a batch output directory
//! ([`layout`]) and a call's row of the summary ([`row`]).
//!
//! This module sits below everything that writes output (`batch`, `report`,
//! `render`, `model`) and imports none of them, so a renderer never depends
//! on the batch runner that uses it.

pub mod atomic;
pub mod layout;
pub mod row;

pub use atomic::{write_atomic, AtomicFile};
pub use row::{CallRow, FindingCell};
