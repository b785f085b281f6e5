//! Input devices through cpal (ALSA on Linux).
//!
//! ALSA's library prints its own diagnostics straight to stderr when no
//! sound card exists ("cannot find card '0'", …); device enumeration and
//! opening run with stderr silenced (src/capture/quiet.rs: scoped, restored
//! also on a panic) so that the user sees our one-line error instead.

use super::quiet::quiet_stderr;
use super::{CaptureError, Source};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// Sample formats we convert, in order of preference.
const READABLE: [SampleFormat; 5] = [
    SampleFormat::I16,
    SampleFormat::F32,
    SampleFormat::I32,
    SampleFormat::U16,
    SampleFormat::U8,
];

/// An input device as `callcoach devices` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceInfo {
    /// The host's id of the device (ALSA: the PCM name, e.g. `hw:1,0`).
    pub id: String,
    /// The device's description.
    pub name: String,
    /// Whether it is the system's default input.
    pub is_default: bool,
    /// Its default rate in Hz and channel count, when it reports them.
    pub default_rate: Option<u32>,
    /// Channels of its default configuration.
    pub default_channels: Option<u16>,
}

/// Lists the input devices, the default one marked. An empty list is the
/// [`CaptureError::NoDevice`] error.
pub fn list() -> Result<Vec<DeviceInfo>, CaptureError> {
    let found = quiet_stderr(|| {
        let host = cpal::default_host();
        let default = host.default_input_device().map(|d| d.to_string());
        let Ok(devices) = host.input_devices() else {
            return Vec::new();
        };
        devices
            .filter(|d| !is_null(d))
            .map(|d| {
                let name = d.to_string();
                let config = d.default_input_config().ok();
                DeviceInfo {
                    id: device_id(&d),
                    is_default: default.as_deref() == Some(name.as_str()),
                    default_rate: config.as_ref().map(|c| c.sample_rate()),
                    default_channels: config.as_ref().map(|c| c.channels()),
                    name,
                }
            })
            // A device that cannot report any input configuration cannot
            // record (ALSA lists such PCMs on machines without a card).
            .filter(|d| d.default_rate.is_some())
            .collect::<Vec<_>>()
    });
    if found.is_empty() {
        Err(CaptureError::NoDevice)
    } else {
        Ok(found)
    }
}

/// A running input stream; blocks arrive through a bounded channel.
pub struct DeviceSource {
    name: String,
    rate: u32,
    channels: u16,
    rx: Receiver<Vec<f32>>,
    /// Blocks dropped because the reader fell behind.
    dropped: Arc<AtomicUsize>,
    _stream: cpal::Stream,
}

impl DeviceSource {
    /// Opens the default input device, or the first whose name contains
    /// `wanted` (case-insensitive), at the requested rate and channel count
    /// if it supports them (its default otherwise), and starts it.
    pub fn open(
        wanted: Option<&str>,
        rate: Option<u32>,
        channels: Option<u16>,
    ) -> Result<Self, CaptureError> {
        quiet_stderr(|| Self::open_loud(wanted, rate, channels))
    }

