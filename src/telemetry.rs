//! Logging: `tracing` to standard error, as text or JSON lines, filtered by
//! `VARNA_LOG` (e.g. `VARNA_LOG=debug`). Logs never carry case content.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// What the default level leaves out: PostgreSQL's notices (the
/// migrations' check of their own table is answered `relation … already
/// exists, skipping`, seven times at every start), which tell an operator
/// nothing; its warnings still show.
const QUIETER: &str = "sqlx::postgres::notice=warn";

/// Installs the global subscriber; `default_level` applies when `VARNA_LOG`
/// is unset. Colours only on a terminal: a log file or the journal gets
/// plain text.
pub fn init(format: LogFormat, default_level: &str) {
    let filter = EnvFilter::try_from_env("VARNA_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_level},{QUIETER}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Replaces the default panic hook, which prints the panic's message to
/// standard error: a message can quote the data being handled (a slicing
/// panic prints the whole string), so a release build logs only where the
/// panic happened. Debug builds keep the message, for developers.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown".into());
        if cfg!(debug_assertions) {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%location, %message, "panic");
        } else {
            tracing::error!(%location, "panic (its message is not logged: it may quote personal data)");
        }
    }));
}
