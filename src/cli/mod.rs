//! The command line, one module per command or group of commands; each
//! holds its clap arguments and its handler, which hands the work to the
//! library and prints the result. [`common`] holds what they share;
//! [`term`] settles colour and terminals once, [`logger`] prints the
//! library's log records, [`progress`] shows a batch's progress.
//! `main.rs` parses and dispatches to the handlers here.

pub mod analyze;
pub mod batch;
pub mod calibrate;
pub mod common;
pub mod history;
pub mod live;
pub mod logger;
pub mod model;
pub mod progress;
pub mod record;
pub mod redact;
pub mod score;
pub mod term;
pub mod transcribe;
