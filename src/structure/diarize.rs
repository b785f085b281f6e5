//! Two-speaker diarization of mono calls.
//!
//! With a speaker model ([`super::ge2e`], the default when its file is
//! there), step 3 below is replaced: GE2E embeddings of 1.6 s windows of the
//! packed speech, spherical two-means into two voices, and a per-frame
//! evidence (cosine to one voice minus cosine to the other) decoded by the
//! same Viterbi pass ([`embedding_llr`]); then `diar_embed_reseg_rounds`
//! rounds of the GMM resegmentation of step 3, trained on those labels, with
//! the GE2E evidence added to each frame's GMM log-likelihood ratio: the
//! embeddings tell the voices apart over the whole call, the frame GMMs put
//! the boundaries to 10 ms. Steps 5 and 6 follow as below. Without it:
//!
//! Method (a compact version of the GMM/Viterbi resegmentation used in
//! classic diarization systems, e.g. LIUM SpkDiarization, Meignier & Merlin 2010):
//!
//! 1. Speech activity by frame energy ([`super::activity`]), 10 ms frames.
//! 2. Per frame: MFCC c1..c12 (c0 dropped: loudness is not identity), with
//!    cepstral mean normalisation over the call; F0 (Boersma 1993).
//! 3. Speech is cut into chunks of `diar_chunk_s`. `diar_restarts` random
//!    two-way labellings of the chunks (deterministic LCG) each start an
//!    iterative resegmentation: a 4-component diagonal GMM per speaker on its
//!    frames' MFCCs, then a two-state Viterbi pass over all speech frames with
//!    a speaker-change penalty (`diar_switch_penalty`, a third of it across
//!    pauses of 200 ms or more); 5 rounds.
//! 4. The `diar_vote` runs with the highest objective (frame log-likelihood
//!    under the own model minus change penalties) are aligned and vote per
//!    frame; 3 more resegmentation rounds from the vote give the labels.
//!    (A single k-means on chunk means, tried first, was near chance on the
//!    test call: two women with similar F0 on one phone line.)
//! 5. Overlap: frames near a speaker change inside continuous speech (no
//!    pause at the change) whose smoothed log-likelihood ratio is ambiguous
//!    are given to both speakers (see [`find_overlaps`]).
//! 6. The agent is the speaker whose model best explains the first speech run
//!    of at least 0.3 s (or the other one when the agent does not speak first).
//!
//! Confidence: ΔBIC (Chen & Gopalakrishnan 1998, full-covariance Gaussians,
//! λ = 1) of two models against one on the frame MFCCs tells whether two voices
//! are present; the silhouette (Rousseeuw 1987) of the chunk descriptors (mean
//! MFCCs and median log F0, standardised) under the final labels tells how well
//! they separate. `confidence` = silhouette clamped to 0..1, times 0.25 when
//! ΔBIC ≤ 0, rounded to two decimals.

use super::activity::{frame_levels_db, mono_activity, HOP_S};
use super::ge2e::{self, MelFrame, MelFrontend, SpeakerEncoder};
use super::mfcc::{FrameAnalyzer, FrameFeatures, N_MFCC};
use super::{Diarization, StructureParams};
use crate::signal::stats::median;

/// Dimensions of the frame vectors (c1..c12).
const D: usize = N_MFCC - 1;
type Vector = [f64; D];

/// Why the mono diarization failed: only the speaker model's path can
/// (the MFCC clustering always gives an answer).
#[derive(Debug, thiserror::Error)]
pub enum DiarizeError {
    /// The call could not be resampled to the speaker model's rate.
    #[error("resampling for the speaker model: {0}")]
    Resample(#[from] crate::audio::ResampleError),
}

/// Result of the mono diarization: speech frames per party and the method's figures.
#[derive(Debug, Clone)]
pub struct DiarizeResult {
    /// Agent speech, 10 ms frames.
    pub agent: Vec<bool>,
    /// Customer speech, 10 ms frames.
    pub customer: Vec<bool>,
    /// Method and confidence.
    pub info: Diarization,
}

/// Diagonal-covariance Gaussian mixture.
#[derive(Debug, Clone)]
struct Gmm {
    log_w: Vec<f64>,
    mu: Vec<Vector>,
    var: Vec<Vector>,
    /// Per component: log normaliser (−½ Σ log 2πσ²).
    log_norm: Vec<f64>,
}

impl Gmm {
    fn refresh(&mut self) {
        self.log_norm = self
            .var
            .iter()
            .map(|v| {
                -0.5 * v
                    .iter()
                    .map(|s| (2.0 * std::f64::consts::PI * s).ln())
                    .sum::<f64>()
            })
            .collect();
    }

    fn comp_ll(&self, k: usize, x: &Vector) -> f64 {
        let q: f64 = x
            .iter()
            .zip(&self.mu[k])
            .zip(&self.var[k])
            .map(|((xd, m), v)| (xd - m) * (xd - m) / v)
            .sum();
        self.log_w[k] + self.log_norm[k] - 0.5 * q
    }

    fn loglik(&self, x: &Vector) -> f64 {
        let lls: Vec<f64> = (0..self.mu.len()).map(|k| self.comp_ll(k, x)).collect();
        log_sum_exp(&lls)
    }

    /// Trains by binary splitting (LBG) and EM up to `k` components.
    fn fit(data: &[Vector], k: usize) -> Gmm {
        let (mu, var) = mean_var(data.iter());
        let mut g = Gmm {
            log_w: vec![0.0],
            mu: vec![mu],
            var: vec![var],
            log_norm: vec![],
        };
        g.refresh();
        while g.mu.len() < k && data.len() >= 20 * g.mu.len() * 2 {
            let mut mu2 = Vec::new();
            let mut var2 = Vec::new();
            for (m, v) in g.mu.iter().zip(&g.var) {
                let mut a = *m;
                let mut b = *m;
                for d in 0..D {
                    let s = v[d].sqrt() * 0.2;
                    a[d] += s;
                    b[d] -= s;
                }
                mu2.extend([a, b]);
                var2.extend([*v, *v]);
            }
            let n = mu2.len();
            g = Gmm {
                log_w: vec![-(n as f64).ln(); n],
                mu: mu2,
                var: var2,
                log_norm: vec![],
            };
            g.refresh();
            for _ in 0..6 {
                g.em_step(data);
            }
        }
        g
    }

