//! The refresher on tokio's paused clock: the gauges change exactly one interval after
//! the clock moved, with no sleep (the runtime jumps to the next timer when idle).

use super::{Metrics, spawn_refresher};
use postcore_domain::{Clock, Connection, FixedClock, Platform, ProfileKey};
use postcore_store::Credentials;
use postcore_store::testing::{account, fresh_sqlite, t};
use std::sync::Arc;
use std::time::Duration;

const DAY: i64 = 86_400;

/// The lines of the rendered metrics that start with `prefix`.
fn lines(metrics: &Metrics, prefix: &str) -> Vec<String> {
    let text = metrics.render().unwrap();
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

fn linkedin_line(ok: u8, expiring: u8, needs_reconnect: u8) -> Vec<String> {
    vec![
        format!(r#"postcore_connections{{platform="linkedin",state="expiring_7d"}} {expiring}"#),
        format!(
            r#"postcore_connections{{platform="linkedin",state="needs_reconnect"}} {needs_reconnect}"#
        ),
        format!(r#"postcore_connections{{platform="linkedin",state="ok"}} {ok}"#),
    ]
}

#[tokio::test(start_paused = true)]
async fn gauges_follow_the_clock_once_per_interval_and_never_in_between() {
    let store = fresh_sqlite().await;
    let a = account(&store, "a").await;
    let key = ProfileKey::parse("prof_refreshed").unwrap();
    store
        .create_profile(a, Some(key.clone()), None, t(0))
        .await
        .unwrap();
    // Connected at t(0): expires at t(60 days).
    let linkedin = Connection::new(Platform::LinkedIn, "A", "a", t(0));
    store
        .connect(a, &key, linkedin, Credentials::default())
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::new(t(0)));
    let metrics = Arc::new(Metrics::new());
    metrics.refresh(&**store, clock.now()).await.unwrap();
    assert_eq!(
        lines(&metrics, "postcore_connections{platform=\"linkedin\""),
        linkedin_line(1, 0, 0)
    );

    let every = Duration::from_secs(60);
    let started = tokio::time::Instant::now();
    let task = spawn_refresher(
        Arc::clone(&metrics),
        Arc::clone(&store.repo),
        clock.clone(),
        every,
    );
    let mut refreshed = metrics.last_refresh();
    for (step, (now, expected)) in [
        (t(53 * DAY), linkedin_line(0, 1, 0)),
        (t(60 * DAY), linkedin_line(0, 0, 1)),
    ]
    .into_iter()
    .enumerate()
    {
        clock.set(now);
        // Nothing changes until the interval has passed.
        assert_ne!(
            lines(&metrics, "postcore_connections{platform=\"linkedin\""),
            expected
        );
        refreshed.wait_for(|at| *at == Some(now)).await.unwrap();
        assert_eq!(started.elapsed(), every * (step as u32 + 1));
        assert_eq!(
            lines(&metrics, "postcore_connections{platform=\"linkedin\""),
            expected
        );
        assert_eq!(
            lines(&metrics, "postcore_metrics_last_refresh_timestamp_seconds "),
            vec![format!(
                "postcore_metrics_last_refresh_timestamp_seconds {}",
                now.timestamp()
            )]
        );
    }
    task.abort();
}
