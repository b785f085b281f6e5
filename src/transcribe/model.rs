//! The whisper model: its GGML header ([`ModelShape`]) and the loaded
//! whisper.cpp context, with DTW word alignment when the model's size is
//! known.

use std::path::{Path, PathBuf};

use whisper_rs::{
    DtwMode, DtwModelPreset, DtwParameters, WhisperContext, WhisperContextParameters,
};

use super::TranscribeError;
use crate::model::{HParams, ModelError};

/// The hyper-parameters at the head of a GGML whisper file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelShape {
    /// Vocabulary size: 51864 for English-only models, 51865+ multilingual.
    pub n_vocab: i32,
    /// Encoder width (384 tiny, 512 base, 768 small, 1024 medium, 1280 large).
    pub n_audio_state: i32,
    /// Encoder layers.
    pub n_audio_layer: i32,
    /// Decoder layers.
    pub n_text_layer: i32,
    /// Mel bands (80, or 128 for large-v3).
    pub n_mels: i32,
}

impl ModelShape {
    /// Reads and checks the header of a GGML whisper model.
    pub fn read(path: &Path) -> Result<Self, TranscribeError> {
        let h = HParams::read_path(path).map_err(|e| match e {
            ModelError::Missing(p) => TranscribeError::ModelMissing(p),
            e => TranscribeError::NotGgml(e),
        })?;
        // HParams refuses negative values, so each fits the i32 it was read as.
        let int = |v: usize| v as i32;
        Ok(ModelShape {
            n_vocab: int(h.n_vocab),
            n_audio_state: int(h.n_audio_state),
            n_audio_layer: int(h.n_audio_layer),
            n_text_layer: int(h.n_text_layer),
            n_mels: int(h.n_mels),
        })
    }

    /// Whether the model knows languages other than English.
    pub fn multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// The DTW alignment-head preset for this model size, if one is known.
    pub fn dtw_preset(&self) -> Option<DtwModelPreset> {
        use DtwModelPreset::*;
        let ml = self.multilingual();
        Some(match (self.n_audio_state, self.n_text_layer, ml) {
            (384, _, false) => TinyEn,
            (384, _, true) => Tiny,
            (512, _, false) => BaseEn,
            (512, _, true) => Base,
            (768, _, false) => SmallEn,
            (768, _, true) => Small,
            (1024, _, false) => MediumEn,
            (1024, _, true) => Medium,
            (1280, 4, _) => LargeV3Turbo,
            (1280, _, _) if self.n_mels == 128 => LargeV3,
            (1280, _, _) => LargeV2,
            _ => return None,
        })
    }
}

fn bad_model(path: &Path, why: String) -> TranscribeError {
    TranscribeError::BadModel {
        path: path.to_path_buf(),
        why,
    }
}

/// A whisper model loaded by whisper.cpp, with the file it came from and
/// its shape.
pub(super) struct Model {
    /// whisper.cpp's context: the weights, shared by every run.
    pub(super) ctx: WhisperContext,
    /// The model file, named in errors.
    pub(super) path: PathBuf,
    /// The header's hyper-parameters.
    pub(super) shape: ModelShape,
}

impl Model {
    /// Loads a GGML model, with DTW word alignment (the cross-attention
    /// heads of the model's alignment preset, as in openai-whisper's
    /// `word_timestamps`) when its size is known.
    pub(super) fn load(path: &Path) -> Result<Self, TranscribeError> {
        let shape = ModelShape::read(path)?;
        whisper_rs::install_logging_hooks();
        let mut params = WhisperContextParameters::default();
        if let Some(model_preset) = shape.dtw_preset() {
            params.dtw_parameters(DtwParameters {
                mode: DtwMode::ModelPreset { model_preset },
                ..DtwParameters::default()
            });
        }
        let ctx = WhisperContext::new_with_params(path, params)
            .map_err(|e| bad_model(path, format!("whisper.cpp could not load it: {e}")))?;
        Ok(Model {
            ctx,
            path: path.to_path_buf(),
            shape,
        })
    }

    /// whisper.cpp's error `e`, naming this model's file.
    pub(super) fn error(&self, e: whisper_rs::WhisperError) -> TranscribeError {
        TranscribeError::Whisper {
            path: self.path.clone(),
            why: e.to_string(),
        }
    }
}
