//! The resource catalogue (科普资源名录): bases and venues, experts, works, mobile facilities;
//! and the science bases' certification (科普基地认定) with its yearly reviews.
//!
//! A base is certified at a level (国家/省/市/县) in a batch and is valid until a date (CAST's
//! national bases run in five-year batches; provinces copy it). Each year it files a
//! self-report, experts score it, and a result is recorded; a base that fails a review drops
//! out on the day the result is recorded. Nothing is deleted: the catalogue shows what a base
//! was, from when to when.

use crate::error::{Result, ServicesError, optional_text, required_text};
use kesu_core::RegionCode;
use serde::{Deserialize, Serialize};
use time::Date;

/// What a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// 基地/场馆: a place citizens visit (科普教育基地, 科技馆, 博物馆 …). Only these have
    /// visit slots and certification.
    Base,
    /// 专家: a speaker or adviser offices can ask for.
    Expert,
    /// 作品: a book, video, exhibit or course.
    Work,
    /// 大篷车/流动设施: a 科普大篷车 or 流动科技馆 that tours townships.
    Mobile,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::Base,
        ResourceKind::Expert,
        ResourceKind::Work,
        ResourceKind::Mobile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Base => "base",
            ResourceKind::Expert => "expert",
            ResourceKind::Work => "work",
            ResourceKind::Mobile => "mobile",
        }
    }

    pub fn parse(s: &str) -> Result<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.zh() == s)
            .ok_or_else(|| {
                ServicesError::invalid(
                    "kind",
                    format!("资源类别“{s}”无效，应为 base、expert、work 或 mobile (unknown kind)"),
                )
            })
    }

    pub fn zh(self) -> &'static str {
        match self {
            ResourceKind::Base => "基地/场馆",
            ResourceKind::Expert => "专家",
            ResourceKind::Work => "作品",
            ResourceKind::Mobile => "流动设施",
        }
    }

    /// Whether citizens book visits to it.
    pub fn has_slots(self) -> bool {
        matches!(self, ResourceKind::Base | ResourceKind::Mobile)
    }
}

/// A new or edited catalogue entry, as the office types it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceInput {
    pub kind: String,
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub address: String,
    /// 重点人群 served (青少年, 农民 …), comma separated.
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub description: String,
    /// The owner unit (管理单位), when it is one of the region's registered units.
    #[serde(default)]
    pub owner_unit_id: Option<i64>,
}

/// A catalogue entry that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
    pub region: RegionCode,
    pub address: String,
    pub groups: Vec<KeyGroup>,
    pub description: String,
    pub owner_unit_id: Option<i64>,
}

/// The five key groups of the 纲要 (重点人群), plus the general public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyGroup {
    Youth,
    Farmers,
    Workers,
    Elderly,
    Officials,
    Public,
}

impl KeyGroup {
    pub const ALL: [KeyGroup; 6] = [
        KeyGroup::Youth,
        KeyGroup::Farmers,
        KeyGroup::Workers,
        KeyGroup::Elderly,
        KeyGroup::Officials,
        KeyGroup::Public,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            KeyGroup::Youth => "青少年",
            KeyGroup::Farmers => "农民",
            KeyGroup::Workers => "产业工人",
            KeyGroup::Elderly => "老年人",
            KeyGroup::Officials => "领导干部和公务员",
            KeyGroup::Public => "社会公众",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyGroup::Youth => "youth",
            KeyGroup::Farmers => "farmers",
            KeyGroup::Workers => "workers",
            KeyGroup::Elderly => "elderly",
            KeyGroup::Officials => "officials",
            KeyGroup::Public => "public",
        }
    }

    /// By machine name or Chinese name (城市劳动者 counts as 产业工人, 公务员 as officials).
    pub fn parse(s: &str) -> Result<KeyGroup> {
        let s = s.trim();
        KeyGroup::ALL
            .into_iter()
            .find(|g| g.as_str() == s || g.zh() == s)
            .or(match s {
                "城市劳动者" => Some(KeyGroup::Workers),
                "公务员" | "领导干部" => Some(KeyGroup::Officials),
                "公众" | "市民" => Some(KeyGroup::Public),
                _ => None,
            })
            .ok_or_else(|| {
                ServicesError::invalid("groups", format!("重点人群“{s}”无法识别 (unknown group)"))
            })
    }

    /// A comma- (or 、-) separated list, without repeats.
    pub fn parse_list(s: &str) -> Result<Vec<KeyGroup>> {
        let mut out = Vec::new();
        for part in s.split([',', '，', '、', ';', '；']) {
            if part.trim().is_empty() {
                continue;
            }
            let g = KeyGroup::parse(part)?;
            if !out.contains(&g) {
                out.push(g);
            }
        }
        Ok(out)
    }

    pub fn join(groups: &[KeyGroup]) -> String {
        groups
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl ResourceInput {
    /// Check every field; the first problem is named.
    pub fn validate(&self) -> Result<Resource> {
        let kind = ResourceKind::parse(self.kind.trim())?;
        let name = required_text("name", "名称", &self.name, 100)?;
        let region = RegionCode::parse(self.region.trim()).map_err(|e| {
            ServicesError::invalid("region", format!("区划代码无效：{e} (bad region code)"))
        })?;
        Ok(Resource {
            kind,
            name,
            region,
            address: optional_text("address", "地址", &self.address, 200)?,
            groups: KeyGroup::parse_list(&self.groups)?,
            description: optional_text("description", "简介", &self.description, 4000)?,
            owner_unit_id: self.owner_unit_id,
        })
    }
}

/// The level of a certified science base (科普教育基地).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseLevel {
    National,
    Provincial,
    City,
    County,
}

