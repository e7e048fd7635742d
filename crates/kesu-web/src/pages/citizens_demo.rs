//! The demo's citizens' data: a small question bank (real 科学素质 items) and a published test
//! for the first plan's region, open for a month from today, so the public test can be taken
//! at `/quiz` right away.

use crate::error::AppError;
use kesu_app::citizens::quiz;
use kesu_citizens::bank::Dimension;
use kesu_citizens::blueprint::{Blueprint, Part, Weights};
use time::{Date, Duration};

/// (题号, 题干, options, 答案, 题型, 基准, 维度, 难度)
type Item = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    u8,
    &'static str,
    u8,
);

/// The demo bank. Answers are right: the browser test answers from this table.
pub const BANK: &[Item] = &[
    (
        "K01",
        "光年是什么的单位？",
        &["时间", "长度（距离）", "速度", "亮度"],
        "B",
        "单选",
        5,
        "知识",
        1,
    ),
    (
        "K02",
        "地球自转一周大约需要多长时间？",
        &["一天", "一个月", "一年", "一小时"],
        "A",
        "单选",
        5,
        "知识",
        1,
    ),
    (
        "K03",
        "下列哪种气体是植物光合作用的原料？",
        &["氧气", "氮气", "二氧化碳", "氢气"],
        "C",
        "单选",
        7,
        "知识",
        2,
    ),
    (
        "K04",
        "抗生素对病毒引起的感冒有效。",
        &[],
        "错",
        "判断",
        9,
        "知识",
        2,
    ),
    (
        "K05",
        "下列哪些属于可再生能源？",
        &["太阳能", "风能", "煤炭", "石油"],
        "AB",
        "多选",
        12,
        "知识",
        3,
    ),
    (
        "K06",
        "声音在下列哪种介质中不能传播？",
        &["空气", "水", "钢铁", "真空"],
        "D",
        "单选",
        5,
        "知识",
        2,
    ),
    (
        "K07",
        "人体最大的器官是皮肤。",
        &[],
        "对",
        "判断",
        9,
        "知识",
        3,
    ),
    (
        "K08",
        "水在标准大气压下的沸点是多少摄氏度？",
        &["90", "100", "110", "120"],
        "B",
        "单选",
        5,
        "知识",
        1,
    ),
    (
        "K09",
        "地球上的季节变化主要是因为地轴倾斜。",
        &[],
        "对",
        "判断",
        5,
        "知识",
        3,
    ),
    (
        "K10",
        "下列哪些做法有助于预防传染病？",
        &["勤洗手", "接种疫苗", "随地吐痰", "开窗通风"],
        "ABD",
        "多选",
        9,
        "知识",
        2,
    ),
    (
        "M01",
        "为了检验一种新肥料是否有效，最合理的做法是：",
        &[
            "只给一块地施肥看长势",
            "设对照组，其他条件相同，比较施肥与不施肥",
            "问邻居的看法",
            "查看肥料广告",
        ],
        "B",
        "单选",
        2,
        "方法",
        2,
    ),
    (
        "M02",
        "科学研究中，一次实验的结果就足以证明一个结论。",
        &[],
        "错",
        "判断",
        2,
        "方法",
        2,
    ),
    (
        "M03",
        "“某保健品声称能治愈癌症”，判断这种说法应首先看：",
        &[
            "包装是否精美",
            "是否有可靠的临床试验证据",
            "价格高低",
            "代言人是谁",
        ],
        "B",
        "单选",
        3,
        "方法",
        3,
    ),
    (
        "M04",
        "下列哪些属于科学方法？",
        &["观察", "实验", "求签问卜", "提出假设并检验"],
        "ABD",
        "多选",
        2,
        "方法",
        3,
    ),
    (
        "S01",
        "科学结论可以随着新证据的出现而修正。",
        &[],
        "对",
        "判断",
        1,
        "精神与思想",
        2,
    ),
    (
        "S02",
        "对待“伪科学”宣传，正确的态度是：",
        &[
            "相信，因为很多人都信",
            "依据证据理性判断",
            "不闻不问",
            "转发给亲友",
        ],
        "B",
        "单选",
        1,
        "精神与思想",
        2,
    ),
    (
        "S03",
        "科学研究应当遵守伦理规范。",
        &[],
        "对",
        "判断",
        4,
        "精神与思想",
        1,
    ),
    (
        "S04",
        "下列说法体现科学精神的是：",
        &[
            "尊重事实、大胆质疑",
            "迷信权威",
            "只看结论不看证据",
            "以讹传讹",
        ],
        "A",
        "单选",
        1,
        "精神与思想",
        2,
    ),
    (
        "A01",
        "家中燃气泄漏时，首先应该：",
        &["开灯查看", "关闭气源、开窗通风", "打电话", "点火检查"],
        "B",
        "单选",
        20,
        "应用",
        1,
    ),
    (
        "A02",
        "发生地震时，在室内较安全的做法是：",
        &["乘电梯逃生", "躲到坚固的桌子下或墙角", "跳楼", "站在窗边"],
        "B",
        "单选",
        20,
        "应用",
        1,
    ),
    (
        "A03",
        "为减少农药残留，蔬菜食用前应充分浸泡清洗。",
        &[],
        "对",
        "判断",
        18,
        "应用",
        1,
    ),
    (
        "A04",
        "下列哪些是合理的节约用电做法？",
        &[
            "随手关灯",
            "电器长期待机",
            "选用节能电器",
            "空调夏季温度调得很低",
        ],
        "AC",
        "多选",
        19,
        "应用",
        2,
    ),
];

