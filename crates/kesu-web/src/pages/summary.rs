//! The leader's one-screen summary (领导一屏概览), on a viewer's 工作台: the reporting rate of the
//! current rounds, the units most overdue, the targets met, on track and behind, and the latest
//! literacy share with its confidence interval. Every number links to the page it comes from.

use super::dashboard::{evaluate_at, pct, plans_for_region};
use super::rounds::visible_slots;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use kesu_app::reporting::rounds::RoundState;
use kesu_app::reporting::worklist::Counts;
use kesu_core::report;
use std::collections::BTreeMap;

/// A round's reporting rate.
pub struct RoundRate {
    pub id: i64,
    pub title: String,
    pub state_zh: &'static str,
    pub handed_in: usize,
    pub total: usize,
    /// 报送率 as text (`72.5%`).
    pub rate: String,
    /// The rate in whole percent, for the bar.
    pub percent: u32,
    pub late_units: usize,
}

/// A unit with overdue reports.
pub struct LateUnit {
    pub name: String,
    pub overdue: usize,
    pub href: String,
}

/// The latest literacy survey result.
pub struct Literacy {
    pub year: i32,
    pub name: String,
    pub share: String,
    pub interval: String,
    pub href: String,
}

pub struct Summary {
    pub region_name: String,
    pub region_code: String,
    pub rounds: Vec<RoundRate>,
    pub late_units: Vec<LateUnit>,
    pub met: usize,
    pub on_track: usize,
    pub behind: usize,
    pub no_data: usize,
    pub literacy: Option<Literacy>,
}

/// How many rounds the summary shows (the newest that still take reports or just closed).
const ROUNDS: usize = 3;
/// How many overdue units it names.
const LATE_UNITS: usize = 5;

fn percent_text(part: usize, whole: usize) -> (String, u32) {
    if whole == 0 {
        return ("—".into(), 0);
    }
    let p = part as f64 / whole as f64;
    (pct(Some(p)), (p * 100.0).round() as u32)
}

pub async fn summary(state: &AppState, caller: &Caller) -> Result<Summary, AppError> {
    let today = state.today();
    let code = caller.actor.region.to_string();
    let rounds = super::rounds::visible_rounds(state, caller).await?;
    let mut rates = Vec::new();
    let mut late: BTreeMap<(i64, String), (usize, i64)> = BTreeMap::new();
    for r in rounds.iter().take(ROUNDS) {
        let slots = visible_slots(state, caller, r).await?;
        let c = Counts::of(&slots, today, r.due_date);
        let mut units = std::collections::BTreeSet::new();
        for s in slots.iter().filter(|s| {
            !s.state().handed_in()
                && report::is_late(s.state(), s.submitted_on(), today, r.due_date)
        }) {
            units.insert(s.unit_id);
            let e = late
                .entry((s.unit_id, s.unit_name.clone()))
                .or_insert((0, r.id));
            e.0 += 1;
        }
        let (rate, percent) = percent_text(c.handed_in(), c.total());
        rates.push(RoundRate {
            id: r.id,
            title: r.title.clone(),
            state_zh: RoundState::of(r, today).zh(),
            handed_in: c.handed_in(),
            total: c.total(),
            rate,
            percent,
            late_units: units.len(),
        });
    }
    let mut late_units: Vec<LateUnit> = late
        .into_iter()
        .map(|((id, name), (n, round))| LateUnit {
            name,
            overdue: n,
            href: format!("/rounds/{round}?unit={id}&late=1"),
        })
        .collect();
    late_units.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.name.cmp(&b.name)));
    late_units.truncate(LATE_UNITS);
    let (mut met, mut on_track, mut behind, mut no_data) = (0, 0, 0, 0);
    for p in plans_for_region(state, caller, &code).await? {
        let e = evaluate_at(state, &p, &code, today).await?;
        met += e.counts.met;
        on_track += e.counts.on_track;
        behind += e.counts.behind;
        no_data += e.counts.no_data;
    }
    Ok(Summary {
        region_name: super::plans::region_names(state, vec![code.clone()])
            .await?
            .remove(&code)
            .unwrap_or_else(|| code.clone()),
        literacy: literacy(state, &code).await?,
        region_code: code,
        rounds: rates,
        late_units,
        met,
        on_track,
        behind,
        no_data,
    })
}

/// The overall share of the newest survey wave of the region itself, with its interval (the
/// logit interval where there is one, else Wald).
async fn literacy(state: &AppState, code: &str) -> Result<Option<Literacy>, AppError> {
    let Some(w) = kesu_store::survey::waves(&state.db, code)
        .await?
        .into_iter()
        .find(|w| w.region_code == code)
    else {
        return Ok(None);
    };
    let results = kesu_store::survey::results(&state.db, w.id).await?;
    let Some(r) = results.iter().find(|r| r.by_var == "overall") else {
        return Ok(None);
    };
    let (lo, hi) = match (r.logit_l, r.logit_u) {
        (Some(l), Some(u)) => (l, u),
        _ => (r.wald_l, r.wald_u),
    };
    Ok(Some(Literacy {
        year: w.year,
        name: w.name.clone(),
        share: pct(Some(r.est)),
        interval: format!("95%置信区间 {}–{}", pct(Some(lo)), pct(Some(hi))),
        href: format!("/survey/{}", w.id),
    }))
}