    fn open_loud(
        wanted: Option<&str>,
        rate: Option<u32>,
        channels: Option<u16>,
    ) -> Result<Self, CaptureError> {
        let host = cpal::default_host();
        let device = match wanted {
            None => host.default_input_device().ok_or(CaptureError::NoDevice)?,
            Some(w) => {
                let all: Vec<cpal::Device> = host
                    .input_devices()
                    .map_err(|_| CaptureError::NoDevice)?
                    .filter(|d| !is_null(d))
                    .collect();
                if all.is_empty() {
                    return Err(CaptureError::NoDevice);
                }
                let lower = w.to_lowercase();
                let names: Vec<String> = all.iter().map(device_id).collect();
                let exact = all.iter().position(|d| device_id(d) == w);
                let partial = || {
                    all.iter().position(|d| {
                        d.to_string().to_lowercase().contains(&lower)
                            || device_id(d).to_lowercase().contains(&lower)
                    })
                };
                match exact.or_else(partial).map(|i| all[i].clone()) {
                    Some(d) => d,
                    None => {
                        return Err(CaptureError::DeviceNotFound {
                            wanted: w.to_string(),
                            available: names.join(", "),
                        })
                    }
                }
            }
        };
        let name = device.to_string();
        let fail = |message: String| CaptureError::Device {
            device: name.clone(),
            message,
        };
        let default = device.default_input_config().map_err(|e| {
            if wanted.is_none() {
                CaptureError::NoDevice
            } else {
                fail(format!("no input configuration: {e}"))
            }
        })?;
        let mut supported = default;
        if rate.is_some() || channels.is_some() {
            let want_rate = rate.unwrap_or(default.sample_rate());
            let want_ch = channels.unwrap_or(default.channels());
            // Of the formats offered at that rate and channel count, the
            // first we read in this order (16-bit first: lossless for the
            // 16-bit file we write).
            let offered: Vec<_> = device
                .supported_input_configs()
                .map_err(|e| fail(e.to_string()))?
                .filter(|c| c.channels() == want_ch)
                .filter_map(|c| c.try_with_sample_rate(want_rate))
                .collect();
            supported = READABLE
                .iter()
                .find_map(|f| offered.iter().find(|c| c.sample_format() == *f).copied())
                .ok_or_else(|| {
                    fail(format!(
                        "cannot record {want_ch} channel(s) at {want_rate} Hz; its default is {} channel(s) at {} Hz",
                        default.channels(),
                        default.sample_rate()
                    ))
                })?;
        }
        let config = supported.config();
        // Room for 4096 blocks (seconds to minutes of audio, depending on
        // the device's period) before a stalled reader loses any.
        let (tx, rx) = sync_channel::<Vec<f32>>(4096);
        let dropped = Arc::new(AtomicUsize::new(0));
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build::<f32>(&device, &config, tx, dropped.clone()),
            SampleFormat::I16 => build::<i16>(&device, &config, tx, dropped.clone()),
            SampleFormat::I32 => build::<i32>(&device, &config, tx, dropped.clone()),
            SampleFormat::U16 => build::<u16>(&device, &config, tx, dropped.clone()),
            SampleFormat::U8 => build::<u8>(&device, &config, tx, dropped.clone()),
            other => return Err(fail(format!("unsupported sample format {other}"))),
        }
        .map_err(|e| fail(e.to_string()))?;
        stream.play().map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            rate: config.sample_rate,
            channels: config.channels,
            name,
            rx,
            dropped,
            _stream: stream,
        })
    }
}

/// The host's id of a device (ALSA: its PCM name), or its description.
fn device_id(d: &cpal::Device) -> String {
    d.id()
        .map_or_else(|_| d.to_string(), |id| id.id().to_string())
}

/// ALSA's `null` PCM "records" endless zeros: not a microphone.
fn is_null(d: &cpal::Device) -> bool {
    device_id(d) == "null"
}

/// Builds an input stream of sample type `T` that forwards f32 blocks.
fn build<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    tx: std::sync::mpsc::SyncSender<Vec<f32>>,
    dropped: Arc<AtomicUsize>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    device.build_input_stream(
        *config,
        move |data: &[T], _| {
            let block: Vec<f32> = data.iter().map(|&s| s.to_sample::<f32>()).collect();
            if tx.try_send(block).is_err() {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
        },
        |_err| {},
        None,
    )
}

impl Source for DeviceSource {
    fn rate(&self) -> u32 {
        self.rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn lost_blocks(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    fn read(&mut self) -> Result<Option<Vec<f32>>, CaptureError> {
        match self.rx.recv_timeout(Duration::from_secs(2)) {
            Ok(block) => Ok(Some(block)),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                Err(CaptureError::Stalled(self.name.clone()))
            }
        }
    }
}
