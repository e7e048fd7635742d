//! Throttling public requests (bookings and check-ins) per client address and per phone.
//!
//! The generic cell rate algorithm: each key has a "theoretical arrival time"; a request is let
//! through when that time is not further ahead of now than the burst allows, and pushes it one
//! interval on. `max` requests can come at once, then one per `per / max`. Time is passed in,
//! so the rule is tested without waiting; the process-wide tables live in the use-case layer.

use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// At most `max` requests per `per` (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

/// One table of keys under one limit.
#[derive(Debug)]
pub struct Throttle {
    limit: Limit,
    tat: HashMap<String, OffsetDateTime>,
}

/// Keys kept before old ones are swept (a flood of addresses cannot grow the table forever).
const SWEEP_AT: usize = 100_000;

impl Throttle {
    pub fn new(limit: Limit) -> Throttle {
        Throttle {
            limit,
            tat: HashMap::new(),
        }
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// Let one request for `key` through at `now`, or say how long to wait.
    pub fn hit(&mut self, key: &str, now: OffsetDateTime) -> Result<(), Duration> {
        if self.limit.max == 0 {
            return Ok(());
        }
        let interval = self.limit.per / self.limit.max;
        let burst = self.limit.per - interval;
        if self.tat.len() >= SWEEP_AT {
            self.tat.retain(|_, t| *t > now);
        }
        let tat = self.tat.get(key).copied().unwrap_or(now).max(now);
        if tat - now > burst {
            return Err(tat - now - burst);
        }
        self.tat.insert(key.to_string(), tat + interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2025-05-01 09:00 UTC);

    #[test]
    fn a_burst_of_max_passes_then_one_per_interval() {
        let mut t = Throttle::new(Limit {
            max: 3,
            per: Duration::minutes(1),
        });
        for _ in 0..3 {
            assert!(t.hit("1.2.3.4", T).is_ok());
        }
        let wait = t.hit("1.2.3.4", T).unwrap_err();
        assert_eq!(wait, Duration::seconds(20));
        assert!(t.hit("1.2.3.4", T + Duration::seconds(20)).is_ok());
        // Another key has its own allowance.
        assert!(t.hit("5.6.7.8", T).is_ok());
    }

    #[test]
    fn a_zero_limit_lets_everything_through() {
        let mut t = Throttle::new(Limit {
            max: 0,
            per: Duration::minutes(1),
        });
        for _ in 0..1000 {
            assert!(t.hit("k", T).is_ok());
        }
    }
}