impl BaseLevel {
    pub const ALL: [BaseLevel; 4] = [
        BaseLevel::National,
        BaseLevel::Provincial,
        BaseLevel::City,
        BaseLevel::County,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BaseLevel::National => "national",
            BaseLevel::Provincial => "provincial",
            BaseLevel::City => "city",
            BaseLevel::County => "county",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            BaseLevel::National => "国家级",
            BaseLevel::Provincial => "省级",
            BaseLevel::City => "市级",
            BaseLevel::County => "县级",
        }
    }

    pub fn parse(s: &str) -> Result<BaseLevel> {
        let s = s.trim();
        BaseLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s || l.zh() == s || l.zh().trim_end_matches('级') == s)
            .ok_or_else(|| {
                ServicesError::invalid(
                    "level",
                    format!("基地级别“{s}”无效，应为 国家/省/市/县 (unknown level)"),
                )
            })
    }
}

/// A base's certification: level, batch and the last day it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certification {
    pub level: BaseLevel,
    /// 批次, as the notice names it ("2021—2025年第一批").
    pub batch: String,
    pub certified_on: Date,
    pub valid_until: Date,
}

impl Certification {
    pub fn new(
        level: BaseLevel,
        batch: &str,
        certified_on: Date,
        valid_until: Date,
    ) -> Result<Self> {
        let batch = required_text("batch", "批次", batch, 60)?;
        if valid_until < certified_on {
            return Err(ServicesError::invalid(
                "valid_until",
                "有效期截止日不能早于认定日期 (valid-until before certification)",
            ));
        }
        Ok(Certification {
            level,
            batch,
            certified_on,
            valid_until,
        })
    }
}

/// The outcome of a yearly review (年度复核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewResult {
    /// 合格
    Pass,
    /// 限期整改: stays certified, reviewed again.
    Improve,
    /// 不合格: drops out on the day the result is recorded.
    Fail,
}

impl ReviewResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewResult::Pass => "pass",
            ReviewResult::Improve => "improve",
            ReviewResult::Fail => "fail",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ReviewResult::Pass => "合格",
            ReviewResult::Improve => "限期整改",
            ReviewResult::Fail => "不合格",
        }
    }

    pub fn parse(s: &str) -> Result<ReviewResult> {
        [
            ReviewResult::Pass,
            ReviewResult::Improve,
            ReviewResult::Fail,
        ]
        .into_iter()
        .find(|r| r.as_str() == s.trim() || r.zh() == s.trim())
        .ok_or_else(|| {
            ServicesError::invalid("result", format!("复核结果“{s}”无效 (unknown result)"))
        })
    }
}

/// One year's review of a base: the base's self-report, the experts' score and the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub year: i32,
    pub self_report: String,
    /// 0–100.
    pub expert_score: Option<f64>,
    pub result: Option<ReviewResult>,
    /// The day the result was recorded.
    pub decided_on: Option<Date>,
}

impl Review {
    /// Check a review as entered: a result needs a score and a day; a score is 0–100.
    pub fn validate(&self) -> Result<()> {
        optional_text("self_report", "自评报告", &self.self_report, 8000)?;
        if let Some(s) = self.expert_score
            && !(0.0..=100.0).contains(&s)
        {
            return Err(ServicesError::invalid(
                "expert_score",
                "专家评分应在 0 到 100 之间 (score out of range)",
            ));
        }
        if self.result.is_some() && (self.expert_score.is_none() || self.decided_on.is_none()) {
            return Err(ServicesError::invalid(
                "result",
                "记录复核结果前需有专家评分和结论日期 (a result needs a score and a date)",
            ));
        }
        Ok(())
    }
}

