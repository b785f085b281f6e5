//! Redacted spans silenced (or covered by a tone) in a WAV file.
