//! Spoken numbers, English and German, to digit strings.
