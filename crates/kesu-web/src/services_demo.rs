//! Demo data of the services, made through the same use cases a user drives: in the first city
//! plan's first county, a certified base with visit slots, a 大篷车 that has toured two
//! townships, an activity at the base starting within the hour (so it can be booked and checked
//! in at during a demo), volunteers with recorded hours, a volunteer team with its leader, a
//! service order waiting for dispatch, pupils of a school, and the city's funding. Accounts for
//! the four parties of an order: `shequ_demo` (a community that asks), the county's
//! `admin_<county>` (dispatches), `bumen_demo` (the city 科协's reporter, claims) and
//! `duizhang_demo` (the team's leader, accepts).

use crate::auth;
use crate::demo::DemoAccount;
use crate::error::AppError;
use kesu_app::services::bookings::NewSlot;
use kesu_app::services::checkin::NewActivity;
use kesu_app::services::orders::AskInput;
use kesu_app::services::{
    Services, Throttles, bookings, catalogue, checkin, credits, funding, orders, personal,
    volunteers,
};
use kesu_app::{Caller, Ctx, Principal};
use kesu_core::authz::Role;
use kesu_core::region::{RegionCode, RegionLevel};
use kesu_services::catalogue::ResourceInput;
use kesu_services::checkin::ActivityInput;
use kesu_services::order::OrderInput;
use kesu_store::Db;
use kesu_store::accounts::{self, NewUser};
use std::sync::Arc;
use time::{Duration, OffsetDateTime, Time};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Add a demo account; returns it for `demo-accounts.json`.
async fn account(
    db: &Db,
    username: &str,
    display_name: &str,
    role: Role,
    region: &str,
    unit: Option<(i64, String)>,
    fixed_password: Option<&str>,
) -> Result<Option<DemoAccount>, AppError> {
    if accounts::user_by_name(db, username).await?.is_some() {
        return Ok(None);
    }
    let pw = match fixed_password {
        Some(p) => p.to_string(),
        None => auth::new_token()?[..12].to_string(),
    };
    let new = NewUser {
        username: username.into(),
        display_name: display_name.into(),
        role,
        region: RegionCode::parse(region).map_err(internal)?,
        unit_id: unit.as_ref().map(|u| u.0),
        password_hash: auth::hash_password_blocking(pw.clone()).await?,
    };
    accounts::add_user(db, &new, &kesu_store::Actor::system()).await?;
    Ok(Some(DemoAccount {
        username: username.into(),
        password: pw,
        display_name: display_name.into(),
        role,
        region: region.into(),
        unit_id: unit.as_ref().map(|u| u.0),
        unit_name: unit.map(|u| u.1),
    }))
}

