//! The ledger: counts and coverage, entries (masked), adding, moving and removing entries, a
//! reveal (permission + reason, audited) and the resident-list check for 精准科普.

use super::{
    ID_INDEX, KeyRing, LEDGER_ID, LEDGER_NAME, LEDGER_PHONE, PHONE_INDEX, may_read, may_reveal,
    may_write, pii, reason, region,
};
use crate::{Caller, Ctx, Error, Result};
use kesu_citizens::coverage::{Coverage, Estimate, coverage};
use kesu_citizens::ledger::{
    Basis, BasisKind, KeyGroup, MoveAction, MoveSide, MoveState, RemovalReason, add_years,
    check_move, check_name,
};
use kesu_citizens::table::{self, Columns, Limits, RowError};
use kesu_core::region::{RegionCode, RegionLevel};
use kesu_pii::{IdNumber, Kind, Phone, Sex};
use kesu_store::citizens::ledger as store;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// Entries of a region, in total and by key group.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerCount {
    pub region: String,
    pub count: i64,
    /// By key group (Chinese name), when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<BTreeMap<String, i64>>,
}

pub async fn count(
    ctx: &Ctx,
    caller: &Caller,
    region_code: &str,
    by_group: bool,
) -> Result<LedgerCount> {
    region(region_code)?;
    may_read(caller, region_code)?;
    let rows = store::count(&ctx.db, region_code).await?;
    let count = rows.iter().map(|(_, n)| n).sum();
    let by = by_group.then(|| {
        rows.iter()
            .map(|(g, n)| {
                (
                    KeyGroup::parse(g)
                        .map(|g| g.zh().to_string())
                        .unwrap_or_else(|| g.clone()),
                    *n,
                )
            })
            .collect()
    });
    Ok(LedgerCount {
        region: region_code.to_string(),
        count,
        by,
    })
}

/// A child region's line of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct ChildCount {
    pub code: String,
    pub name: String,
    pub total: i64,
    /// Per key group, in [`KeyGroup::ALL`] order.
    pub by_group: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub region: String,
    pub region_name: String,
    pub level: RegionLevel,
    pub total: i64,
    pub by_group: Vec<(String, i64)>,
    pub children: Vec<ChildCount>,
    pub coverage: Coverage,
    pub open_moves: Vec<OpenMove>,
}

/// Counts by child region and key group, coverage beside the survey estimate with the flag,
/// and the open moves in or out of the region.
pub async fn overview(
    ctx: &Ctx,
    caller: &Caller,
    region_code: &str,
    year: i32,
) -> Result<Overview> {
    let code = region(region_code)?;
    may_read(caller, region_code)?;
    let r = kesu_store::regions::get(&ctx.db, region_code)
        .await?
        .ok_or(Error::NotFound)?;
    let totals = store::count(&ctx.db, region_code).await?;
    let total: i64 = totals.iter().map(|(_, n)| n).sum();
    let by_group = KeyGroup::ALL
        .iter()
        .map(|g| {
            (
                g.zh().to_string(),
                totals
                    .iter()
                    .filter(|(k, _)| k == g.as_str())
                    .map(|(_, n)| *n)
                    .sum(),
            )
        })
        .collect();
    let children = match code.level().child() {
        None => Vec::new(),
        Some(child) => {
            let rows = store::count_by_child(&ctx.db, region_code, child.code_len()).await?;
            let mut m: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for (c, g, n) in rows {
                let slot = m.entry(c).or_insert_with(|| vec![0; KeyGroup::ALL.len()]);
                if let Some(i) = KeyGroup::ALL.iter().position(|k| k.as_str() == g) {
                    slot[i] += n;
                }
            }
            let codes: Vec<String> = m.keys().cloned().collect();
            let names = kesu_store::indicators::region_names(&ctx.db, &codes).await?;
            m.into_iter()
                .map(|(c, v)| ChildCount {
                    name: names.get(&c).cloned().unwrap_or_default(),
                    total: v.iter().sum(),
                    by_group: v,
                    code: c,
                })
                .collect()
        }
    };
    let population = population_18_69(ctx, region_code, year).await?;
    let estimate = latest_estimate(ctx, region_code, year).await?;
    Ok(Overview {
        region: region_code.to_string(),
        region_name: r.name,
        level: code.level(),
        total,
        by_group,
        children,
        coverage: coverage(total.max(0) as u64, population, estimate),
        open_moves: store::open_moves(&ctx.db, region_code)
            .await?
            .into_iter()
            .map(|m| open_move(caller, m))
            .collect(),
    })
}

