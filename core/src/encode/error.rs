use std::path::PathBuf;

/// Why an encode did not produce a file. Messages are written for a creator: what, where, what to do.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the GStreamer element '{element}' is missing: install the Debian package {package} (apt-get install {package})")]
    MissingElement { element: String, package: String },
    /// `reason` says what is wrong and what to do.
    #[error("cannot write to {}: {reason}", path.display())]
    Destination { path: PathBuf, reason: String },
    #[error("{} is {what}, which this export reads: the video would replace it. Choose another file name.", path.display())]
    OverwritesInput { path: PathBuf, what: String },
    #[error("the disk is full while writing {}: free some space and export again", path.display())]
    DiskFull { path: PathBuf },
    #[error("the encoder '{element}' failed: {message}")]
    Encoder { element: String, message: String },
    #[error("frame {index} has {got} bytes; a {width}×{height} {format:?} frame has {expected}")]
    BadFrame { index: u64, got: usize, expected: usize, width: u32, height: u32, format: super::PixelFormat },
    /// The sound could not be made; the message names the file and where the project uses it.
    #[error("the sound failed: {0}")]
    Audio(String),
    #[error("invalid export settings: {0}")]
    Settings(String),
    #[error("the export was cancelled")]
    Cancelled,
    #[error("GStreamer could not start: {0}")]
    Init(String),
}

impl EncodeError {
    /// A stable machine-readable kind for the IPC boundary and the CLI.
    pub fn kind(&self) -> &'static str {
        match self {
            EncodeError::MissingElement { .. } => "missingElement",
            EncodeError::Destination { .. } | EncodeError::OverwritesInput { .. } => "destination",
            EncodeError::DiskFull { .. } => "diskFull",
            EncodeError::Encoder { .. } => "encoder",
            EncodeError::BadFrame { .. } => "badFrame",
            EncodeError::Audio(_) => "audio",
            EncodeError::Settings(_) => "settings",
            EncodeError::Cancelled => "cancelled",
            EncodeError::Init(_) => "init",
        }
    }
}
