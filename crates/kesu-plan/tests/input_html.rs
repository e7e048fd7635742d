//! Saved web pages: the text of the page, whatever its encoding, with its tables.

use kesu_plan::Block;
use kesu_plan::input::decode;

#[test]
fn a_gbk_web_page_reads_as_its_paragraphs_and_table() {
    let page = "<!DOCTYPE html><html><head><meta charset=\"gb2312\"><title>某市人民政府</title>\
        <style>p { margin: 0 }</style></head><body>\
        <div class=\"nav\">首页 &gt; 政策文件</div>\
        <div class=\"content\"><p>一、重点任务</p>\
        <table border=\"1\"><tr><td>序号</td><td>任务</td><td>牵头单位</td></tr>\
        <tr><td>1</td><td>开展科普讲座不少于10场次</td><td>市科协</td></tr></table>\
        <p>二、保障措施</p></div></body></html>";
    let (gbk, _, _) = encoding_rs::GB18030.encode(page);
    let doc = decode(&gbk, "plan.html").unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            Block::Paragraph("首页 > 政策文件".into()),
            Block::Paragraph("一、重点任务".into()),
            Block::Table(vec![
                vec!["序号".into(), "任务".into(), "牵头单位".into()],
                vec![
                    "1".into(),
                    "开展科普讲座不少于10场次".into(),
                    "市科协".into()
                ],
            ]),
            Block::Paragraph("二、保障措施".into()),
        ]
    );
}

#[test]
fn a_web_page_saved_as_doc_is_read_as_a_web_page() {
    let page = "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body>\
        <p class=MsoNormal>一、总体要求<o:p></o:p></p></body></html>";
    let doc = decode(page.as_bytes(), "plan.doc").unwrap();
    assert_eq!(doc.blocks, vec![Block::Paragraph("一、总体要求".into())]);
}