/// Residents aged 18–69 (the survey's population): the `18-69` rows of the population groups
/// when imported, else `None` (coverage is then not computed: the total population would
/// understate it).
async fn population_18_69(ctx: &Ctx, region_code: &str, year: i32) -> Result<Option<u64>> {
    let pops = kesu_store::regions::population(&ctx.db, region_code).await?;
    let best = pops
        .iter()
        .filter(|p| p.year <= year)
        .max_by_key(|p| p.year);
    Ok(best.and_then(|p| {
        let n: i64 = p
            .groups
            .iter()
            .filter(|g| g.age_group == "18-69")
            .map(|g| g.population)
            .sum();
        (n > 0).then_some(n as u64)
    }))
}

/// The latest survey estimate of the literacy share for the region up to `year`.
async fn latest_estimate(ctx: &Ctx, region_code: &str, year: i32) -> Result<Option<Estimate>> {
    let records = kesu_store::indicators::records(
        &ctx.db,
        region_code,
        kesu_store::indicators::LITERACY_SHARE,
    )
    .await?;
    Ok(records
        .into_iter()
        .filter(|r| r.region_code == region_code && r.year <= year)
        .max_by_key(|r| r.year)
        .map(|r| Estimate {
            year: r.year,
            share: r.value,
            low: r.low.unwrap_or(r.value),
            high: r.high.unwrap_or(r.value),
        }))
}

/// An entry as screens show it: masked.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub region_code: String,
    pub key_group: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub basis: String,
    pub basis_kind: String,
    pub score: Option<f64>,
    #[serde(serialize_with = "super::iso::date")]
    pub entered_on: Date,
    pub status: String,
    pub removed_reason: Option<String>,
    #[serde(serialize_with = "super::iso::opt_date")]
    pub removed_on: Option<Date>,
}

pub(crate) fn view(keys: &KeyRing, e: &store::Entry) -> EntryView {
    let basis = match e.basis.as_str() {
        "test" => Basis::Test {
            attempt_id: e.basis_ref.parse().unwrap_or(0),
            score: e.score.unwrap_or(0.0),
        },
        "survey" => Basis::Survey {
            wave_id: e.basis_ref.parse().unwrap_or(0),
        },
        _ => Basis::Import {
            document: e.basis_ref.clone(),
        },
    };
    EntryView {
        id: e.id,
        region_code: e.region_code.clone(),
        key_group: KeyGroup::parse(&e.key_group)
            .map(|g| g.zh().to_string())
            .unwrap_or_default(),
        name: super::masked(keys, LEDGER_NAME, Some(&e.name_ct), Kind::Name),
        id_number: super::masked(keys, LEDGER_ID, Some(&e.id_ct), Kind::IdNumber),
        phone: super::masked(keys, LEDGER_PHONE, e.phone_ct.as_deref(), Kind::Phone),
        basis: basis.describe(),
        basis_kind: e.basis.clone(),
        score: e.score,
        entered_on: e.entered_on,
        status: if e.status == "active" {
            "在册".into()
        } else {
            "已移出".into()
        },
        removed_reason: e
            .removed_reason
            .as_deref()
            .and_then(RemovalReason::parse)
            .map(|r| r.zh().to_string()),
        removed_on: e.removed_on,
    }
}

/// A page (50) of a region's entries, masked.
pub async fn list(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    region_code: &str,
    page: u32,
) -> Result<Vec<EntryView>> {
    region(region_code)?;
    may_read(caller, region_code)?;
    let rows = store::entries(&ctx.db, region_code, i64::from(page) * 50, 50).await?;
    Ok(rows.iter().map(|e| view(keys, e)).collect())
}

