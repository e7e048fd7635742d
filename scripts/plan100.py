#!/usr/bin/env python3
"""A synthetic plan of 100 A4 pages (as LibreOffice prints it): sixteen parts of ten actions of ten
numbered measures with their units and targets, 1 600 tasks, 155 000 characters; the same as
the divan benchmark's `hundred_pages`. Usage: plan100.py OUT.txt"""
import sys
cn = "一二三四五六七八九十"
out = ["某某市全民科学素质行动规划纲要实施方案（2021—2025年）", "一、总体要求", "（一）指导思想",
       "以习近平新时代中国特色社会主义思想为指导。", "（二）主要目标", "到2025年，全市公民具备科学素质的比例超过15%。"]
parts = list(cn[1:]) + ["十" + c for c in cn[:7]]
for p, part in enumerate(parts):
    out.append(f"{part}、重点任务第{p + 2}部分")
    for a, action in enumerate(cn):
        out.append(f"（{action}）实施第{a + 1}项提升行动")
        for m in range(1, 11):
            out.append(f"{m}.推进科学教育改革与科普服务。深化科学教育改革，推动科普资源进校园、进社区、进农村，"
                       f"每年开展科普活动{m}0场次以上，培训科技辅导员{m}00人次。（牵头单位：市科协；配合单位：市教育局、市科技局、团市委）")
out += ["十八、保障措施", "（一）加强组织领导。市全民科学素质工作领导小组统筹协调。"]
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out) + "\n")
