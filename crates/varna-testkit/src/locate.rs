//! Finding the PostgreSQL server binaries: the `VARNA_TEST_PG_BIN` override,
//! else the newest Debian-style `/usr/lib/postgresql/<version>/bin`.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// Environment variable naming a bin directory to use instead of searching.
pub(crate) const BIN_ENV: &str = "VARNA_TEST_PG_BIN";
/// Where Debian's `postgresql` packages install one directory per major version.
pub(crate) const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
const REQUIRED: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// The outcome of looking for the server binaries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Located {
    Found(PathBuf),
    BadOverride(PathBuf),
    Missing,
}

/// Looks for the binaries as configured by this process's environment.
pub(crate) fn locate() -> Located {
    locate_with(std::env::var_os(BIN_ENV), Path::new(DEBIAN_ROOT))
}

/// Looks for the binaries given the override value and the versions root.
pub(crate) fn locate_with(override_dir: Option<OsString>, root: &Path) -> Located {
    if let Some(dir) = override_dir.filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server_binaries(&dir) {
            Located::Found(dir)
        } else {
            Located::BadOverride(dir)
        };
    }
    newest_bin_dir(root).map_or(Located::Missing, Located::Found)
}

fn has_server_binaries(dir: &Path) -> bool {
    REQUIRED.iter().all(|b| dir.join(b).is_file())
}

/// The `bin` directory of the highest numeric version under `root` that has
/// all server binaries.
fn newest_bin_dir(root: &Path) -> Option<PathBuf> {
    fs::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = parse_version(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; anything else is not a version.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_version(root: &Path, version: &str, binaries: &[&str]) {
        let bin = root.join(version).join("bin");
        fs::create_dir_all(&bin).unwrap();
        for b in binaries {
            fs::write(bin.join(b), "").unwrap();
        }
    }

    #[test]
    fn versions_parse_numerically() {
        assert_eq!(parse_version("15"), Some(vec![15]));
        assert_eq!(parse_version("9.6"), Some(vec![9, 6]));
        assert_eq!(parse_version("lib"), None);
        assert_eq!(parse_version(""), None);
        assert!(parse_version("10") > parse_version("9.6"));
    }

    #[test]
    fn picks_newest_complete_version() {
        let root = tempfile::tempdir().unwrap();
        fake_version(root.path(), "9.6", &REQUIRED);
        fake_version(root.path(), "15", &REQUIRED);
        fake_version(root.path(), "17", &["initdb", "pg_ctl"]); // client-only leftovers
        fake_version(root.path(), "beta", &REQUIRED);
        fs::create_dir_all(root.path().join("18")).unwrap();
        assert_eq!(
            locate_with(None, root.path()),
            Located::Found(root.path().join("15").join("bin"))
        );
    }

    #[test]
    fn missing_root_means_missing() {
        let root = tempfile::tempdir().unwrap();
        let gone = root.path().join("nope");
        assert_eq!(locate_with(None, &gone), Located::Missing);
        assert_eq!(locate_with(Some("".into()), &gone), Located::Missing);
    }

    #[test]
    fn override_wins_and_is_checked() {
        let root = tempfile::tempdir().unwrap();
        fake_version(root.path(), "15", &REQUIRED);
        fake_version(root.path(), "custom", &REQUIRED);
        let custom = root.path().join("custom").join("bin");
        assert_eq!(
            locate_with(Some(custom.clone().into()), root.path()),
            Located::Found(custom)
        );
        let empty = root.path().join("empty");
        assert_eq!(
            locate_with(Some(empty.clone().into()), root.path()),
            Located::BadOverride(empty)
        );
    }
}