async fn entry_in_scope(ctx: &Ctx, caller: &Caller, id: i64) -> Result<store::Entry> {
    super::office(caller)?;
    let e = store::entry(&ctx.db, id).await?.ok_or(Error::NotFound)?;
    may_read(caller, &e.region_code)?;
    Ok(e)
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryDetail {
    pub entry: EntryView,
    pub history: Vec<store::Event>,
    pub open_move: Option<OpenMove>,
    /// Whether the caller may reveal full values here.
    pub may_reveal: bool,
    pub may_write: bool,
}

pub async fn detail(ctx: &Ctx, caller: &Caller, keys: &KeyRing, id: i64) -> Result<EntryDetail> {
    let e = entry_in_scope(ctx, caller, id).await?;
    let moves = store::open_moves(&ctx.db, &e.region_code).await?;
    Ok(EntryDetail {
        entry: view(keys, &e),
        history: store::history(&ctx.db, id).await?,
        open_move: moves
            .into_iter()
            .find(|m| m.entry_id == id)
            .map(|m| open_move(caller, m)),
        may_reveal: may_reveal(ctx, caller, &e.region_code).await.is_ok(),
        may_write: may_write(caller, &e.region_code).is_ok(),
    })
}

/// A field to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    IdNumber,
    Phone,
}

impl Field {
    pub fn parse(s: &str) -> Option<Field> {
        match s {
            "name" => Some(Field::Name),
            "id_number" => Some(Field::IdNumber),
            "phone" => Some(Field::Phone),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
        }
    }
}

/// The full value of one field, for a caller with the permission and a reason; audited first.
pub async fn reveal(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    id: i64,
    field: Field,
    why: &str,
) -> Result<String> {
    let e = entry_in_scope(ctx, caller, id).await?;
    may_reveal(ctx, caller, &e.region_code).await?;
    let why = reason(why)?;
    let (context, ct) = match field {
        Field::Name => (LEDGER_NAME, Some(e.name_ct.as_slice())),
        Field::IdNumber => (LEDGER_ID, Some(e.id_ct.as_slice())),
        Field::Phone => (LEDGER_PHONE, e.phone_ct.as_deref()),
    };
    let Some(ct) = ct else {
        return Ok(String::new());
    };
    // Audit before decrypting: a reveal that is not recorded does not happen.
    store::record_reveal(
        &ctx.db,
        &caller.audit,
        id,
        &e.region_code,
        field.as_str(),
        &why,
    )
    .await?;
    Ok(keys.decrypt_string(context, ct).map_err(pii)?.to_string())
}

/// A new entry from a form.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub village: String,
    pub key_group: String,
    /// `test` (with `attempt_id`), `survey` (with `wave_id`) or `import` (with `document`).
    pub basis: String,
    pub attempt_id: Option<i64>,
    pub wave_id: Option<i64>,
    pub document: String,
    pub entered_on: Date,
    /// What the person gave, compared with the ID number when present.
    pub birth_date: Option<Date>,
    pub sex: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub enum AddOutcome {
    Added(i64),
    /// Already in the ledger; its id, when the caller may see it.
    AlreadyIn(Option<i64>),
}

