//! Demo data for `kesu demo`: accounts for every role and unit (and an office admin for the
//! first county of each city, who self-scores in the city's assessment), and reporting rounds
//! with a plausible mix of states, all marked as demo data. Run on a fresh database that already holds
//! the sample regions and plans. In each city plan one count target is reported by the counties
//! (see [`CountyTask`]), so the dashboards have a city number to drill down from, and a returned
//! report and a review comment that the published page must not show.

use crate::auth;
use crate::error::AppError;
use kesu_core::authz::Role;
use kesu_core::plan::fmt_num;
use kesu_core::region::{RegionCode, RegionLevel};
use kesu_core::report::{Period, Transition};
use kesu_indicators::{Indicator, Kind};
use kesu_store::Db;
use kesu_store::accounts::{self, NewUser};
use kesu_store::reporting::{self, NewRound, ReportChange};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, Duration};

/// A demo account, with its password (demo data only: written to `demo-accounts.json`).
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub region: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
}

/// What the demo made.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub accounts: Vec<DemoAccount>,
    pub rounds: Vec<i64>,
    /// The tasks enrolled at county level (see [`CountyTask`]).
    pub county_tasks: Vec<CountyTask>,
}

/// A password: `fixed` (for scripted tests) or 10 random letters and digits.
fn password(fixed: Option<&str>) -> Result<String, AppError> {
    if let Some(p) = fixed {
        return Ok(p.to_string());
    }
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The quarter containing `d`, and the one before it.
fn quarters(d: Date) -> (Period, Period) {
    let q = (u8::from(d.month()) - 1) / 3 + 1;
    let this = Period::Quarter {
        year: d.year(),
        quarter: q,
    };
    let prev = if q == 1 {
        Period::Quarter {
            year: d.year() - 1,
            quarter: 4,
        }
    } else {
        Period::Quarter {
            year: d.year(),
            quarter: q - 1,
        }
    };
    (this, prev)
}

/// The return reason of the demo's returned county report: distinctive, so that a test can
/// check it shows on the internal pages and never on the public one.
pub const COUNTY_RETURN_REASON: &str = "【演示退回】培训签到表与填报人次不一致，请核对后重新提交。";

/// The reviewer's internal comment on the demo's first accepted county report (kept in the
/// report's history; never published).
pub const COUNTY_REVIEW_COMMENT: &str = "【内部审核意见】已与县级培训台账逐项核对，数据属实。";

/// A task of a city plan whose count target the counties report on, so that the city's number
/// rolls up from county numbers and can be drilled down to the reports behind it.
#[derive(Debug, Clone, Serialize)]
pub struct CountyTask {
    pub plan_id: i64,
    pub task_id: i64,
    pub target_id: i64,
    /// The round in which the counties report their values.
    pub round_id: i64,
}

/// The value the `i`-th county (in code order) reports for a county task: deterministic.
pub fn county_value(i: usize) -> f64 {
    600.0 + 150.0 * i as f64
}

/// A deterministic spread of slots over states: the same demo every time.
fn bucket(id: i64) -> u64 {
    (id as u64).wrapping_mul(2654435761) % 100
}

/// Fill `db` with demo accounts and rounds for `plans` (id, region code, region name) as of
/// `today`. `fixed_password` gives every account the same password (tests).
pub async fn populate(
    db: &Db,
    plans: &[(i64, String, String)],
    today: Date,
    fixed_password: Option<&str>,
) -> Result<DemoSummary, AppError> {
    let system = kesu_store::Actor::system();
    let mut accounts_out = Vec::new();
    let mut rounds = Vec::new();
    let mut unit_reporter: BTreeMap<i64, String> = BTreeMap::new();
    let (this_q, prev_q) = quarters(today);
    for (_, region, region_name) in plans {
        let code = RegionCode::parse(region).map_err(|e| AppError::Internal(e.to_string()))?;
        for (role, prefix, title) in [
            (Role::Admin, "admin", "纲要办管理员"),
            (Role::Reviewer, "shenhe", "纲要办审核员"),
            (Role::Viewer, "lingdao", "领导查看"),
        ] {
            let username = format!("{prefix}_{region}");
            if accounts::user_by_name(db, &username).await?.is_some() {
                continue;
            }
            let pw = password(fixed_password)?;
            let new = NewUser {
                username: username.clone(),
                display_name: format!("{region_name}{title}"),
                role,
                region: code.clone(),
                unit_id: None,
                password_hash: auth::hash_password_blocking(pw.clone()).await?,
            };
            accounts::add_user(db, &new, &system).await?;
            accounts_out.push(DemoAccount {
                username,
                password: pw,
                display_name: new.display_name,
                role,
                region: region.clone(),
                unit_id: None,
                unit_name: None,
            });
        }
    }
    // The first county of each city plan gets its own office admin, so that a county can fill
    // in its self scores in the city's assessment (the county's own account's job).
    for (_, region, _) in plans {
        let code = RegionCode::parse(region).map_err(|e| AppError::Internal(e.to_string()))?;
        if code.level() != RegionLevel::City {
            continue;
        }
        let Some((county, county_name)) = kesu_store::indicators::child_regions(db, region)
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let username = format!("admin_{county}");
        if accounts::user_by_name(db, &username).await?.is_some() {
            continue;
        }
        let pw = password(fixed_password)?;
        let new = NewUser {
            username: username.clone(),
            display_name: format!("{county_name}纲要办管理员"),
            role: Role::Admin,
            region: RegionCode::parse(&county).map_err(|e| AppError::Internal(e.to_string()))?,
            unit_id: None,
            password_hash: auth::hash_password_blocking(pw.clone()).await?,
        };
        accounts::add_user(db, &new, &system).await?;
        accounts_out.push(DemoAccount {
            username,
            password: pw,
            display_name: new.display_name,
            role: Role::Admin,
            region: county,
            unit_id: None,
            unit_name: None,
        });
    }
    // In each city plan the first count target is reported by the counties (each county's office
    // a unit of its task), so the city's number is a sum over its counties.
    let mut county_tasks = Vec::new();
    for (plan_id, region, _) in plans {
        let code = RegionCode::parse(region).map_err(|e| AppError::Internal(e.to_string()))?;
        if code.level() != RegionLevel::City {
            continue;
        }
        let targets = kesu_store::indicators::plan_targets(db, *plan_id).await?;
        let count = targets
            .iter()
            .find(|t| t.task_id.is_some() && Indicator::from_target(&t.target).kind == Kind::Count);
        if let Some((task_id, target_id)) = count.and_then(|t| Some((t.task_id?, t.target_id))) {
            kesu_store::indicators::expand_entities(
                db,
                task_id,
                region,
                RegionLevel::County,
                &system,
            )
            .await?;
            county_tasks.push(CountyTask {
                plan_id: *plan_id,
                task_id,
                target_id,
                round_id: 0,
            });
        }
    }
    let plan_regions: BTreeMap<i64, String> =
        plans.iter().map(|(id, r, _)| (*id, r.clone())).collect();
    // One reporter per unit that has a task, before the rounds open (so they are notified).
    for (plan_id, _, _) in plans {
        for task in kesu_store::plans::tasks(db, *plan_id).await? {
            for a in task.units {
                if unit_reporter.contains_key(&a.unit_id) {
                    continue;
                }
                let unit = kesu_store::units::get(db, a.unit_id).await?;
                let username = format!("tb{}", a.unit_id);
                let pw = password(fixed_password)?;
                let new = NewUser {
                    username: username.clone(),
                    display_name: format!("{}填报员", unit.name),
                    role: Role::Reporter,
                    region: RegionCode::parse(&unit.region_code)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    unit_id: Some(a.unit_id),
                    password_hash: auth::hash_password_blocking(pw.clone()).await?,
                };
                accounts::add_user(db, &new, &system).await?;
                if let Some((person, phone)) = demo_contact(a.unit_id, &unit.region_code) {
                    kesu_store::units::set_contact(
                        db,
                        a.unit_id,
                        Some(&person),
                        Some(&phone),
                        &system,
                    )
                    .await?;
                }
                unit_reporter.insert(a.unit_id, username.clone());
                accounts_out.push(DemoAccount {
                    username,
                    password: pw,
                    display_name: new.display_name,
                    role: Role::Reporter,
                    region: unit.region_code.clone(),
                    unit_id: Some(a.unit_id),
                    unit_name: Some(unit.name.clone()),
                });
            }
        }
    }
    // Last quarter's round is past its due date (late units show red); this quarter's is due in
    // two days (open slots show yellow). Each round with the day its reports are written (last
    // quarter's before its due date, so on time) and whether the reviewer has been through it.
    let mut worked: Vec<(i64, Date, bool)> = Vec::new();
    for (plan_id, _, _) in plans {
        for (period, due, lock, day, past) in [
            (
                prev_q,
                today - Duration::days(10),
                today + Duration::days(20),
                today - Duration::days(12),
                true,
            ),
            (
                this_q,
                today + Duration::days(2),
                today + Duration::days(30),
                today,
                false,
            ),
        ] {
            let r = NewRound {
                plan_id: *plan_id,
                period,
                due,
                lock,
                demo: true,
            };
            // This quarter's round of a city asks for 县级初审: the counties check their own
            // reports before the city reviews them.
            let opts = reporting::RoundOptions {
                county_check: !past && is_city(&plan_regions, *plan_id),
            };
            let id = reporting::open_round_with(db, &r, opts, &system).await?;
            rounds.push(id);
            worked.push((id, day, past));
            if past {
                for c in county_tasks.iter_mut().filter(|c| c.plan_id == *plan_id) {
                    c.round_id = id;
                }
            }
        }
    }
    // Indicators count only reports of periods within the plan's period: when last quarter is
    // past a county plan's end, its counties report in a closed round of the plan's last quarter
    // (the 年末 round), written and reviewed in time.
    for c in county_tasks.iter_mut() {
        let end =
            kesu_store::indicators::plan_period(&kesu_store::plans::get(db, c.plan_id).await?)[1];
        if prev_q.dates().0.year() <= end {
            continue;
        }
        let period = Period::Quarter {
            year: end,
            quarter: 4,
        };
        let closed = period.dates().1;
        let r = NewRound {
            plan_id: c.plan_id,
            period,
            due: closed + Duration::days(15),
            lock: closed + Duration::days(45),
            demo: true,
        };
        let id = reporting::open_round(db, &r, &system).await?;
        rounds.push(id);
        worked.push((id, closed + Duration::days(5), true));
        c.round_id = id;
    }
    // A plausible mix of states. Reports are written as of the due date minus a few days, so the
    // history reads naturally; the reviewer acts after.
    for (round, day, last_quarter) in worked {
        let mut slots = reporting::slots(db, round).await?;
        // Slots in task and region order, so each county's value and state is the same every
        // time.
        slots.sort_by(|a, b| {
            (a.task_id, &a.region_code, a.id).cmp(&(b.task_id, &b.region_code, b.id))
        });
        let counties_of = |task_id: i64| {
            slots
                .iter()
                .filter(|s| s.task_id == task_id && is_county_slot(&county_tasks, s))
                .count()
        };
        let county_counts: BTreeMap<i64, usize> = county_tasks
            .iter()
            .map(|c| (c.task_id, counties_of(c.task_id)))
            .collect();
        let mut county_seen: BTreeMap<i64, usize> = BTreeMap::new();
        let checked_round = reporting::round(db, round).await?;
        // In a round with 县级初审 the counties have submitted; each county office has passed
        // its report up but the first, which waits for its county's check.
        let mut checked_seen = 0usize;
        for s in &slots {
            let b = bucket(s.id);
            let reporter =
                kesu_store::Actor::new(unit_reporter.get(&s.unit_id).cloned().unwrap_or_default());
            let reviewer = kesu_store::Actor::new("system-demo");
            let content = format!(
                "【演示数据】{}：本期围绕“{}”开展工作，组织活动 {} 场，参与 {} 人次。",
                s.unit_name,
                s.task_title,
                b % 7 + 1,
                (b + 3) * 37
            );
            // In its county round, the counties of a county task all report a value: the first is
            // accepted with an internal comment, the last returned with a reason, the others
            // accepted.
            let county = county_tasks
                .iter()
                .find(|c| c.task_id == s.task_id && is_county_slot(&county_tasks, s))
                .filter(|c| c.round_id == round)
                .map(|c| {
                    let seen = county_seen.entry(c.task_id).or_insert(0);
                    let j = *seen;
                    *seen += 1;
                    let n = county_counts.get(&c.task_id).copied().unwrap_or(0);
                    (c.target_id, j, j + 1 == n && n > 1)
                });
            let checked = checked_round.checks(s) && is_county_slot(&county_tasks, s);
            let checked_plan: &[Transition] = if checked_seen == 0 {
                &[Transition::Save, Transition::Submit]
            } else {
                &[Transition::Save, Transition::Submit, Transition::Forward]
            };
            if checked {
                checked_seen += 1;
            }
            let plan: &[Transition] = match (last_quarter, b, county) {
                _ if checked => checked_plan,
                (_, _, Some((_, _, true))) => {
                    &[Transition::Save, Transition::Submit, Transition::Return]
                }
                (_, _, Some(_)) => &[Transition::Save, Transition::Submit, Transition::Accept],
                (true, 0..40, _) => &[Transition::Save, Transition::Submit, Transition::Accept],
                (true, 40..55, _) => &[Transition::Save, Transition::Submit],
                (true, 55..65, _) => &[Transition::Save, Transition::Submit, Transition::Return],
                (true, 65..80, _) => &[Transition::Save],
                (false, 0..20, _) => &[Transition::Save],
                (false, 20..30, _) => &[Transition::Save, Transition::Submit],
                _ => &[],
            };
            let content = match county {
                Some((_, j, _)) => format!(
                    "【演示数据】{}：本期开展线上线下培训，参训 {} 人次。",
                    s.unit_name,
                    fmt_num(county_value(j))
                ),
                None => content,
            };
            let mut version = 0;
            for t in plan {
                let reason = match (t, county) {
                    (Transition::Return, Some(_)) => Some(COUNTY_RETURN_REASON.to_string()),
                    (Transition::Return, None) => {
                        Some("请补充活动照片和参与人数的统计依据。".to_string())
                    }
                    (Transition::Accept, Some((_, 0, _))) => {
                        Some(COUNTY_REVIEW_COMMENT.to_string())
                    }
                    _ => None,
                };
                let ch = ReportChange {
                    expected_version: version,
                    content: (*t == Transition::Save).then(|| content.clone()),
                    values: match (t, county) {
                        (Transition::Save, Some((target, j, _))) => {
                            vec![(target, Some(county_value(j)))]
                        }
                        _ => Vec::new(),
                    },
                    reason,
                };
                let county_office = kesu_store::Actor::new(format!("admin_{}", s.region_code));
                let who = match t {
                    Transition::Accept | Transition::Return => &reviewer,
                    Transition::Forward => &county_office,
                    _ => &reporter,
                };
                let at = day
                    .with_hms(10, 0, 0)
                    .map(|d| d.assume_offset(reporting::CHINA));
                let at = at.unwrap_or_else(|_| time::OffsetDateTime::now_utc());
                let by_county = *t == Transition::Forward;
                version = reporting::change_as(db, s.id, *t, &ch, by_county, at, who).await?;
            }
        }
    }
    if let Some((_, region, _)) = plans.iter().find(|p| p.1 == "4313").or(plans.first()) {
        crate::pages::citizens::demo::seed(db, region, today).await?;
    }
    Ok(DemoSummary {
        accounts: accounts_out,
        rounds,
        county_tasks,
    })
}

/// Whether plan `id` is a city's (its region a city code).
fn is_city(plan_regions: &BTreeMap<i64, String>, id: i64) -> bool {
    plan_regions
        .get(&id)
        .and_then(|r| RegionCode::parse(r).ok())
        .is_some_and(|c| c.level() == RegionLevel::City)
}

/// A demo contact for a unit (deterministic; every seventh unit has none, so the chase list
/// shows "未登记" too): a surname with a title and an office telephone of the unit's city.
fn demo_contact(unit_id: i64, region: &str) -> Option<(String, String)> {
    if unit_id % 7 == 0 {
        return None;
    }
    const NAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
    ];
    const TITLES: [&str; 3] = ["主任", "科长", "老师"];
    let b = bucket(unit_id);
    let name = NAMES[usize::try_from(b % 12).unwrap_or(0)];
    let title = TITLES[usize::try_from(b % 3).unwrap_or(0)];
    let area = match region.get(..4) {
        Some("4313") => "0738",
        Some("4403") => "0755",
        Some("3605") => "0790",
        Some("3410") => "0559",
        _ if region.starts_with("50") => "023",
        _ => "0731",
    };
    Some((
        format!("{name}{title}"),
        format!("{area}-8{:06}", (b * 7919 + 100_000) % 1_000_000),
    ))
}

/// Whether a slot is a county's report on a county task (not the city units' own).
fn is_county_slot(county_tasks: &[CountyTask], s: &reporting::Slot) -> bool {
    s.region_code.len() == RegionLevel::County.code_len()
        && county_tasks.iter().any(|c| c.task_id == s.task_id)
}