/// Fill the services of the first city plan among `plans` (id, region, name). `keys` is the ring
/// the server will use, so that personal data sealed here opens there.
pub async fn populate(
    db: &Db,
    keys: Arc<kesu_pii::KeyRing>,
    plans: &[(i64, String, String)],
    fixed_password: Option<&str>,
) -> Result<Vec<DemoAccount>, AppError> {
    let Some((_, city, city_name)) = plans
        .iter()
        .find(|(_, r, _)| RegionCode::parse(r).is_ok_and(|c| c.level() == RegionLevel::City))
    else {
        return Ok(Vec::new());
    };
    let Some((county, county_name)) = kesu_store::indicators::child_regions(db, city)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Vec::new());
    };
    let townships = kesu_store::indicators::child_regions(db, &county).await?;
    if townships.len() < 2 {
        return Ok(Vec::new());
    }
    let township = townships[0].0.clone();
    let sealer = Arc::new(personal::RingSealer::new(keys));
    let now = OffsetDateTime::now_utc();
    let mut s = Services::new(Ctx::new(db.clone()), sealer, Arc::new(Throttles::off()));
    let op = Caller {
        principal: Principal::Operator,
        audit: kesu_store::Actor::system(),
    };
    let mut out = Vec::new();

    // The city 科协 (a plan unit) claims orders; a county school keeps pupils' credits.
    let units = kesu_store::units::list(db, city).await?;
    let kexie = units
        .iter()
        .find(|u| u.region_code == *city && u.name.contains("科协"))
        .map(|u| (u.id, u.name.clone()));
    let school = {
        let mut tx = db.begin().await?;
        let id = kesu_store::units::register(
            &mut tx,
            &county,
            Some(&county_name),
            &format!("{county_name}第一小学"),
        )
        .await?;
        tx.commit().await?;
        (id, format!("{county_name}第一小学"))
    };
    for a in [
        account(
            db,
            "shequ_demo",
            &format!("{}社区工作人员", townships[0].1),
            Role::Viewer,
            &township,
            None,
            fixed_password,
        )
        .await?,
        account(
            db,
            "duizhang_demo",
            &format!("{county_name}科技志愿服务队队长"),
            Role::Viewer,
            &county,
            None,
            fixed_password,
        )
        .await?,
        match &kexie {
            Some(k) => {
                account(
                    db,
                    "bumen_demo",
                    &format!("{}（领单）", k.1),
                    Role::Reporter,
                    city,
                    Some(k.clone()),
                    fixed_password,
                )
                .await?
            }
            None => None,
        },
        account(
            db,
            "xuexiao_demo",
            &format!("{}科技辅导员", school.1),
            Role::Reporter,
            &county,
            Some(school.clone()),
            fixed_password,
        )
        .await?,
    ]
    .into_iter()
    .flatten()
    {
        out.push(a);
    }

    // The catalogue: a certified base, a 大篷车, an expert and a work.
    let base = catalogue::create(
        &s,
        &op,
        &ResourceInput {
            kind: "base".into(),
            name: format!("{county_name}科技馆"),
            region: county.clone(),
            address: format!("{county_name}科普路 1 号"),
            groups: "青少年、社会公众".into(),
            description: "常设展厅、科学实验室和球幕影院，周二至周日开放，学校团体请提前预约。"
                .into(),
            owner_unit_id: kexie.as_ref().map(|k| k.0),
        },
    )
    .await?;
    catalogue::certify(
        &s,
        &op,
        base,
        &catalogue::CertifyInput {
            level: "city".into(),
            batch: "2021—2025年第一批".into(),
            certified_on: s.ctx.today() - Duration::days(900),
            valid_until: s.ctx.today() + Duration::days(365),
        },
    )
    .await?;
    let caravan = catalogue::create(
        &s,
        &op,
        &ResourceInput {
            kind: "mobile".into(),
            name: format!("{city_name}科普大篷车"),
            region: city.clone(),
            groups: "农民、青少年".into(),
            description: "流动展品 30 件，巡回乡镇和学校。".into(),
            ..Default::default()
        },
    )
    .await?;
    for (kind, name) in [
        ("expert", format!("{city_name}天文科普专家")),
        ("work", "《公民科学素质基准》读本".to_string()),
    ] {
        catalogue::create(
            &s,
            &op,
            &ResourceInput {
                kind: kind.into(),
                name,
                region: city.clone(),
                ..Default::default()
            },
        )
        .await?;
    }
    // Visit slots for the coming week.
    let today = s.ctx.today();
    for d in 1..=7 {
        for (h, end) in [(9u8, 11u8), (14, 16)] {
            let day = today + Duration::days(d);
            let at = |hour: u8| {
                Time::from_hms(hour, 0, 0)
                    .map(|t| day.with_time(t).assume_offset(kesu_store::reporting::CHINA))
                    .map_err(internal)
            };
            bookings::create_slot(
                &s,
                &op,
                &NewSlot {
                    resource_id: base,
                    starts_at: at(h)?,
                    ends_at: at(end)?,
                    capacity: 30,
                },
            )
            .await?;
        }
    }
    // An activity at the base within the hour: bookable now, check-in open.
    let starts = now + Duration::minutes(45);
    checkin::create_activity(
        &s,
        &op,
        &NewActivity {
            input: ActivityInput {
                title: "科普日体验活动".into(),
                kind: "科普日".into(),
                region: county.clone(),
                place: format!("{county_name}科技馆一楼大厅"),
                group: "青少年".into(),
                organiser_unit_id: None,
                resource_id: Some(base),
            },
            starts_at: starts,
            ends_at: starts + Duration::hours(3),
            capacity: 50,
        },
    )
    .await?;
    // The 大篷车 toured two townships last month (held activities, no registration).
    let mut tours = Vec::new();
    for (i, (code, name)) in townships.iter().take(2).enumerate() {
        let at = now - Duration::days(20 + 7 * i as i64);
        let id = checkin::create_activity(
            &s,
            &op,
            &NewActivity {
                input: ActivityInput {
                    title: format!("科普大篷车进{name}"),
                    kind: "大篷车巡展".into(),
                    region: code.clone(),
                    place: format!("{name}中心学校"),
                    group: "农民".into(),
                    organiser_unit_id: None,
                    resource_id: Some(caravan),
                },
                starts_at: at,
                ends_at: at + Duration::hours(4),
                capacity: 0,
            },
        )
        .await?;
        tours.push((id, at));
    }
    // A team and its volunteers, with hours from check-in and check-out records.
    let team = volunteers::create_team(
        &s,
        &op,
        &volunteers::TeamInput {
            name: format!("{county_name}科技志愿服务队"),
            region: county.clone(),
            unit_id: kexie.as_ref().map(|k| k.0),
            leader_username: Some("duizhang_demo".into()),
        },
    )
    .await?;
    let names = ["李明", "王芳", "张伟", "刘洋", "陈静", "杨帆"];
    for (i, n) in names.iter().enumerate() {
        s.ctx.fixed_now = None;
        let (vid, _) = volunteers::register(
            &s,
            &op,
            &volunteers::VolunteerInput {
                name: (*n).into(),
                phone: format!("1390731{:04}", 1000 + i),
                region: county.clone(),
                team_id: Some(team),
                skills: ["天文", "健康", "农技", "信息技术", "应急", "科普讲解"][i].into(),
            },
        )
        .await?;
        // Each served at one of the tours, some also at a second one.
        for (tour, at) in tours.iter().take(i % 2 + 1) {
            s.ctx.fixed_now = Some(*at);
            volunteers::check_in(&s, &op, vid, Some(*tour), None).await?;
            s.ctx.fixed_now = Some(*at + Duration::hours(3));
            volunteers::check_out(&s, &op, vid).await?;
        }
    }
    s.ctx.fixed_now = None;
    // A community's order waiting for dispatch.
    orders::ask(
        &s,
        &op,
        &AskInput {
            order: OrderInput {
                title: "老年人防范电信诈骗科普讲座".into(),
                detail: "社区老年人约 40 人，希望安排一次讲座并现场答疑。".into(),
                region: township.clone(),
                category: "科普讲座".into(),
                wanted_on: Some(today + Duration::days(10)),
            },
            ..Default::default()
        },
        None,
    )
    .await?;
    // Pupils of the school, and the city's funding.
    for n in ["周小雨", "吴思远", "郑可欣"] {
        credits::add_pupil(&s, &op, Some(school.0), "五年级", "2班", n).await?;
    }
    for (year, budget, spent) in [
        (today.year() - 1, 3_200_000.0, 2_950_000.0),
        (today.year(), 3_500_000.0, 1_100_000.0),
    ] {
        funding::put(
            &s,
            &op,
            &kesu_services::funding::Funding {
                region: city.clone(),
                year,
                budgeted: budget,
                spent,
                note: "本级财政科普经费".into(),
            },
        )
        .await?;
    }
    Ok(out)
}