/// Adds an entry for a village of the caller's region.
pub async fn add(ctx: &Ctx, caller: &Caller, keys: &KeyRing, n: NewEntry) -> Result<AddOutcome> {
    let village = region(&n.village)
        .map_err(|_| Error::invalid_field("village", "请选择村（社区） (pick a village)"))?;
    if village.level() != RegionLevel::Village {
        return Err(Error::invalid_field(
            "village",
            "应为 12 位村级代码 (a village)",
        ));
    }
    may_write(caller, village.as_str())?;
    check_name(&n.name).map_err(|m| Error::invalid_field("name", format!("姓名{m}")))?;
    let id = IdNumber::parse(&n.id_number, ctx.today())
        .map_err(|e| Error::invalid_field("id_number", e.to_string()))?;
    let sex = match n.sex.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Sex::parse(s).ok_or_else(|| Error::invalid_field("sex", "性别应为 男 或 女 (sex)"))?,
        ),
    };
    id.check_entered(n.birth_date, sex)
        .map_err(|e| Error::invalid_field("id_number", e.to_string()))?;
    let phone = match n.phone.trim() {
        "" => None,
        p => Some(Phone::parse(p).map_err(|e| Error::invalid_field("phone", e.to_string()))?),
    };
    let group = KeyGroup::parse(&n.key_group)
        .ok_or_else(|| Error::invalid_field("key_group", "请选择人群 (key group)"))?;
    if n.entered_on > ctx.today() {
        return Err(Error::invalid_field(
            "entered_on",
            "日期晚于今天 (in the future)",
        ));
    }
    let (basis, basis_ref, score) = match n.basis.as_str() {
        "test" => {
            let aid = n.attempt_id.ok_or_else(|| {
                Error::invalid_field("attempt_id", "请填写测试答题编号 (attempt id)")
            })?;
            let a = kesu_store::citizens::quiz::attempt(&ctx.db, aid)
                .await?
                .ok_or_else(|| {
                    Error::invalid_field("attempt_id", "没有这次答题 (no such attempt)")
                })?;
            if !a.region_code.starts_with(village.as_str())
                && may_read(caller, &a.region_code).is_err()
            {
                return Err(Error::invalid_field(
                    "attempt_id",
                    "没有这次答题 (no such attempt)",
                ));
            }
            if a.passed != Some(true) {
                return Err(Error::invalid_field(
                    "attempt_id",
                    "这次答题未合格，不能作为依据 (the attempt did not pass)",
                ));
            }
            ("test", aid.to_string(), a.score)
        }
        "survey" => {
            let w = n.wave_id.ok_or_else(|| {
                Error::invalid_field("wave_id", "请填写调查批次编号 (survey wave)")
            })?;
            ("survey", w.to_string(), None)
        }
        "import" => {
            let d = n.document.trim();
            if d.is_empty() || d.chars().count() > 200 {
                return Err(Error::invalid_field(
                    "document",
                    "请写明所依据的文件（200 字以内） (the document)",
                ));
            }
            ("import", d.to_string(), None)
        }
        _ => return Err(Error::invalid_field("basis", "请选择入账依据 (basis)")),
    };
    let entry = store::NewEntry {
        region_code: village.as_str().to_string(),
        key_group: group.as_str().to_string(),
        name_ct: keys.encrypt_str(LEDGER_NAME, n.name.trim()).map_err(pii)?,
        id_ct: keys.encrypt_str(LEDGER_ID, id.as_str()).map_err(pii)?,
        id_idx: keys.blind_indexer(ID_INDEX).index(id.as_str()).to_vec(),
        phone_ct: phone
            .as_ref()
            .map(|p| keys.encrypt_str(LEDGER_PHONE, p.as_str()))
            .transpose()
            .map_err(pii)?,
        phone_idx: phone
            .as_ref()
            .map(|p| keys.blind_indexer(PHONE_INDEX).index(p.as_str()).to_vec()),
        basis: basis.to_string(),
        basis_ref,
        score,
        entered_on: n.entered_on,
    };
    let mut tx = ctx.db.begin().await?;
    let out = store::add_entry(&mut tx, &caller.audit, &entry).await?;
    tx.commit().await?;
    Ok(match out {
        store::Added::Added(id) => AddOutcome::Added(id),
        store::Added::AlreadyIn { id, region_code } => {
            AddOutcome::AlreadyIn(may_read(caller, &region_code).is_ok().then_some(id))
        }
    })
}

/// Removes an entry (moved away or deceased).
pub async fn remove(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    reason_code: &str,
    on: Date,
) -> Result<()> {
    let e = entry_in_scope(ctx, caller, id).await?;
    may_write(caller, &e.region_code)?;
    let r = RemovalReason::parse(reason_code)
        .filter(|r| *r != RemovalReason::Expired)
        .ok_or_else(|| {
            Error::invalid_field(
                "reason",
                "移出原因应为 迁出 或 死亡 (moved away or deceased)",
            )
        })?;
    if on > ctx.today() {
        return Err(Error::invalid_field("on", "日期晚于今天 (in the future)"));
    }
    let mut tx = ctx.db.begin().await?;
    store::remove(&mut tx, &caller.audit, id, r.as_str(), on).await?;
    tx.commit().await?;
    Ok(())
}

