//! How long finished webhook history is kept (`--webhook-retention-days` of the server,
//! `--retention-days` of `postcore-admin webhooks prune`): whole days, 0 for ever.

use postcore_domain::Timestamp;

/// How long delivered and failed deliveries, their events and the notice records of
/// tokens that no longer exist are kept: whole days of 86 400 s, or for ever.
///
/// What is removed past it (and what never is) is the store's rule,
/// `postcore_store::Repository::prune_webhook_history`; this type only says where the
/// cutoff falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Whole days; 0 keeps everything.
    days: u32,
}

impl Retention {
    /// The default, 30 days.
    pub const DEFAULT_DAYS: u32 = 30;
    /// The longest accepted, 3650 days (about ten years); a longer wish is `0`, for ever.
    pub const MAX_DAYS: u32 = 3_650;

    /// `days` whole days, 0 for ever.
    ///
    /// # Errors
    /// A message when `days` is above [`Self::MAX_DAYS`].
    pub fn from_days(days: u32) -> Result<Self, String> {
        if days > Self::MAX_DAYS {
            return Err(format!(
                "{days} is more than {} days (use 0 to keep webhook history for ever)",
                Self::MAX_DAYS
            ));
        }
        Ok(Self { days })
    }

    /// Parses a flag's value: a whole number of days from 0 (keep for ever) to
    /// [`Self::MAX_DAYS`].
    ///
    /// # Errors
    /// A message naming the value when it is not such a number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let days: u32 = text.trim().parse().map_err(|_| {
            format!(
                "{text:?} is not a whole number of days from 0 (keep for ever) to {}",
                Self::MAX_DAYS
            )
        })?;
        Self::from_days(days)
    }

    /// The whole days kept; 0: for ever.
    pub fn days(self) -> u32 {
        self.days
    }

    /// The instant before which finished history may be removed at `now`: `now` minus the
    /// retention (UTC); `None` when history is kept for ever.
    pub fn cutoff(self, now: Timestamp) -> Option<Timestamp> {
        (self.days > 0).then(|| now - chrono::Duration::days(i64::from(self.days)))
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            days: Self::DEFAULT_DAYS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_parse_from_zero_to_ten_years_and_give_the_cutoff() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
        let thirty = Retention::parse("30").unwrap();
        assert_eq!(thirty, Retention::default());
        assert_eq!(
            thirty.cutoff(now),
            Some(chrono::Utc.with_ymd_and_hms(2025, 1, 30, 12, 0, 0).unwrap())
        );
        assert_eq!(Retention::parse("0").unwrap().cutoff(now), None);
        assert_eq!(Retention::parse("3650").unwrap().days(), 3_650);
        assert_eq!(
            Retention::parse("3651"),
            Err("3651 is more than 3650 days (use 0 to keep webhook history for ever)".into())
        );
        for bad in ["", "-1", "1.5", "30d", "x"] {
            assert_eq!(
                Retention::parse(bad),
                Err(format!(
                    "{bad:?} is not a whole number of days from 0 (keep for ever) to 3650"
                )),
            );
        }
    }
}
