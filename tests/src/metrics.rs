//! Reading `GET /metrics` answers (the Prometheus text format) in tests.

/// The sample lines of `text` whose metric name is exactly `name` (whatever the labels), in
/// the order of the exposition.
pub fn samples(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .map(str::to_owned)
        .collect()
}

/// The six `postcore_connections` lines, in the exposition's order, for the counts of
/// Bluesky and LinkedIn connections, each `[expiring_7d, needs_reconnect, ok]`.
pub fn connection_gauges(bluesky: [u64; 3], linkedin: [u64; 3]) -> Vec<String> {
    let states = ["expiring_7d", "needs_reconnect", "ok"];
    [("bluesky", bluesky), ("linkedin", linkedin)]
        .into_iter()
        .flat_map(|(platform, counts)| {
            states.into_iter().zip(counts).map(move |(state, n)| {
                format!(r#"postcore_connections{{platform="{platform}",state="{state}"}} {n}"#)
            })
        })
        .collect()
}