/// Requests a move of an entry to another village (the receiving village accepts it).
pub async fn request_move(
    ctx: &Ctx,
    caller: &Caller,
    id: i64,
    to: &str,
    note: &str,
) -> Result<i64> {
    let e = entry_in_scope(ctx, caller, id).await?;
    may_write(caller, &e.region_code)?;
    let from = RegionCode::parse(&e.region_code).map_err(|e| Error::Internal(e.to_string()))?;
    let to = region(to)
        .map_err(|_| Error::invalid_field("to", "请填写 12 位村级代码 (a village code)"))?;
    check_move(&from, &to).map_err(|e| Error::invalid_field("to", e.to_string()))?;
    if kesu_store::regions::get(&ctx.db, to.as_str())
        .await?
        .is_none()
    {
        return Err(Error::invalid_field(
            "to",
            "没有这个村（社区） (unknown village)",
        ));
    }
    let note = note.trim();
    let mut tx = ctx.db.begin().await?;
    let mid = store::request_move(
        &mut tx,
        &caller.audit,
        id,
        to.as_str(),
        (!note.is_empty()).then_some(note),
    )
    .await?;
    tx.commit().await?;
    Ok(mid)
}

/// The side of `m` the caller writes for, if any: 403 for one who sees it without writing,
/// 404 for one who does not see it at all.
fn move_side(caller: &Caller, m: &store::Move) -> Result<MoveSide> {
    super::office(caller)?;
    let from = may_write(caller, &m.from_region).is_ok();
    let to = may_write(caller, &m.to_region).is_ok();
    match (from, to) {
        (true, true) => Ok(MoveSide::Both),
        (true, false) => Ok(MoveSide::From),
        (false, true) => Ok(MoveSide::To),
        (false, false) => Err(
            if may_read(caller, &m.from_region).is_ok() || may_read(caller, &m.to_region).is_ok() {
                Error::Forbidden
            } else {
                Error::NotFound
            },
        ),
    }
}

/// An open move as a page shows it to the caller: the buttons are those its side may use.
#[derive(Debug, Clone, Serialize)]
pub struct OpenMove {
    pub id: i64,
    pub entry_id: i64,
    pub from_region: String,
    pub to_region: String,
    pub requested_by: String,
    pub note: Option<String>,
    /// `(action, label)`: `accept`/`reject` for the receiving side, `cancel` for the requester.
    pub actions: Vec<(&'static str, &'static str)>,
}

fn open_move(caller: &Caller, m: store::Move) -> OpenMove {
    let actions = match (move_side(caller, &m), MoveState::parse(&m.state)) {
        (Ok(side), Some(state)) => state
            .actions(side)
            .into_iter()
            .map(|a| (a.as_str(), a.zh()))
            .collect(),
        _ => Vec::new(),
    };
    OpenMove {
        id: m.id,
        entry_id: m.entry_id,
        from_region: m.from_region,
        to_region: m.to_region,
        requested_by: m.requested_by,
        note: m.note,
        actions,
    }
}

