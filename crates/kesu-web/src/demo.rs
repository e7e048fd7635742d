//! Demo data for `kesu demo`: accounts for every role and unit, and reporting rounds with a
//! plausible mix of states, all marked as demo data. Run on a fresh database that already holds
//! the sample regions and plans.

use crate::auth;
use crate::error::AppError;
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use kesu_core::report::{Period, Transition};
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
    // two days (open slots show yellow).
    for (plan_id, _, _) in plans {
        for (period, due, lock) in [
            (
                prev_q,
                today - Duration::days(10),
                today + Duration::days(20),
            ),
            (
                this_q,
                today + Duration::days(2),
                today + Duration::days(30),
            ),
        ] {
            let r = NewRound {
                plan_id: *plan_id,
                period,
                due,
                lock,
                demo: true,
            };
            rounds.push(reporting::open_round(db, &r, &system).await?);
        }
    }
    // A plausible mix of states. Reports are written as of the due date minus a few days, so the
    // history reads naturally; the reviewer acts after.
    for (i, round) in rounds.iter().enumerate() {
        let last_quarter = i % 2 == 0;
        for s in reporting::slots(db, *round).await? {
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
            let save = ReportChange {
                expected_version: 0,
                content: Some(content),
                ..Default::default()
            };
            let plan: &[Transition] = match (last_quarter, b) {
                (true, 0..40) => &[Transition::Save, Transition::Submit, Transition::Accept],
                (true, 40..55) => &[Transition::Save, Transition::Submit],
                (true, 55..65) => &[Transition::Save, Transition::Submit, Transition::Return],
                (true, 65..80) => &[Transition::Save],
                (false, 0..20) => &[Transition::Save],
                (false, 20..30) => &[Transition::Save, Transition::Submit],
                _ => &[],
            };
            let mut version = 0;
            for t in plan {
                let ch = ReportChange {
                    expected_version: version,
                    content: if *t == Transition::Save {
                        save.content.clone()
                    } else {
                        None
                    },
                    reason: (*t == Transition::Return)
                        .then(|| "请补充活动照片和参与人数的统计依据。".to_string()),
                    ..Default::default()
                };
                let who = if matches!(t, Transition::Accept | Transition::Return) {
                    &reviewer
                } else {
                    &reporter
                };
                // Last quarter's work is dated before its due date, so it is on time.
                let day = if last_quarter {
                    today - Duration::days(12)
                } else {
                    today
                };
                let at = day
                    .with_hms(10, 0, 0)
                    .map(|d| d.assume_offset(reporting::CHINA));
                let at = at.unwrap_or_else(|_| time::OffsetDateTime::now_utc());
                version = reporting::change(db, s.id, *t, &ch, at, who).await?;
            }
        }
    }
    Ok(DemoSummary {
        accounts: accounts_out,
        rounds,
    })
}