/// Stores the demo bank and a test for `region` open from `today` for 30 days. Returns the
/// test's id.
pub async fn seed(db: &kesu_store::Db, region: &str, today: Date) -> Result<i64, AppError> {
    let ctx = kesu_app::Ctx::new(db.clone());
    let mut caller = kesu_app::Caller::operator();
    caller.audit = kesu_store::Actor::system();
    let bytes = bank_csv();
    let bank_id = match quiz::import_bank(
        &ctx,
        &caller,
        region,
        "演示题库（公民科学素质基准）",
        bytes.as_bytes(),
    )
    .await?
    {
        quiz::BankImport::Stored { bank_id, .. } => bank_id,
        quiz::BankImport::Refused(rows) => {
            return Err(AppError::Internal(format!(
                "demo bank: {}",
                kesu_citizens::RowError::summary(&rows)
            )));
        }
    };
    let part = |dimension, count| Part {
        dimension,
        benchmark: None,
        count,
    };
    Ok(quiz::publish(
        &ctx,
        &caller,
        quiz::NewTest {
            region_code: region.to_string(),
            bank_id,
            title: "全民科学素质网络知识竞赛（演示）".into(),
            purpose: "用于本次竞赛的成绩统计、证书发放和所在村（社区）具备科学素质公民台账的更新"
                .into(),
            opens_on: today,
            closes_on: today + Duration::days(30),
            blueprint: Blueprint {
                parts: vec![
                    part(Dimension::Knowledge, 6),
                    part(Dimension::Method, 2),
                    part(Dimension::Spirit, 2),
                    part(Dimension::Application, 2),
                ],
                time_limit_minutes: 20,
                pass_mark: 70.0,
                weights: Weights::default(),
            },
        },
    )
    .await?)
}

/// The bank as the CSV an office would upload (same columns as the .xlsx).
pub fn bank_csv() -> String {
    let mut s = String::from("题号,题干,选项A,选项B,选项C,选项D,选项E,答案,题型,基准,维度,难度\n");
    for (n, stem, opts, ans, kind, bench, dim, diff) in BANK {
        let mut o: Vec<&str> = opts.to_vec();
        o.resize(5, "");
        s.push_str(&format!(
            "{n},{stem},{},{ans},{kind},{bench},{dim},{diff}\n",
            o.join(",")
        ));
    }
    s
}