    fn em_step(&mut self, data: &[Vector]) {
        let k = self.mu.len();
        let mut nk = vec![0.0f64; k];
        let mut s1 = vec![[0.0f64; D]; k];
        let mut s2 = vec![[0.0f64; D]; k];
        let mut lls = vec![0.0f64; k];
        for x in data {
            for (j, l) in lls.iter_mut().enumerate() {
                *l = self.comp_ll(j, x);
            }
            let tot = log_sum_exp(&lls);
            for j in 0..k {
                let r = (lls[j] - tot).exp();
                nk[j] += r;
                for d in 0..D {
                    s1[j][d] += r * x[d];
                    s2[j][d] += r * x[d] * x[d];
                }
            }
        }
        let n: f64 = nk.iter().sum();
        for j in 0..k {
            if nk[j] < 1e-3 {
                continue;
            }
            self.log_w[j] = (nk[j] / n).max(1e-6).ln();
            for d in 0..D {
                let m = s1[j][d] / nk[j];
                self.mu[j][d] = m;
                self.var[j][d] = (s2[j][d] / nk[j] - m * m).max(1e-3);
            }
        }
        self.refresh();
    }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn mean_var<'a>(data: impl Iterator<Item = &'a Vector> + Clone) -> (Vector, Vector) {
    let mut mu = [0.0; D];
    let mut n = 0.0;
    for x in data.clone() {
        for d in 0..D {
            mu[d] += x[d];
        }
        n += 1.0;
    }
    let n = f64::max(n, 1.0);
    mu.iter_mut().for_each(|m| *m /= n);
    let mut var = [0.0; D];
    for x in data {
        for d in 0..D {
            var[d] += (x[d] - mu[d]).powi(2);
        }
    }
    var.iter_mut().for_each(|v| *v = (*v / n).max(1e-3));
    (mu, var)
}

/// Log-determinant of the full covariance of `data` (Cholesky); None if singular.
fn log_det_cov(data: &[&Vector]) -> Option<f64> {
    let n = data.len() as f64;
    if data.len() <= D {
        return None;
    }
    let mut mu = [0.0; D];
    for x in data {
        for d in 0..D {
            mu[d] += x[d] / n;
        }
    }
    let mut c = [[0.0f64; D]; D];
    for x in data {
        for i in 0..D {
            for j in 0..=i {
                c[i][j] += (x[i] - mu[i]) * (x[j] - mu[j]) / n;
            }
        }
    }
    let mut l = [[0.0f64; D]; D];
    let mut log_det = 0.0;
    for i in 0..D {
        for j in 0..=i {
            let s = c[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s <= 1e-12 {
                    return None;
                }
                l[i][i] = s.sqrt();
                log_det += 2.0 * l[i][i].ln();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(log_det)
}

/// ΔBIC of two full-covariance Gaussians against one (λ = 1).
fn delta_bic(a: &[&Vector], b: &[&Vector]) -> f64 {
    let all: Vec<&Vector> = a.iter().chain(b.iter()).copied().collect();
    match (log_det_cov(&all), log_det_cov(a), log_det_cov(b)) {
        (Some(l), Some(la), Some(lb)) => {
            let n = all.len() as f64;
            let p = (D + D * (D + 1) / 2) as f64;
            0.5 * n * l - 0.5 * a.len() as f64 * la - 0.5 * b.len() as f64 * lb - 0.5 * p * n.ln()
        }
        _ => 0.0,
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum()
}

/// Mean silhouette of a two-cluster labelling (Rousseeuw 1987).
fn silhouette(points: &[Vec<f64>], labels: &[usize]) -> f64 {
    let n = points.len();
    let mut total = 0.0;
    let mut counted = 0;
    for i in 0..n {
        let mut sum = [0.0f64; 2];
        let mut cnt = [0usize; 2];
        for j in 0..n {
            if i != j {
                sum[labels[j]] += dist2(&points[i], &points[j]).sqrt();
                cnt[labels[j]] += 1;
            }
        }
        let own = labels[i];
        if cnt[own] == 0 || cnt[1 - own] == 0 {
            continue;
        }
        let a = sum[own] / cnt[own] as f64;
        let b = sum[1 - own] / cnt[1 - own] as f64;
        total += (b - a) / a.max(b).max(1e-12);
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

/// Speech chunks: (first frame, end frame) runs of at most `len` frames.
fn chunks(speech: &[bool], len: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < speech.len() {
        if !speech[i] {
            i += 1;
            continue;
        }
        let s = i;
        while i < speech.len() && speech[i] {
            i += 1;
        }
        let mut a = s;
        while a < i {
            let mut b = (a + len).min(i);
            if i - b < len / 2 {
                b = i;
            }
            out.push((a, b));
            a = b;
        }
    }
    out
}

/// Two-state Viterbi over speech frames with a change penalty.
fn viterbi(llr: &[f64], speech: &[bool], penalty: f64) -> Vec<usize> {
    let idx: Vec<usize> = (0..speech.len()).filter(|&i| speech[i]).collect();
    if idx.is_empty() {
        return vec![0; speech.len()];
    }
    // Scores of state 0 and 1: emission ±llr/2.
    let mut score = [0.5 * llr[idx[0]], -0.5 * llr[idx[0]]];
    let mut back: Vec<[u8; 2]> = Vec::with_capacity(idx.len());
    back.push([0, 1]);
    for w in 1..idx.len() {
        let gap = idx[w] - idx[w - 1];
        let p = if gap as f64 * HOP_S >= 0.2 {
            penalty / 3.0
        } else {
            penalty
        };
        let e = [0.5 * llr[idx[w]], -0.5 * llr[idx[w]]];
        let mut ns = [0.0; 2];
        let mut b = [0u8; 2];
        for s in 0..2 {
            let stay = score[s];
            let switch = score[1 - s] - p;
            if stay >= switch {
                ns[s] = stay + e[s];
                b[s] = s as u8;
            } else {
                ns[s] = switch + e[s];
                b[s] = (1 - s) as u8;
            }
        }
        score = ns;
        back.push(b);
    }
    let mut state = usize::from(score[1] > score[0]);
    let mut labels = vec![0usize; speech.len()];
    for w in (0..idx.len()).rev() {
        labels[idx[w]] = state;
        state = back[w][state] as usize;
    }
    labels
}

/// Marks overlap candidates (see module docs): around each change between the
/// two speakers inside continuous speech, the frames within `reach` frames of
/// the change whose smoothed LLR is within `ambiguity` of zero.
pub fn find_overlaps(
    labels: &[usize],
    speech: &[bool],
    llr: &[f64],
    reach: usize,
    ambiguity: f64,
) -> Vec<bool> {
    let n = labels.len();
    let mut ov = vec![false; n];
    // Smoothed LLR over ±10 frames (speech only).
    let half = 10usize;
    let sm: Vec<f64> = (0..n)
        .map(|i| {
            let a = i.saturating_sub(half);
            let b = (i + half + 1).min(n);
            let (s, c) = (a..b)
                .filter(|&j| speech[j])
                .fold((0.0, 0usize), |(s, c), j| (s + llr[j], c + 1));
            if c == 0 {
                0.0
            } else {
                s / c as f64
            }
        })
        .collect();
    for i in 1..n {
        if speech[i] && speech[i - 1] && labels[i] != labels[i - 1] {
            let a = i.saturating_sub(reach);
            let b = (i + reach).min(n);
            for j in a..b {
                if speech[j] && sm[j].abs() < ambiguity {
                    ov[j] = true;
                }
            }
        }
    }
    ov
}

/// Viterbi resegmentation from initial frame labels: `rounds` times, fit a
/// `k`-component GMM per speaker on its frames and relabel all speech frames
/// by the GMMs' log-likelihood ratio, plus `prior` (per frame, the same
/// units) when given. Returns the labels, the last frame LLRs, and the objective (total frame
/// log-likelihood under the own speaker's model minus the change penalties).
fn resegment(
    vecs: &[Vector],
    speech: &[bool],
    init: Vec<usize>,
    k: usize,
    rounds: usize,
    penalty: f64,
    prior: Option<&[f64]>,
) -> (Vec<usize>, Vec<f64>, f64) {
    let n = speech.len();
    let mut labels = init;
    let mut ratio = vec![0.0; n];
    let mut objective = f64::NEG_INFINITY;
    for _ in 0..rounds {
        let data = |k: usize| -> Vec<Vector> {
            (0..n)
                .filter(|&i| speech[i] && labels[i] == k)
                .map(|i| vecs[i])
                .collect()
        };
        let (d0, d1) = (data(0), data(1));
        if d0.len() < 50 || d1.len() < 50 {
            break;
        }
        let models = [Gmm::fit(&d0, k), Gmm::fit(&d1, k)];
        let mut ll = vec![[0.0f64; 2]; n];
        for i in 0..n {
            if speech[i] {
                ll[i] = [models[0].loglik(&vecs[i]), models[1].loglik(&vecs[i])];
                ratio[i] = ll[i][0] - ll[i][1] + prior.map_or(0.0, |p| p[i]);
            }
        }
        labels = viterbi(&ratio, speech, penalty);
        let mut obj = 0.0;
        let mut prev: Option<usize> = None;
        for i in 0..n {
            if speech[i] {
                obj += ll[i][labels[i]];
                if prev.is_some_and(|p| p != labels[i]) {
                    obj -= penalty;
                }
                prev = Some(labels[i]);
            }
        }
        objective = obj;
    }
    (labels, ratio, objective)
}

/// Deterministic pseudo-random chunk labellings (64-bit LCG, Knuth's MMIX constants).
fn random_labels(n_chunks: usize, seed: u64) -> Vec<usize> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n_chunks)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) & 1) as usize
        })
        .collect()
}

/// The first run of at least `min_len` speech frames.
fn first_run(speech: &[bool], min_len: usize) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < speech.len() {
        if speech[i] {
            let s = i;
            while i < speech.len() && speech[i] {
                i += 1;
            }
            if i - s >= min_len {
                return Some((s, i));
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Splits a mono call between agent and customer (see module docs), with
/// speech found by energy alone.
pub fn diarize(
    mono: &[f32],
    sample_rate: u32,
    agent_speaks_first: bool,
    params: &StructureParams,
) -> DiarizeResult {
    let levels = frame_levels_db(mono, sample_rate);
    let speech = mono_activity(&levels, params);
    diarize_speech(mono, sample_rate, speech, agent_speaks_first, params, None)
        .expect("the MFCC diarization cannot fail")
}

/// Splits a mono call between agent and customer (see module docs) over
/// the given speech frames (10 ms, as [`super::activity::mono_activity`]
/// or [`super::activity::mono_activity_voiced`] give them).
pub fn diarize_speech(
    mono: &[f32],
    sample_rate: u32,
    speech: Vec<bool>,
    agent_speaks_first: bool,
    params: &StructureParams,
    speakers: Option<&SpeakerEncoder>,
) -> Result<DiarizeResult, DiarizeError> {
    let hop = ((HOP_S * sample_rate as f64).round() as usize).max(1);
    let feats = FrameAnalyzer::new(sample_rate, hop).analyze(mono);
    let n = speech.len().min(feats.len());
    let speech = &speech[..n];

    // Frame vectors c1..c12 with cepstral mean normalisation over speech.
    let mut vecs: Vec<Vector> = feats[..n]
        .iter()
        .map(|f| {
            let mut v = [0.0; D];
            for (vd, c) in v.iter_mut().zip(&f.mfcc[1..]) {
                *vd = *c as f64;
            }
            v
        })
        .collect();
    let (cmn, _) = mean_var(vecs.iter().zip(speech).filter(|(_, &s)| s).map(|(v, _)| v));
    for v in vecs.iter_mut() {
        for d in 0..D {
            v[d] -= cmn[d];
        }
    }

    let embedded = match speakers {
        Some(enc) => embedding_llr(enc, mono, sample_rate, speech, params)?,
        None => None,
    };
    let method = match (&embedded, params.diar_embed_reseg_rounds) {
        (None, _) => "MFCC GMM Viterbi resegmentation, voted random restarts".to_string(),
        (Some(_), 0) => "GE2E speaker embeddings (Resemblyzer), two-means, Viterbi".to_string(),
        (Some(_), _) => "GE2E speaker embeddings (Resemblyzer), two-means, Viterbi, \
             then MFCC GMM Viterbi resegmentation with the embeddings' evidence"
            .to_string(),
    };
    let ch = chunks(
        speech,
        ((params.diar_chunk_s / HOP_S).round() as usize).max(10),
    );
    if ch.len() < 4 {
        // Too little speech to separate two voices: all of it is the agent's.
        return Ok(DiarizeResult {
            agent: speech.to_vec(),
            customer: vec![false; n],
            info: Diarization {
                method,
                confidence: 0.0,
                delta_bic: 0.0,
                silhouette: 0.0,
                chunks: ch.len(),
                agent_reason: String::new(),
            },
        });
    }

    let (labels, ratio) = match embedded {
        Some(llr) => {
            let init = viterbi(&llr, speech, params.diar_switch_penalty);
            if params.diar_embed_reseg_rounds == 0 {
                (init, llr)
            } else {
                let (labels, ratio, _) = resegment(
                    &vecs,
                    speech,
                    init,
                    4,
                    params.diar_embed_reseg_rounds,
                    params.diar_switch_penalty,
                    Some(&llr),
                );
                (labels, ratio)
            }
        }
        None => voted_restarts(&vecs, speech, &ch, params),
    };
    finish(
        feats,
        vecs,
        speech,
        ch,
        labels,
        ratio,
        agent_speaks_first,
        method,
    )
}

/// The MFCC-only labelling: `diar_restarts` random chunk labellings each
/// resegmented, the best `diar_vote` aligned and voting, then resegmented again.
fn voted_restarts(
    vecs: &[Vector],
    speech: &[bool],
    ch: &[(usize, usize)],
    params: &StructureParams,
) -> (Vec<usize>, Vec<f64>) {
    let n = speech.len();
    // Random restarts of the resegmentation; the best few by objective vote.
    let restarts = params.diar_restarts.max(1);
    let mut runs: Vec<(f64, Vec<usize>, Vec<f64>)> = (0..restarts as u64)
        .map(|seed| {
            let cl = random_labels(ch.len(), seed);
            let mut init = vec![0usize; n];
            for (&(a, b), &l) in ch.iter().zip(&cl) {
                init[a..b].iter_mut().for_each(|x| *x = l);
            }
            let (labels, ratio, obj) =
                resegment(vecs, speech, init, 4, 5, params.diar_switch_penalty, None);
            (obj, labels, ratio)
        })
        .collect();
    runs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let top = params.diar_vote.clamp(1, runs.len());
    let best = runs[0].1.clone();
    let mut votes = vec![0i32; n];
    for (_, labels, _) in runs.iter().take(top) {
        // Align each run with the best one (labels are arbitrary).
        let agree = (0..n)
            .filter(|&i| speech[i] && labels[i] == best[i])
            .count();
        let total = speech.iter().filter(|&&s| s).count();
        let flip = agree * 2 < total;
        for i in 0..n {
            let l = if flip { 1 - labels[i] } else { labels[i] };
            votes[i] += if l == 0 { 1 } else { -1 };
        }
    }
    let init: Vec<usize> = votes.iter().map(|&v| usize::from(v < 0)).collect();
    let (labels, ratio, _) = resegment(vecs, speech, init, 4, 3, params.diar_switch_penalty, None);
    (labels, ratio)
}

/// Confidence, overlaps and roles from the final labels (steps 5 and 6 of
/// the module docs).
#[allow(clippy::too_many_arguments)]
fn finish(
    feats: Vec<FrameFeatures>,
    vecs: Vec<Vector>,
    speech: &[bool],
    ch: Vec<(usize, usize)>,
    labels: Vec<usize>,
    ratio: Vec<f64>,
    agent_speaks_first: bool,
    method: String,
) -> Result<DiarizeResult, DiarizeError> {
    let n = speech.len();
    // Separation of the final speakers at chunk level (mean c1..c12 and log F0).
    let voiced: Vec<f64> = feats[..n]
        .iter()
        .zip(speech)
        .filter_map(|(f, &s)| {
            if s {
                f.f0.map(|x| (x as f64).ln())
            } else {
                None
            }
        })
        .collect();
    let call_f0 = median(&voiced).unwrap_or(5.0);
    let mut points: Vec<Vec<f64>> = ch
        .iter()
        .map(|&(a, b)| {
            let (m, _) = mean_var(vecs[a..b].iter());
            let f0s: Vec<f64> = feats[a..b]
                .iter()
                .filter_map(|f| f.f0.map(|x| (x as f64).ln()))
                .collect();
            let mut p = m.to_vec();
            p.push(median(&f0s).unwrap_or(call_f0));
            p
        })
        .collect();
    standardize(&mut points);
    let chunk_labels: Vec<usize> = ch
        .iter()
        .map(|&(a, b)| usize::from((a..b).filter(|&i| labels[i] == 1).count() * 2 > b - a))
        .collect();
    let sil = silhouette(&points, &chunk_labels);
    let sel = |k: usize| -> Vec<&Vector> {
        (0..n)
            .filter(|&i| speech[i] && labels[i] == k)
            .map(|i| &vecs[i])
            .collect()
    };
    let dbic = delta_bic(&sel(0), &sel(1));
    let overlap = find_overlaps(&labels, speech, &ratio, 40, 1.0);

    // The first speaker: the model that explains the first speech run of at
    // least 0.3 s best (summed LLR), so that a short opener merged into the
    // next turn by the change penalty, or a click, does not decide.
    let first = first_run(speech, 30)
        .map(|(a, b)| usize::from(ratio[a..b].iter().sum::<f64>() < 0.0))
        .unwrap_or(0);
    let agent_label = if agent_speaks_first { first } else { 1 - first };
    let agent: Vec<bool> = (0..n)
        .map(|i| speech[i] && (labels[i] == agent_label || overlap[i]))
        .collect();
    let customer: Vec<bool> = (0..n)
        .map(|i| speech[i] && (labels[i] != agent_label || overlap[i]))
        .collect();
    let confidence =
        (sil.clamp(0.0, 1.0) * if dbic > 0.0 { 1.0 } else { 0.25 } * 100.0).round() / 100.0;
    Ok(DiarizeResult {
        agent,
        customer,
        info: Diarization {
            method,
            confidence,
            delta_bic: dbic,
            silhouette: sil,
            chunks: ch.len(),
            agent_reason: String::new(),
        },
    })
}

/// GE2E evidence for the two speakers, per 10 ms frame (step 3 with a
/// speaker model; see the module docs).
///
/// The speech frames are packed end to end (silence left out, as
/// Resemblyzer trims it) and cut into windows of `diar_embed_window_s`
/// every `diar_embed_hop_s`; each window gets a GE2E embedding. Spherical
/// two-means splits the embeddings into two voices; a frame's evidence is the
/// mean, over the windows that contain it, of the cosine to voice 0 minus the
/// cosine to voice 1, times `diar_embed_scale` (so that it weighs against
/// the change penalty like the GMM's log-likelihood ratio). `None` when
/// there is too little speech for two windows.
fn embedding_llr(
    enc: &SpeakerEncoder,
    mono: &[f32],
    sample_rate: u32,
    speech: &[bool],
    params: &StructureParams,
) -> Result<Option<Vec<f64>>, DiarizeError> {
    let resampled;
    let x = if sample_rate == ge2e::RATE {
        mono
    } else {
        resampled = crate::audio::resample_mono(mono, sample_rate, ge2e::RATE)?;
        &resampled
    };
    let mel = MelFrontend::new().mel(x);
    let idx: Vec<usize> = (0..speech.len().min(mel.len()))
        .filter(|&i| speech[i])
        .collect();
    let len = ((params.diar_embed_window_s / HOP_S).round() as usize).max(10);
    if idx.len() < 2 * len {
        return Ok(None);
    }
    // At least MIN_WINDOWS windows, so that short calls still give the
    // two-means enough points.
    let step = ((params.diar_embed_hop_s / HOP_S).round() as usize)
        .min((idx.len() - len) / MIN_WINDOWS)
        .max(1);
    let packed: Vec<MelFrame> = idx.iter().map(|&i| mel[i]).collect();
    let mut starts: Vec<usize> = (0..=idx.len() - len).step_by(step).collect();
    if starts.last().is_some_and(|&s| s + len < idx.len()) {
        starts.push(idx.len() - len);
    }
    let emb = enc.embed(&packed, &starts, len);
    let centres = two_means(&emb);
    let mut sum = vec![0.0f64; idx.len()];
    let mut count = vec![0u32; idx.len()];
    for (&s, e) in starts.iter().zip(&emb) {
        let d = (ge2e::cosine(e, &centres[0]) - ge2e::cosine(e, &centres[1])) as f64;
        for p in s..s + len {
            sum[p] += d;
            count[p] += 1;
        }
    }
    let mut llr = vec![0.0f64; speech.len()];
    for (p, &i) in idx.iter().enumerate() {
        llr[i] = params.diar_embed_scale * sum[p] / f64::from(count[p].max(1));
    }
    Ok(Some(llr))
}

/// The fewest embedding windows a call is cut into (the hop shrinks for
/// short calls): with 60, a 30 s call's voices were not separated (DER
/// 42 %), with 120 they were (3.9 %; docs/call-structure.md).
const MIN_WINDOWS: usize = 120;

/// Spherical k-means with k = 2 (unit centres, cosine assignment), started
/// from the embedding least like the mean and the one least like that;
/// returns the two unit centres.
fn two_means(emb: &[Vec<f32>]) -> [Vec<f32>; 2] {
    let dim = emb.first().map_or(0, Vec::len);
    let mean = |members: &mut dyn Iterator<Item = &Vec<f32>>| -> Vec<f32> {
        let mut m = vec![0.0f32; dim];
        for e in members {
            m.iter_mut().zip(e).for_each(|(a, b)| *a += b);
        }
        ge2e::normalize(m)
    };
    let all = mean(&mut emb.iter());
    let farthest = |from: &[f32]| -> Vec<f32> {
        emb.iter()
            .min_by(|a, b| ge2e::cosine(a, from).total_cmp(&ge2e::cosine(b, from)))
            .cloned()
            .unwrap_or_default()
    };
    let c0 = farthest(&all);
    let c1 = farthest(&c0);
    let mut centres = [c0, c1];
    let mut labels = vec![usize::MAX; emb.len()];
    for _ in 0..50 {
        let next: Vec<usize> = emb
            .iter()
            .map(|e| usize::from(ge2e::cosine(e, &centres[1]) > ge2e::cosine(e, &centres[0])))
            .collect();
        if next == labels {
            break;
        }
        labels = next;
        for (k, c) in centres.iter_mut().enumerate() {
            if labels.contains(&k) {
                *c = mean(
                    &mut emb
                        .iter()
                        .zip(&labels)
                        .filter(|(_, &l)| l == k)
                        .map(|(e, _)| e),
                );
            }
        }
    }
    centres
}

fn standardize(points: &mut [Vec<f64>]) {
    let n = points.len() as f64;
    let dim = points.first().map_or(0, Vec::len);
    for d in 0..dim {
        let m = points.iter().map(|p| p[d]).sum::<f64>() / n;
        let s = (points.iter().map(|p| (p[d] - m).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-9);
        for p in points.iter_mut() {
            p[d] = (p[d] - m) / s;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The pure steps on small synthetic inputs whose right answer is known
    //! by construction, and the whole MFCC path on two synthetic voices.

    use super::*;

    /// Deterministic normal deviates (64-bit LCG, Knuth's MMIX constants,
    /// then Box-Muller), so that the tests need no random crate.
    struct Normal(u64);

    impl Normal {
        fn uniform(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        fn next(&mut self) -> f64 {
            let (u1, u2) = (self.uniform(), self.uniform());
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }

        /// A vector of independent deviates of mean `mean` and sd 1.
        fn vector(&mut self, mean: f64) -> Vector {
            std::array::from_fn(|_| mean + self.next())
        }
    }

    /// `n` frame vectors around `mean` (sd 1 in every dimension).
    fn group(rng: &mut Normal, n: usize, mean: f64) -> Vec<Vector> {
        (0..n).map(|_| rng.vector(mean)).collect()
    }

    #[test]
    fn log_sum_exp_is_the_log_of_the_sum() {
        let v = [1f64.ln(), 2f64.ln(), 3f64.ln()];
        assert!((log_sum_exp(&v) - 6f64.ln()).abs() < 1e-12);
        // No overflow where exp(1000) would be infinite.
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-9);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
    }

    #[test]
    fn mean_var_of_known_points() {
        // Every coordinate takes 1 and 3: mean 2, (population) variance 1.
        let data = [[1.0; D], [3.0; D]];
        let (mu, var) = mean_var(data.iter());
        assert!(mu.iter().all(|&m| (m - 2.0).abs() < 1e-12), "{mu:?}");
        assert!(var.iter().all(|&v| (v - 1.0).abs() < 1e-12), "{var:?}");
        // A constant coordinate gets the variance floor, not zero.
        let (_, var) = mean_var([[5.0; D], [5.0; D]].iter());
        assert!(var.iter().all(|&v| v == 1e-3));
    }

    #[test]
    fn log_det_cov_of_a_diagonal_construction() {
        // ±s_d e_d for every dimension d: mean 0, covariance diagonal with
        // s_d² · 2 / (2D) = s_d² / D, so log det = Σ ln(s_d² / D).
        let mut data = Vec::new();
        let mut want = 0.0;
        for d in 0..D {
            let s = 1.0 + d as f64;
            let mut a = [0.0; D];
            a[d] = s;
            let mut b = [0.0; D];
            b[d] = -s;
            data.extend([a, b]);
            want += (s * s / D as f64).ln();
        }
        let refs: Vec<&Vector> = data.iter().collect();
        let got = log_det_cov(&refs).unwrap();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        // No more points than dimensions, or all points equal: singular.
        assert_eq!(log_det_cov(&refs[..D]), None);
        let same = [[1.0; D]; 2 * D];
        assert_eq!(log_det_cov(&same.iter().collect::<Vec<_>>()), None);
    }

    #[test]
    fn delta_bic_tells_two_voices_from_one() {
        let mut rng = Normal(1);
        // Two groups 6 sd apart: two models are far better than one.
        let (a, b) = (group(&mut rng, 300, 3.0), group(&mut rng, 300, -3.0));
        let two = delta_bic(&a.iter().collect::<Vec<_>>(), &b.iter().collect::<Vec<_>>());
        assert!(two > 0.0, "ΔBIC {two}");
        // One group cut in halves: the penalty outweighs the fit.
        let c = group(&mut rng, 600, 0.0);
        let (h1, h2) = c.split_at(300);
        let one = delta_bic(
            &h1.iter().collect::<Vec<_>>(),
            &h2.iter().collect::<Vec<_>>(),
        );
        assert!(one < 0.0, "ΔBIC {one}");
        // Too few points for a covariance: no evidence either way.
        assert_eq!(delta_bic(&[&a[0]], &[&b[0]]), 0.0);
    }

    #[test]
    fn silhouette_of_separated_mixed_and_single_clusters() {
        // 1-D clusters {0, 1} and {10, 11}: a = 1 for every point; b =
        // 10.5 for the outer points (0, 11) and 9.5 for the inner ones, so
        // s = (b − a) / b averages to (9.5 / 10.5 + 8.5 / 9.5) / 2.
        let points: Vec<Vec<f64>> = [0.0, 1.0, 10.0, 11.0].iter().map(|&x| vec![x]).collect();
        let s = silhouette(&points, &[0, 0, 1, 1]);
        let want = (9.5 / 10.5 + 8.5 / 9.5) / 2.0;
        assert!((s - want).abs() < 1e-12, "{s} vs {want}");
        // Each cluster holding one point of each group: worse than none.
        assert!(silhouette(&points, &[0, 1, 0, 1]) < 0.0);
        // One cluster only: no silhouette.
        assert_eq!(silhouette(&points, &[0, 0, 0, 0]), 0.0);
    }

    #[test]
    fn chunks_cut_speech_runs_and_fold_short_tails() {
        let mut speech = vec![true; 25];
        speech.extend([false; 5]);
        speech.extend([true; 8]);
        speech.extend([false; 2]);
        speech.extend([true; 23]);
        // 25 frames: 10 + 10 + 5 (a tail of half a chunk stays); 8: one
        // short chunk; 23: 10 + 13 (a tail of 3 < 5 joins the last chunk).
        assert_eq!(
            chunks(&speech, 10),
            vec![(0, 10), (10, 20), (20, 25), (30, 38), (40, 50), (50, 63)]
        );
        assert!(chunks(&[], 10).is_empty());
        assert!(chunks(&[false; 50], 10).is_empty());
    }

    #[test]
    fn viterbi_follows_the_evidence_and_pays_for_changes() {
        // Speaker 0 for 50 frames (llr +1), speaker 1 for 50 (llr −1).
        let llr: Vec<f64> = (0..100).map(|i| if i < 50 { 1.0 } else { -1.0 }).collect();
        let speech = vec![true; 100];
        let labels = viterbi(&llr, &speech, 5.0);
        let want: Vec<usize> = (0..100).map(|i| usize::from(i >= 50)).collect();
        assert_eq!(labels, want);
        // A change costs more than 50 frames of evidence can pay: one label.
        let labels = viterbi(&llr, &speech, 200.0);
        assert!(labels.iter().all(|&l| l == labels[0]), "{labels:?}");
        // Non-speech frames keep label 0; no speech at all: all 0.
        let mut gappy = speech.clone();
        gappy[60..70].iter_mut().for_each(|s| *s = false);
        let labels = viterbi(&llr, &gappy, 5.0);
        assert!(labels[60..70].iter().all(|&l| l == 0));
        assert!(labels[70..].iter().all(|&l| l == 1));
        assert_eq!(viterbi(&llr, &[false; 100], 5.0), vec![0; 100]);
    }

    #[test]
    fn a_pause_makes_a_change_cheaper() {
        // 30 frames for speaker 0 (llr +1), then 30 for speaker 1 (llr
        // −0.8): inside speech a change costs 30, more than the 24 the
        // second half's evidence pays, so it does not happen. With frames
        // 20..40 a pause (0.2 s or more) it costs 10, less than the 16 the
        // 20 frames after the pause pay, and it does.
        let llr: Vec<f64> = (0..60).map(|i| if i < 30 { 1.0 } else { -0.8 }).collect();
        let mut speech = vec![true; 60];
        assert!(viterbi(&llr, &speech, 30.0).iter().all(|&l| l == 0));
        speech[20..40].iter_mut().for_each(|s| *s = false);
        let labels = viterbi(&llr, &speech, 30.0);
        assert!(labels[..20].iter().all(|&l| l == 0));
        assert!(labels[40..].iter().all(|&l| l == 1), "{labels:?}");
    }

    #[test]
    fn overlaps_only_at_an_ambiguous_change_inside_speech() {
        // A change at frame 100; the evidence ramps through zero there
        // (llr = (100.5 − i) / 20, and so is its ±10-frame mean): it is
        // ambiguous (|llr| < 1) for frames 81..=120, all within the reach
        // of 40 frames.
        let n = 200;
        let labels: Vec<usize> = (0..n).map(|i| usize::from(i >= 100)).collect();
        let llr: Vec<f64> = (0..n).map(|i| (100.5 - i as f64) / 20.0).collect();
        let speech = vec![true; n];
        let ov = find_overlaps(&labels, &speech, &llr, 40, 1.0);
        let marked: Vec<usize> = (0..n).filter(|&i| ov[i]).collect();
        assert_eq!(marked, (81..=120).collect::<Vec<_>>());
        // No change, no overlap; a change across a pause is a turn, not an
        // overlap.
        assert!(!find_overlaps(&[0; 200], &speech, &llr, 40, 1.0)
            .iter()
            .any(|&o| o));
        let mut paused = speech.clone();
        paused[95..105].iter_mut().for_each(|s| *s = false);
        let mut labels = labels;
        labels[95..105].iter_mut().for_each(|l| *l = 0);
        assert!(!find_overlaps(&labels, &paused, &llr, 40, 1.0)
            .iter()
            .any(|&o| o));
    }

    /// Frames 0..300 from one voice (mean +3 in every dimension), 300..600
    /// from another (mean −3), in one stretch of continuous speech.
    fn two_groups() -> (Vec<Vector>, Vec<bool>) {
        let mut rng = Normal(7);
        let mut vecs = group(&mut rng, 300, 3.0);
        vecs.extend(group(&mut rng, 300, -3.0));
        (vecs, vec![true; 600])
    }

    /// Frames whose label differs from the truth's (0 on the first group,
    /// 1 on the second), or from its swap, whichever differs less (labels
    /// are arbitrary).
    fn wrong(labels: &[usize]) -> Vec<usize> {
        let truth = |i: usize| usize::from(i >= 300);
        let off: Vec<usize> = (0..600).filter(|&i| labels[i] != truth(i)).collect();
        let swapped: Vec<usize> = (0..600).filter(|&i| labels[i] == truth(i)).collect();
        if off.len() <= swapped.len() {
            off
        } else {
            swapped
        }
    }

    #[test]
    fn resegmentation_corrects_a_rough_start() {
        // Start labels right per chunk of 10 frames except every fifth
        // chunk (20 % of the frames wrong); the default change penalty.
        let (vecs, speech) = two_groups();
        let init: Vec<usize> = (0..600)
            .map(|i| usize::from(i >= 300) ^ usize::from((i / 10) % 5 == 0))
            .collect();
        let (labels, ratio, objective) = resegment(&vecs, &speech, init, 4, 5, 30.0, None);
        assert!(objective.is_finite());
        // Every frame's voice is known; at most 1 % of them (6 frames) may
        // end on the wrong side. Measured: 2, the first two frames of the
        // second voice (the change placed 20 ms late).
        let w = wrong(&labels);
        let at: Vec<(usize, f64)> = w.iter().map(|&i| (i, ratio[i])).collect();
        assert!(w.len() <= 6, "wrong frames (index, llr): {at:?}");
    }

    #[test]
    fn voted_restarts_separate_two_groups_from_nothing() {
        // The MFCC path's whole labelling: random starts, vote, resegment.
        let (vecs, speech) = two_groups();
        let params = StructureParams::default();
        let ch = chunks(&speech, 50);
        let (labels, ratio) = voted_restarts(&vecs, &speech, &ch, &params);
        // As above: at most 1 % of the frames wrong; measured 2.
        let w = wrong(&labels);
        let at: Vec<(usize, f64)> = w.iter().map(|&i| (i, ratio[i])).collect();
        assert!(w.len() <= 6, "wrong frames (index, llr): {at:?}");
    }

    #[test]
    fn random_labels_are_repeatable_and_mixed() {
        assert_eq!(random_labels(100, 5), random_labels(100, 5));
        assert_ne!(random_labels(100, 5), random_labels(100, 6));
        // A fair coin: 1000 labels, ones within 3 sd (√250 ≈ 16) of 500.
        let ones = random_labels(1000, 5).iter().filter(|&&l| l == 1).count();
        assert!((ones as i64 - 500).abs() <= 48, "{ones} ones");
    }

    #[test]
    fn first_run_skips_runs_that_are_too_short() {
        let speech = [false, true, true, false, true, true, true, true, false];
        assert_eq!(first_run(&speech, 2), Some((1, 3)));
        assert_eq!(first_run(&speech, 3), Some((4, 8)));
        assert_eq!(first_run(&speech, 5), None);
        assert_eq!(first_run(&[], 1), None);
    }

    #[test]
    fn two_means_finds_two_directions() {
        // 40 unit vectors near e0 and 40 near e1 in 8 dimensions.
        let mut rng = Normal(11);
        let mut emb = Vec::new();
        for k in 0..2 {
            for _ in 0..40 {
                let mut v: Vec<f32> = (0..8).map(|_| 0.05 * rng.next() as f32).collect();
                v[k] += 1.0;
                emb.push(ge2e::normalize(v));
            }
        }
        let [c0, c1] = two_means(&emb);
        let axis = |k: usize| -> Vec<f32> { (0..8).map(|d| f32::from(d == k)).collect() };
        let (a, b) = (
            ge2e::cosine(&c0, &axis(0)).max(ge2e::cosine(&c1, &axis(0))),
            ge2e::cosine(&c0, &axis(1)).max(ge2e::cosine(&c1, &axis(1))),
        );
        assert!(a > 0.99 && b > 0.99, "cosines {a} {b}");
        assert!(ge2e::cosine(&c0, &c1) < 0.1);
    }

    #[test]
    fn standardize_gives_zero_mean_unit_sd_columns() {
        // (The median is signal::stats's, tested there.)
        let mut points = vec![vec![1.0, 10.0], vec![3.0, 10.0], vec![5.0, 10.0]];
        standardize(&mut points);
        let col0: Vec<f64> = points.iter().map(|p| p[0]).collect();
        let sd = (8.0f64 / 3.0).sqrt();
        for (got, want) in col0.iter().zip([-2.0 / sd, 0.0, 2.0 / sd]) {
            assert!((got - want).abs() < 1e-12, "{col0:?}");
        }
        // A constant column becomes 0, not NaN.
        assert!(points.iter().all(|p| p[1] == 0.0));
    }

    const RATE: u32 = 16000;

    /// `seconds` of a harmonic voice at `f0` Hz whose k-th harmonic has
    /// amplitude k^−`slope` (up to 3.5 kHz), plus a little noise.
    fn voice(rng: &mut Normal, seconds: f64, f0: f64, slope: f64) -> Vec<f32> {
        let n = (seconds * RATE as f64) as usize;
        let harmonics = (3500.0 / f0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / RATE as f64;
                let s: f64 = (1..=harmonics)
                    .map(|k| {
                        (k as f64).powf(-slope) * (std::f64::consts::TAU * f0 * k as f64 * t).sin()
                    })
                    .sum();
                (0.1 * s + 0.002 * rng.next()) as f32
            })
            .collect()
    }

    /// Eight alternating 2 s turns of two synthetic voices (a dark 110 Hz
    /// one first, a bright 230 Hz one second) with 0.5 s of quiet between
    /// them; returns the audio, its speech frames and which of them are the
    /// first voice's.
    fn two_voice_call() -> (Vec<f32>, Vec<bool>, Vec<bool>) {
        let mut rng = Normal(13);
        let (mut audio, mut speech, mut first) = (Vec::new(), Vec::new(), Vec::new());
        for turn in 0..8 {
            let (f0, slope) = if turn % 2 == 0 {
                (110.0, 2.0)
            } else {
                (230.0, 0.0)
            };
            audio.extend(voice(&mut rng, 2.0, f0, slope));
            speech.extend([true; 200]);
            first.extend([turn % 2 == 0; 200]);
            audio.extend((0..RATE / 2).map(|_| (0.002 * rng.next()) as f32));
            speech.extend([false; 50]);
            first.extend([false; 50]);
        }
        (audio, speech, first)
    }

    /// Share of `speech` frames where `got` says what `want` says.
    fn agreement(got: &[bool], want: &[bool], speech: &[bool]) -> f64 {
        let total = speech.iter().filter(|&&s| s).count();
        let same = (0..speech.len())
            .filter(|&i| speech[i] && got[i] == want[i])
            .count();
        same as f64 / total as f64
    }

    #[test]
    fn two_synthetic_voices_are_split_and_the_first_is_the_agent() {
        let (audio, speech, first) = two_voice_call();
        let params = StructureParams::default();
        let r = diarize_speech(&audio, RATE, speech.clone(), true, &params, None).unwrap();
        // By construction every speech frame belongs to one voice; the
        // frames whose 25 ms analysis window reaches into a pause (16 turn
        // edges of 1600 speech frames) may go either way: 98 %.
        let a = agreement(&r.agent, &first, &speech);
        assert!(a >= 0.98, "agent frames right: {a:.3}");
        let second: Vec<bool> = (0..speech.len()).map(|i| speech[i] && !first[i]).collect();
        let c = agreement(&r.customer, &second, &speech);
        assert!(c >= 0.98, "customer frames right: {c:.3}");
        assert!(r.info.delta_bic > 0.0, "ΔBIC {}", r.info.delta_bic);
        assert!(r.info.confidence > 0.5, "confidence {}", r.info.confidence);
        assert!(r.info.method.starts_with("MFCC"), "{}", r.info.method);

        // When the agent does not speak first, the roles swap.
        let r = diarize_speech(&audio, RATE, speech.clone(), false, &params, None).unwrap();
        assert!(agreement(&r.agent, &second, &speech) >= 0.98);
        assert!(agreement(&r.customer, &first, &speech) >= 0.98);
    }

    #[test]
    fn empty_or_short_input_is_all_agent() {
        let params = StructureParams::default();
        let r = diarize(&[], RATE, true, &params);
        assert!(r.agent.is_empty() && r.customer.is_empty());
        assert_eq!((r.info.chunks, r.info.confidence), (0, 0.0));
        // One speaker for 1.2 s: two chunks of 0.5 s (the 0.2 s tail joins
        // the second), fewer than the 4 needed to separate two voices; all
        // of the speech is the agent's.
        let mut rng = Normal(17);
        let audio = voice(&mut rng, 1.2, 110.0, 2.0);
        let r = diarize_speech(&audio, RATE, vec![true; 120], true, &params, None).unwrap();
        assert!(r.agent.len() > 100 && r.agent.iter().all(|&a| a));
        assert!(r.customer.iter().all(|&c| !c));
        assert_eq!((r.info.chunks, r.info.confidence), (2, 0.0));
    }
}
