//! Resemblyzer's GE2E speaker encoder (Apache-2.0; Wan et al. 2018), its
//! weights converted from PyTorch to safetensors.
//!
//! PyPI's `resemblyzer` 0.1.4 wheel ships the trained encoder as
//! `resemblyzer/pretrained.pt`, a legacy PyTorch checkpoint (read by
//! [`super::torch`], no Python or torch needed). [`convert`] keeps the 14
//! tensors of the network — a 3-layer LSTM over 40 mel bands with 256 units
//! (`lstm.{weight_ih,weight_hh,bias_ih,bias_hh}_l{0,1,2}`) and the 256 × 256
//! projection (`linear.{weight,bias}`) — and drops the training leftovers
//! (`similarity_weight`, `similarity_bias`, the optimizer state). It writes
//! them with [`super::safetensors::to_bytes`], which reproduces
//! `scripts/ge2e_reference.py convert` byte for byte (5,695,632 bytes,
//! sha256 `a5d4776b…0e069`, pinned in `models/manifest.json`).

use std::path::Path;

use super::atomic::AtomicFile;
use super::error::ModelError;
use super::manifest::{check_digest, ManifestEntry};
use super::safetensors::{self, Tensor};

/// Mel bands the encoder reads per frame.
pub const MEL_BANDS: usize = 40;
/// LSTM units per layer (and the embedding size).
pub const HIDDEN: usize = 256;
/// LSTM layers.
pub const LAYERS: usize = 3;

/// The tensors of the encoder and their shapes, in file (name) order.
pub fn expected_tensors() -> Vec<(String, Vec<usize>)> {
    let mut v = vec![
        ("linear.bias".to_string(), vec![HIDDEN]),
        ("linear.weight".to_string(), vec![HIDDEN, HIDDEN]),
    ];
    for l in 0..LAYERS {
        let input = if l == 0 { MEL_BANDS } else { HIDDEN };
        v.push((format!("lstm.bias_hh_l{l}"), vec![4 * HIDDEN]));
        v.push((format!("lstm.bias_ih_l{l}"), vec![4 * HIDDEN]));
        v.push((format!("lstm.weight_hh_l{l}"), vec![4 * HIDDEN, HIDDEN]));
        v.push((format!("lstm.weight_ih_l{l}"), vec![4 * HIDDEN, input]));
    }
    v.sort();
    v
}

/// What [`convert`] wrote.
#[derive(Debug, Clone)]
pub struct Ge2eSummary {
    /// Tensors written (14).
    pub tensors: usize,
    /// Size of the file in bytes.
    pub size: u64,
    /// Its lower-case hex SHA-256.
    pub sha256: String,
}

/// The encoder's tensors among a state dict's: those named `lstm.*` or
/// `linear.*`, which must be exactly [`expected_tensors`] with their
/// shapes. `label` names the checkpoint in errors.
pub fn select(state: Vec<Tensor>, label: &str) -> Result<Vec<Tensor>, ModelError> {
    let mut kept: Vec<Tensor> = state
        .into_iter()
        .filter(|t| t.name.starts_with("lstm.") || t.name.starts_with("linear."))
        .collect();
    kept.sort_by(|a, b| a.name.cmp(&b.name));
    let expected = expected_tensors();
    for (name, shape) in &expected {
        match kept.iter().find(|t| &t.name == name) {
            None => {
                return Err(ModelError::format(
                    label,
                    format!("no tensor `{name}`: not Resemblyzer's GE2E encoder"),
                ))
            }
            Some(t) if &t.shape != shape => {
                return Err(ModelError::format(
                    label,
                    format!(
                        "tensor `{name}` has shape {:?}, expected {shape:?}: not Resemblyzer's GE2E encoder",
                        t.shape
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = kept
        .iter()
        .find(|t| !expected.iter().any(|(n, _)| *n == t.name))
    {
        return Err(ModelError::format(
            label,
            format!(
                "unexpected tensor `{}`: not Resemblyzer's GE2E encoder",
                extra.name.escape_debug()
            ),
        ));
    }
    Ok(kept)
}

/// Converts Resemblyzer's `pretrained.pt` at `pt_path` into the
/// safetensors file `dest`, atomically. With `expect`, the result must have
/// its size and SHA-256, or nothing is written.
pub fn convert(
    pt_path: &Path,
    dest: &Path,
    expect: Option<&ManifestEntry>,
) -> Result<Ge2eSummary, ModelError> {
    let label = pt_path.display().to_string();
    let state = super::torch::read_state_dict(pt_path)?;
    let tensors = select(state, &label)?;
    let bytes = safetensors::to_bytes(&tensors, &dest.display().to_string())?;
    let mut out = AtomicFile::create(dest)?;
    std::io::Write::write_all(out.writer(), &bytes).map_err(|e| ModelError::io(dest, e))?;
    let (size, sha256) = out.digest();
    if let Some(entry) = expect {
        check_digest(dest, size, &sha256, entry)?;
    }
    out.commit()?;
    Ok(Ge2eSummary {
        tensors: tensors.len(),
        size,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeros(name: &str, shape: &[usize]) -> Tensor {
        Tensor {
            name: name.into(),
            shape: shape.to_vec(),
            data: vec![0.0; shape.iter().product()],
        }
    }

    fn encoder_state() -> Vec<Tensor> {
        let mut v: Vec<Tensor> = expected_tensors()
            .iter()
            .map(|(n, s)| zeros(n, s))
            .collect();
        v.push(zeros("similarity_weight", &[1]));
        v.push(zeros("similarity_bias", &[1]));
        v
    }

    #[test]
    fn keeps_the_fourteen_tensors_at_the_reference_size() {
        let kept = select(encoder_state(), "p.pt").unwrap();
        assert_eq!(kept.len(), 14);
        let bytes = safetensors::to_bytes(&kept, "o").unwrap();
        // The size of `scripts/ge2e_reference.py convert`'s output
        // (models/manifest.json); the sha256 against the real weights is
        // checked by `model fetch ge2e` (tests/model.rs).
        assert_eq!(bytes.len(), 5_695_632);
    }

    #[test]
    fn a_wrong_model_is_refused_by_name() {
        let mut s = encoder_state();
        s.retain(|t| t.name != "lstm.weight_hh_l2");
        assert_eq!(
            select(s, "p.pt").unwrap_err().to_string(),
            "p.pt: no tensor `lstm.weight_hh_l2`: not Resemblyzer's GE2E encoder"
        );
        let mut s = encoder_state();
        s[0] = zeros("linear.bias", &[128]);
        assert_eq!(
            select(s, "p.pt").unwrap_err().to_string(),
            "p.pt: tensor `linear.bias` has shape [128], expected [256]: not Resemblyzer's GE2E encoder"
        );
        let mut s = encoder_state();
        s.push(zeros("lstm.weight_ih_l3", &[1]));
        assert_eq!(
            select(s, "p.pt").unwrap_err().to_string(),
            "p.pt: unexpected tensor `lstm.weight_ih_l3`: not Resemblyzer's GE2E encoder"
        );
    }
}
