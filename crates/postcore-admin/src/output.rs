//! Output: aligned, borderless tables and their cells for people, pretty JSON for `--json`.

use comfy_table::{ContentArrangement, Table, presets::NOTHING};
use postcore_domain::{Timestamp, format_timestamp};
use serde::Serialize;

/// Spaces between two columns.
const GAP: u16 = 2;

/// An aligned table with an upper-case header, columns two spaces apart and no trailing
/// spaces; never wrapped, whatever the terminal width.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for row in rows {
        t.add_row(row);
    }
    for column in t.column_iter_mut() {
        column.set_padding((0, GAP));
    }
    t.lines()
        .map(|l| l.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prints [`table`] on stdout.
pub fn print_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    println!("{}", table(header, rows));
}

/// Prints `value` as pretty JSON on stdout, followed by a newline (`--json`; the API's
/// objects come from `postcore-api`).
///
/// # Errors
/// Serialization failures (not expected for these shapes).
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A timestamp cell: RFC 3339 UTC, or `-` when absent.
pub fn ts(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "-".to_owned(), format_timestamp)
}

/// An optional text cell: the text, or `-` when absent.
pub fn text(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// A `daysUntilExpiry` cell: the number, or `-` when the credential does not expire.
pub fn days(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

/// A boolean cell: `yes` or `no`.
pub fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// A progress bar on stderr drawn with `template` (indicatif's syntax), hidden when stderr
/// is not a terminal, so that scripts and logs get no control characters.
pub fn progress_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_are_aligned_without_borders_or_trailing_spaces() {
        let t = super::table(
            &["NAME", "CREATED"],
            [
                vec!["acme".to_owned(), "2025-01-01T12:00:00Z".to_owned()],
                vec!["a".to_owned(), "-".to_owned()],
            ],
        );
        assert_eq!(t, "NAME  CREATED\nacme  2025-01-01T12:00:00Z\na     -");
    }
}
