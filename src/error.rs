//! The one error type users see. Bad input (exit code 2) names the file, the
//! key path and what is wrong; anything else is exit code 1.

use std::fmt;

/// One problem in an input: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted key path, e.g. `workload[1].arrivals.rate_per_hour`; empty for
    /// problems with the file as a whole.
    pub key: String,
    /// What is wrong and what was expected.
    pub msg: String,
}

/// A user-facing failure.
#[derive(Debug)]
pub enum Error {
    /// Bad input in a file (scenario, override): exit code 2.
    Input {
        file: String,
        problems: Vec<Problem>,
    },
    /// Bad command-line usage not tied to a file: exit code 2.
    Usage(String),
    /// Anything else (I/O while writing results, ...): exit code 1.
    Other(String),
    /// Stopped on request (a cancelled [`crate::runner::Control`]) before
    /// finishing: exit code 1.
    Interrupted(String),
    /// The command did its work, but a target it was asked to meet cannot
    /// be met (`plan`: unreachable within the range): exit code 3.
    Unmet(String),
}

impl Error {
    /// A single problem in `file` at `key`.
    pub fn input(file: impl Into<String>, key: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Input {
            file: file.into(),
            problems: vec![Problem {
                key: key.into(),
                msg: msg.into(),
            }],
        }
    }

    /// The process exit code for this error: 2 for bad input, 3 for a
    /// target not met, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Usage(_) => 2,
            Error::Unmet(_) => 3,
            Error::Other(_) | Error::Interrupted(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input { file, problems } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    if p.key.is_empty() {
                        write!(f, "{file}: {}", p.msg)?;
                    } else {
                        write!(f, "{file}: {}: {}", p.key, p.msg)?;
                    }
                }
                Ok(())
            }
            Error::Usage(m) | Error::Other(m) | Error::Interrupted(m) | Error::Unmet(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for Error {}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The closest of `candidates` to `word` if it is close enough to be a likely
/// typo (normalised Levenshtein similarity ≥ 0.6).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_levenshtein(word, c), c))
        .filter(|(s, _)| *s >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["rate_per_hour", "process", "diurnal_amplitude"];
        assert_eq!(closest("rate_per_hr", keys), Some("rate_per_hour"));
        assert_eq!(closest("proces", keys), Some("process"));
        assert_eq!(closest("zzz", keys), None);
    }

    #[test]
    fn display_names_file_and_key() {
        let e = Error::input(
            "b.toml",
            "workload[1].arrivals.rate_per_hour",
            "must be > 0, got -3",
        );
        assert_eq!(
            e.to_string(),
            "b.toml: workload[1].arrivals.rate_per_hour: must be > 0, got -3"
        );
        assert_eq!(e.exit_code(), 2);
    }
}
