//! `kesu user`: accounts of the web platform.

use super::GlobalOpts;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kesu_core::authz::Role;
use kesu_core::region::RegionCode;
use std::io::Read;

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// 新增账户，密码从标准输入读取 (add an account; password from stdin)
    Add(AddArgs),
    /// 列出账户 (list accounts)
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// 用户名 (user name)
    pub name: String,
    /// 角色：admin 管理员 / reviewer 审核人 / reporter 填报人 / viewer 查看人
    #[arg(long)]
    pub role: String,
    /// 填报人所属单位（名称或编号）(the reporter's unit, by name or id)
    #[arg(long)]
    pub unit: Option<String>,
    /// 账户所属行政区划代码；填报人默认取其单位所在区划 (region code)
    #[arg(long)]
    pub region: Option<String>,
    /// 显示名称 (display name; defaults to the user name)
    #[arg(long)]
    pub display_name: Option<String>,
    /// 从标准输入读取密码（必需）(read the password from stdin)
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// 区划代码：只列出该区划及下级的账户 (region subtree)
    #[arg(long, default_value = "")]
    pub region: String,
    #[arg(long, value_enum, default_value_t = super::plan::ListFormat::Table)]
    pub format: super::plan::ListFormat,
}

pub fn run(g: &GlobalOpts, c: UserCmd) -> anyhow::Result<()> {
    match c {
        UserCmd::Add(a) => add(g, a),
        UserCmd::List(a) => list(g, a),
    }
}

fn add(g: &GlobalOpts, a: AddArgs) -> anyhow::Result<()> {
    let Some(role) = Role::parse(&a.role) else {
        bail!(
            "未知角色“{}”：应为 admin、reviewer、reporter 或 viewer (unknown role)",
            a.role
        );
    };
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("无法读取标准输入 (cannot read stdin)")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 8 {
        bail!("密码至少 8 位 (password must have at least 8 characters)");
    }
    let hash = kesu_web::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    super::db::with_db(g, |db| async move {
        let unit = match &a.unit {
            Some(u) => Some(kesu_store::units::resolve(&db, u).await?),
            None => None,
        };
        if role == Role::Reporter && unit.is_none() {
            bail!("填报人必须指定 --unit (a reporter needs --unit)");
        }
        let region = match (&a.region, &unit) {
            (Some(r), _) => RegionCode::parse(r)?,
            (None, Some(u)) => RegionCode::parse(&u.region_code)?,
            (None, None) => bail!("请用 --region 指定账户所属区划 (--region is needed)"),
        };
        let new = kesu_store::accounts::NewUser {
            username: a.name.clone(),
            display_name: a.display_name.clone().unwrap_or_else(|| a.name.clone()),
            role,
            region,
            unit_id: unit.as_ref().map(|u| u.id),
            password_hash: hash,
        };
        let id = kesu_store::accounts::add_user(&db, &new, &kesu_store::Actor::cli()).await?;
        eprintln!("已新增账户 {}（{}，编号 {id}）", a.name, role.zh());
        Ok(())
    })
}

fn list(g: &GlobalOpts, a: ListArgs) -> anyhow::Result<()> {
    super::db::with_db(g, |db| async move {
        let users = kesu_store::accounts::users_in(&db, &a.region).await?;
        match a.format {
            super::plan::ListFormat::Json => super::db::print_json(&users),
            super::plan::ListFormat::Table => {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.id.to_string(),
                            u.username.clone(),
                            u.display_name.clone(),
                            Role::parse(&u.role)
                                .map(|r| r.zh().to_string())
                                .unwrap_or(u.role.clone()),
                            u.region_code.clone(),
                            u.unit_id.map(|x| x.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect();
                super::db::print_table(&["编号", "用户名", "名称", "角色", "区划", "单位"], &rows)
            }
        }
    })
}
