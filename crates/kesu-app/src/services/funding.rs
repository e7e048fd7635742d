//! 科普经费 per region and year (budgeted and spent) and per head with the population tables.

use super::{Services, administer, office_region, who};
use crate::{Caller, Result};
use kesu_services::funding::{self, Funding};
use kesu_store::audit;
use kesu_store::services::funding as store;
use serde::Serialize;
use serde_json::json;

/// Record (or correct) a region's funding for a year (the office of the region).
pub async fn put(s: &Services, caller: &Caller, f: &Funding) -> Result<i64> {
    super::require_admin(caller)?;
    let region = super::parse_region(&f.region)?;
    administer(caller, region.as_str())?;
    f.validate()?;
    let note = f.note.trim();
    let mut tx = s.ctx.db.begin().await?;
    let (id, before) = store::put(
        &mut tx,
        region.as_str(),
        f.year,
        f.budgeted,
        f.spent,
        note,
        who(caller),
        s.ctx.now(),
    )
    .await?;
    audit::record_in_region(
        &mut tx,
        &caller.audit,
        Some(region.as_str()),
        "services.funding.put",
        &format!("service_funding:{id}"),
        before
            .map(|b| json!({"budgeted": b.budgeted, "spent": b.spent, "note": b.note}))
            .as_ref(),
        Some(
            &json!({"region": region.as_str(), "year": f.year, "budgeted": f.budgeted,
                     "spent": f.spent, "note": note}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A region's year, with the figures derived from it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub funding: store::Funding,
    pub region_name: String,
    pub population: Option<i64>,
    /// Yuan spent per head.
    pub per_capita: Option<f64>,
    /// Share of the budget spent (%).
    pub execution: Option<f64>,
}

/// The funding of the office's subtree, by region and year.
pub async fn list(s: &Services, caller: &Caller) -> Result<Vec<Row>> {
    let region = office_region(caller)?;
    let rows = store::list(&s.ctx.db, &region).await?;
    let mut out = Vec::with_capacity(rows.len());
    for f in rows {
        let pops = kesu_store::regions::population(&s.ctx.db, &f.region_code).await?;
        let population = pops
            .iter()
            .filter(|p| p.year <= f.year)
            .max_by_key(|p| p.year)
            .map(|p| p.population);
        let region_name = kesu_store::regions::get(&s.ctx.db, &f.region_code)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        let domain = Funding {
            region: f.region_code.clone(),
            year: f.year,
            budgeted: f.budgeted,
            spent: f.spent,
            note: f.note.clone(),
        };
        out.push(Row {
            per_capita: population.and_then(|n| funding::per_capita(f.spent, n)),
            execution: domain.execution(),
            population,
            region_name,
            funding: f,
        });
    }
    Ok(out)
}
