//! The region a plan is for: named by the caller, else read from the document's region name
//! in the division table (narrowed by the plan's level when the name is ambiguous). The
//! operator at the command line must be answered exactly or told what to pass; an office in
//! the browser gets its own region when the document's name does not settle it, with a doubt
//! saying so.

use crate::{Caller, Ctx, Error, Principal, Result};
use kesu_core::region::RegionCode;
use kesu_core::{Plan, PlanLevel, RegionLevel};
use kesu_store::regions::{self, Region};

/// The region chosen for a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanRegion {
    pub code: String,
    /// Its name in the division table, when stored.
    pub name: Option<String>,
    /// Why the office should check the choice, if it should.
    pub doubt: Option<String>,
}

impl From<Region> for PlanRegion {
    fn from(r: Region) -> Self {
        PlanRegion {
            code: r.code,
            name: Some(r.name),
            doubt: None,
        }
    }
}

/// The region of `plan` for `caller`: `explicit` (a code), else the document's region name.
pub(crate) async fn resolve(
    ctx: &Ctx,
    caller: &Caller,
    plan: &Plan,
    explicit: Option<&str>,
) -> Result<PlanRegion> {
    let explicit = explicit.map(str::trim).filter(|c| !c.is_empty());
    match (&caller.principal, explicit) {
        (Principal::User(a), Some(code)) => {
            let refused = || {
                Error::invalid_field(
                    "region",
                    format!(
                        "区划代码“{code}”不存在或不在您的管辖范围内 (unknown region or out of scope)"
                    ),
                )
            };
            let c = RegionCode::parse(code).map_err(|_| refused())?;
            if !a.covers(&c) {
                return Err(refused());
            }
            match regions::get(&ctx.db, c.as_str()).await? {
                Some(r) => Ok(r.into()),
                // An office's own region works without a division table.
                None if c == a.region => Ok(PlanRegion {
                    code: c.to_string(),
                    name: None,
                    doubt: None,
                }),
                None => Err(refused()),
            }
        }
        (Principal::User(a), None) => {
            let own = a.region.to_string();
            let named = plan
                .region
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            if let Some(name) = named {
                let found: Vec<Region> = narrow(regions::resolve_name(&ctx.db, name).await?, plan)
                    .into_iter()
                    .filter(|r| RegionCode::parse(&r.code).is_ok_and(|c| a.covers(&c)))
                    .collect();
                if let [r] = found.as_slice() {
                    return Ok(r.clone().into());
                }
            }
            let mut out = PlanRegion {
                name: regions::get(&ctx.db, &own).await?.map(|r| r.name),
                code: own,
                doubt: None,
            };
            if let Some(name) = named
                && out.name.as_deref() != Some(name)
            {
                out.doubt = Some(format!(
                    "文中写明的区划“{name}”在您管辖的区划中未找到或不唯一，草稿暂归{}（{}），请核对；如需改为下级区划，请在上传时选择区划",
                    out.name.as_deref().unwrap_or(""),
                    out.code
                ));
            }
            Ok(out)
        }
        (Principal::Public, _) => Err(Error::NotFound),
        (Principal::Operator, Some(code)) => {
            let c = RegionCode::parse(code)
                .map_err(|e| Error::invalid_field("region", e.to_string()))?;
            regions::get(&ctx.db, c.as_str())
                .await?
                .map(PlanRegion::from)
                .ok_or_else(|| {
                    Error::invalid_field("region", format!("未找到区划 {c} (region not found)"))
                })
        }
        (Principal::Operator, None) => operator_region(ctx, plan).await,
    }
}

/// Candidates narrowed to the plan's level, when that leaves any.
fn narrow(found: Vec<Region>, plan: &Plan) -> Vec<Region> {
    let Some(level) = plan.level else {
        return found;
    };
    if found.len() < 2 {
        return found;
    }
    let wanted: &[RegionLevel] = match level {
        PlanLevel::Province => &[RegionLevel::Province],
        PlanLevel::City => &[RegionLevel::City],
        PlanLevel::County | PlanLevel::District => &[RegionLevel::County],
        PlanLevel::Township => &[RegionLevel::Township],
    };
    let narrowed: Vec<Region> = found
        .iter()
        .filter(|r| wanted.contains(&r.level))
        .cloned()
        .collect();
    if narrowed.is_empty() { found } else { narrowed }
}

/// The command line: the document's region name must name one stored region, or the operator
/// is told to pass `--region` (with the candidates when the name is ambiguous).
async fn operator_region(ctx: &Ctx, plan: &Plan) -> Result<PlanRegion> {
    let db = &ctx.db;
    let Some(name) = plan.region.as_deref().filter(|n| !n.trim().is_empty()) else {
        return Err(Error::invalid_field(
            "region",
            "文中未写明所属区划，请用 --region 指定区划代码 (no region in the document)",
        ));
    };
    let mut found = narrow(regions::resolve_name(db, name).await?, plan);
    match found.len() {
        0 => {
            if regions::count(db).await? == 0 {
                return Err(Error::invalid_field(
                    "region",
                    format!(
                        "找不到区划“{name}”：数据库中还没有区划，请先运行 kesu regions import，或用 --region 指定代码 (no regions imported)"
                    ),
                ));
            }
            Err(Error::invalid_field(
                "region",
                format!("找不到区划“{name}”，请用 --region 指定区划代码 (region not found)"),
            ))
        }
        1 => Ok(found.remove(0).into()),
        _ => {
            let mut lines = Vec::new();
            for r in &found {
                let path: Vec<String> = regions::ancestors(db, &r.code)
                    .await?
                    .into_iter()
                    .map(|a| a.name)
                    .collect();
                lines.push(format!("  {}  {}{}", r.code, path.join(""), r.name));
            }
            Err(Error::invalid_field(
                "region",
                format!(
                    "区划名称“{name}”有 {} 处，请用 --region 指定代码 (ambiguous region name):\n{}",
                    found.len(),
                    lines.join("\n")
                ),
            ))
        }
    }
}
