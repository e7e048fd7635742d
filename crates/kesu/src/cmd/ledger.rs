//! `kesu ledger …`: the ledger of citizens with scientific literacy, for bulk work and scripts.

use super::GlobalOpts;
use super::db::{print_json, print_table, url};
use super::plan::ListFormat;
use anyhow::Context;
use clap::{Args, Subcommand};
use kesu_app::citizens::{import, ledger, person};
use kesu_app::{Caller, Ctx};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// 导入村（社区）台账 .xlsx/.csv（姓名、身份证号、手机号、村(社区)代码、人群、依据、日期；全部成功或全不导入）
    Import(ImportArgs),
    /// 台账人数：某区划及其下级 (count entries)
    Count(CountArgs),
    /// 授予或收回查看完整个人信息的权限 (grant or revoke the reveal permission)
    Grant(GrantArgs),
    /// 导出某人的全部个人信息（本人申请） (export one person's data)
    ExportPerson(PersonArgs),
    /// 删除某人的个人信息（本人申请） (delete one person's data)
    ErasePerson(PersonArgs),
    /// 按保存期限处理：依据过期的条目移出，移出已满保存期的条目删除（定时任务） (apply retention)
    Purge,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CountArgs {
    /// 区划代码 (region code)
    #[arg(long)]
    pub region: String,
    /// 分组：group（按重点人群）
    #[arg(long, value_parser = ["group"])]
    pub by: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// 账户名 (username)
    #[arg(long)]
    pub user: String,
    /// 收回权限 (revoke)
    #[arg(long)]
    pub revoke: bool,
}

#[derive(Debug, Args)]
pub struct PersonArgs {
    #[arg(long, default_value = "")]
    pub id_number: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    /// 原因（记入审计日志） (reason, audited)
    #[arg(long)]
    pub reason: String,
}

pub fn run(g: &GlobalOpts, cmd: LedgerCmd) -> anyhow::Result<()> {
    match cmd {
        LedgerCmd::Import(a) => run_import(g, a),
        LedgerCmd::Count(a) => count(g, a),
        LedgerCmd::Grant(a) => with_ctx(g, |ctx| async move {
            let action = if a.revoke { "revoke" } else { "grant" };
            ledger::set_reveal_permission(&ctx, &Caller::operator(), &a.user, action).await?;
            eprintln!(
                "{} {}",
                if a.revoke {
                    "已收回 (revoked)"
                } else {
                    "已授予 (granted)"
                },
                a.user
            );
            Ok(())
        }),
        LedgerCmd::Purge => with_ctx(g, |ctx| async move {
            let r = ledger::apply_retention(&ctx, &Caller::operator()).await?;
            eprintln!(
                "已到期移出 {} 条，已删除 {} 条 (expired, purged)",
                r.expired, r.purged
            );
            print_json(&r)
        }),
        LedgerCmd::ExportPerson(a) => {
            let keys = super::keys::load(g)?;
            with_ctx(g, |ctx| async move {
                let out = person::export(
                    &ctx,
                    &Caller::operator(),
                    &keys,
                    &a.id_number,
                    &a.phone,
                    &a.reason,
                )
                .await?;
                print_json(&out)
            })
        }
        LedgerCmd::ErasePerson(a) => {
            let keys = super::keys::load(g)?;
            with_ctx(g, |ctx| async move {
                let out = person::erase(
                    &ctx,
                    &Caller::operator(),
                    &keys,
                    &a.id_number,
                    &a.phone,
                    &a.reason,
                )
                .await?;
                print_json(&out)
            })
        }
    }
}

/// Open the database, run `f` with a use-case context, close.
pub(crate) fn with_ctx<F, Fut, T>(g: &GlobalOpts, f: F) -> anyhow::Result<T>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    super::db::with_db(g, |db| f(Ctx::new(db)))
}

fn run_import(g: &GlobalOpts, a: ImportArgs) -> anyhow::Result<()> {
    let keys = super::keys::load(g)?;
    let bytes = std::fs::read(&a.file).with_context(|| format!("无法读取 {}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let rt = super::db::runtime()?;
    let outcome = rt.block_on(async {
        let db = kesu_store::Db::open(&url(g)).await?;
        let r = import::import(
            &Ctx::new(db.clone()),
            &Caller::operator(),
            keys,
            &name,
            bytes,
        )
        .await;
        db.close().await;
        anyhow::Ok(r?)
    })?;
    match outcome {
        import::ImportOutcome::Imported(r) => {
            for a in &r.already {
                match a.same_as_row {
                    Some(first) => eprintln!(
                        "{name} 第 {} 行：与第 {first} 行是同一人，未重复导入 (same person as an earlier row)",
                        a.row
                    ),
                    None => eprintln!(
                        "{name} 第 {} 行：此人已在台账中，未重复导入 (already in the ledger)",
                        a.row
                    ),
                }
            }
            eprintln!(
                "已导入 {} 人，{} 行已在台账中 (added, already in the ledger)",
                r.added,
                r.already.len()
            );
            print_json(&r)
        }
        import::ImportOutcome::Refused(errors) => {
            for e in &errors {
                eprintln!("{name} {e}");
            }
            Err(anyhow::Error::new(kesu_store::StoreError::Invalid(
                format!(
                    "{name}：{} 处错误，未导入任何数据 (errors; nothing imported)",
                    errors.len()
                ),
            )))
        }
    }
}

fn count(g: &GlobalOpts, a: CountArgs) -> anyhow::Result<()> {
    with_ctx(g, |ctx| async move {
        let c = ledger::count(&ctx, &Caller::operator(), &a.region, a.by.is_some()).await?;
        match a.format {
            ListFormat::Json => print_json(&c),
            ListFormat::Table => {
                let mut rows = vec![vec!["合计".to_string(), c.count.to_string()]];
                for (g, n) in c.by.iter().flatten() {
                    rows.push(vec![g.clone(), n.to_string()]);
                }
                print_table(&["人群", "人数"], &rows)
            }
        }
    })
}