/// Accepts, rejects or cancels a move (`accept`, `reject`, `cancel`). The receiving side
/// accepts or rejects, the requesting side cancels; an office covering both may do either.
pub async fn decide_move(ctx: &Ctx, caller: &Caller, move_id: i64, action: &str) -> Result<()> {
    super::office(caller)?;
    let m = store::move_by_id(&ctx.db, move_id)
        .await?
        .ok_or(Error::NotFound)?;
    let side = move_side(caller, &m)?;
    let action = MoveAction::parse(action).ok_or_else(|| {
        Error::invalid_field(
            "action",
            "操作应为 接收、拒绝 或 撤回 (accept, reject, cancel)",
        )
    })?;
    let state = MoveState::parse(&m.state).ok_or_else(|| Error::Internal("move state".into()))?;
    let next = state
        .apply(action, side)
        .map_err(|e| Error::Conflict(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    store::decide_move(&mut tx, &caller.audit, &m, next.as_str()).await?;
    tx.commit().await?;
    Ok(())
}

/// A resident not in the ledger (精准科普 target), masked: the office uploaded the list, so
/// the row number finds the person in its own file.
#[derive(Debug, Clone, Serialize)]
pub struct Unlisted {
    pub row: u32,
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize)]
pub enum ResidentCheck {
    Checked {
        residents: u32,
        in_ledger: u32,
        unlisted: Vec<Unlisted>,
    },
    Refused(Vec<RowError>),
}

/// Checks a village's resident list (姓名, 身份证号) against the ledger. The list is read in
/// memory and dropped: nothing of it is stored.
pub async fn unlisted_residents(
    ctx: &Ctx,
    caller: &Caller,
    keys: &KeyRing,
    region_code: &str,
    bytes: &[u8],
) -> Result<ResidentCheck> {
    region(region_code)?;
    may_write(caller, region_code)?;
    let today = ctx.today();
    let indexer = keys.blind_indexer(ID_INDEX);
    let mut columns: Option<Columns> = None;
    let mut header_error = None;
    let mut errors = Vec::new();
    let mut people: Vec<(u32, String, String, Vec<u8>)> = Vec::new();
    let wanted: [(&[&str], bool); 2] = [
        (&["姓名"], true),
        (&["身份证号", "身份证号码", "公民身份号码"], true),
    ];
    table::each_row(bytes, Limits::LEDGER, |row, cells| {
        let Some(cols) = &columns else {
            match Columns::locate(cells, &wanted) {
                Ok(c) => columns = Some(c),
                Err(e) => {
                    header_error = Some(e);
                    return false;
                }
            }
            return true;
        };
        match IdNumber::parse(cols.get(cells, 1), today) {
            Ok(id) => people.push((
                row,
                kesu_pii::mask::name(cols.get(cells, 0)),
                id.masked(),
                indexer.index(id.as_str()).to_vec(),
            )),
            Err(e) => errors.push(RowError::new(row, "身份证号", e.to_string())),
        }
        true
    })
    .map_err(|e| Error::invalid(e.to_string()))?;
    if let Some(e) = header_error {
        return Err(Error::invalid(e.to_string()));
    }
    if !errors.is_empty() {
        return Ok(ResidentCheck::Refused(errors));
    }
    let indexes: Vec<Vec<u8>> = people.iter().map(|p| p.3.clone()).collect();
    let found = store::active_among(&ctx.db, &indexes).await?;
    let unlisted: Vec<Unlisted> = people
        .iter()
        .filter(|p| !found.contains(&p.3))
        .map(|p| Unlisted {
            row: p.0,
            name: p.1.clone(),
            id_number: p.2.clone(),
        })
        .collect();
    Ok(ResidentCheck::Checked {
        residents: people.len() as u32,
        in_ledger: (people.len() - unlisted.len()) as u32,
        unlisted,
    })
}

/// Grants (`grant`) or revokes (`revoke`) the reveal permission of an account in the caller's
/// region.
pub async fn set_reveal_permission(
    ctx: &Ctx,
    caller: &Caller,
    username: &str,
    action: &str,
) -> Result<()> {
    super::office(caller)?;
    let user = kesu_store::accounts::user_by_name(&ctx.db, username)
        .await?
        .ok_or(Error::NotFound)?;
    may_write(caller, &user.region_code)?;
    match action {
        "grant" => store::grant(&ctx.db, &caller.audit, user.id, store::REVEAL).await?,
        "revoke" => store::revoke(&ctx.db, &caller.audit, user.id, store::REVEAL).await?,
        _ => {
            return Err(Error::invalid_field(
                "action",
                "操作应为 授予 或 收回 (grant or revoke)",
            ));
        }
    }
    Ok(())
}

/// What applying the retention rules did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Retained {
    /// Entries whose basis is older than its validity: removed as expired.
    pub expired: u64,
    /// Removed entries kept past their period: deleted with their personal data.
    pub purged: u64,
}

/// Applies the retention rules of each basis (`BasisKind::retention`): a scheduled job for the
/// operator (`kesu ledger purge`).
pub async fn apply_retention(ctx: &Ctx, caller: &Caller) -> Result<Retained> {
    if caller.principal != crate::Principal::Operator {
        return Err(Error::Forbidden);
    }
    let today = ctx.today();
    let mut out = Retained::default();
    let mut tx = ctx.db.begin().await?;
    for kind in [BasisKind::Test, BasisKind::Survey, BasisKind::Import] {
        let r = kind.retention();
        out.expired += store::expire(
            &mut tx,
            &caller.audit,
            kind.as_str(),
            add_years(today, -r.valid_years),
            today,
        )
        .await?;
        out.purged += store::purge_removed(
            &mut tx,
            &caller.audit,
            kind.as_str(),
            add_years(today, -r.keep_after_end_years),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}