/// Where a base stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BaseStatus {
    /// Not (yet) certified: an ordinary venue.
    Uncertified,
    /// Certified and in force.
    Active { level: BaseLevel, until: Date },
    /// The certification ran out on `on` (the day after valid-until).
    Expired { on: Date },
    /// A failed review of `year` ended it on `on`.
    DroppedOut { year: i32, on: Date },
}

impl BaseStatus {
    pub fn is_active(self) -> bool {
        matches!(self, BaseStatus::Active { .. })
    }

    pub fn zh(self) -> String {
        match self {
            BaseStatus::Uncertified => "未认定".into(),
            BaseStatus::Active { level, until } => {
                format!("{}科普基地（有效期至 {until}）", level.zh())
            }
            BaseStatus::Expired { on } => format!("认定已于 {on} 到期"),
            BaseStatus::DroppedOut { year, on } => format!("{year} 年度复核不合格，{on} 起退出"),
        }
    }
}

/// A base's status on `day` from its latest certification and its reviews.
pub fn base_status(cert: Option<&Certification>, reviews: &[Review], day: Date) -> BaseStatus {
    let Some(c) = cert else {
        return BaseStatus::Uncertified;
    };
    if day < c.certified_on {
        return BaseStatus::Uncertified;
    }
    // The earliest failed review decided on or before `day`, after this certification.
    let failed = reviews
        .iter()
        .filter(|r| r.result == Some(ReviewResult::Fail))
        .filter_map(|r| r.decided_on.map(|d| (d, r.year)))
        .filter(|(d, _)| *d >= c.certified_on && *d <= day)
        .min();
    if let Some((on, year)) = failed {
        return BaseStatus::DroppedOut { year, on };
    }
    if day > c.valid_until {
        return BaseStatus::Expired {
            on: c.valid_until.next_day().unwrap_or(c.valid_until),
        };
    }
    BaseStatus::Active {
        level: c.level,
        until: c.valid_until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cert() -> Certification {
        Certification::new(
            BaseLevel::City,
            "2021—2025年第一批",
            date!(2021 - 06 - 01),
            date!(2025 - 12 - 31),
        )
        .unwrap()
    }

    fn review(year: i32, result: ReviewResult, on: Date) -> Review {
        Review {
            year,
            self_report: "自评".into(),
            expert_score: Some(60.0),
            result: Some(result),
            decided_on: Some(on),
        }
    }

    #[test]
    fn a_certified_base_is_active_until_its_valid_until_day() {
        let s = base_status(Some(&cert()), &[], date!(2025 - 12 - 31));
        assert!(s.is_active());
        let s = base_status(Some(&cert()), &[], date!(2026 - 01 - 01));
        assert_eq!(
            s,
            BaseStatus::Expired {
                on: date!(2026 - 01 - 01)
            }
        );
    }

    #[test]
    fn a_failed_review_drops_the_base_out_from_the_day_it_is_recorded() {
        let reviews = [
            review(2022, ReviewResult::Pass, date!(2023 - 03 - 01)),
            review(2023, ReviewResult::Fail, date!(2024 - 03 - 15)),
        ];
        assert!(base_status(Some(&cert()), &reviews, date!(2024 - 03 - 14)).is_active());
        assert_eq!(
            base_status(Some(&cert()), &reviews, date!(2024 - 03 - 15)),
            BaseStatus::DroppedOut {
                year: 2023,
                on: date!(2024 - 03 - 15)
            }
        );
    }

    #[test]
    fn improvement_keeps_the_base_certified() {
        let reviews = [review(2023, ReviewResult::Improve, date!(2024 - 03 - 15))];
        assert!(base_status(Some(&cert()), &reviews, date!(2024 - 06 - 01)).is_active());
    }

    #[test]
    fn a_result_without_score_is_refused() {
        let r = Review {
            year: 2023,
            self_report: String::new(),
            expert_score: None,
            result: Some(ReviewResult::Pass),
            decided_on: Some(date!(2024 - 01 - 01)),
        };
        assert!(r.validate().is_err());
    }

    #[test]
    fn a_resource_names_the_bad_field() {
        let mut i = ResourceInput {
            kind: "base".into(),
            name: "娄底市科技馆".into(),
            region: "431302".into(),
            groups: "青少年、老年人".into(),
            ..Default::default()
        };
        let r = i.validate().unwrap();
        assert_eq!(r.groups, vec![KeyGroup::Youth, KeyGroup::Elderly]);
        i.region = "43x".into();
        assert!(matches!(
            i.validate(),
            Err(ServicesError::Invalid {
                field: "region",
                ..
            })
        ));
        i.region = "431302".into();
        i.kind = "museum".into();
        assert!(matches!(
            i.validate(),
            Err(ServicesError::Invalid { field: "kind", .. })
        ));
    }
}
