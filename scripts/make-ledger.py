#!/usr/bin/env python3
"""Writes a ledger import file (CSV) of N synthetic people with valid 身份证号 (GB 11643 check
digit), mobile numbers and villages taken from the seed regions, for benchmarks and tests.

    python3 scripts/make-ledger.py N OUT.csv [--prefix 4313] [--seed 1] [--bad LINE]

--bad LINE writes a wrong check digit on that line (1 = header, so the first person is 2).
The same arguments always give the same file.
"""
import argparse, gzip, os, random

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"

def check(first17):
    return C[sum(int(d) * w for d, w in zip(first17, W)) % 11]

def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--prefix", default="4313")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad", type=int, default=0)
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with gzip.open(os.path.join(here, "..", "data", "regions", "seed-regions.csv.gz"), "rt", encoding="utf-8") as f:
        villages = [l.split(",")[0] for l in f if len(l.split(",")[0]) == 12 and l.startswith(a.prefix)]
    rng = random.Random(a.seed)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕春梅小红"
    groups = ["农民", "农民", "农民", "青少年", "产业工人", "老年人", "领导干部和公务员", "其他"]
    seen = set()
    with open(a.out, "w", encoding="utf-8", newline="") as out:
        out.write("姓名,身份证号,手机号,村(社区)代码,人群,依据,日期\n")
        line = 1
        while line <= a.n:
            v = rng.choice(villages)
            y = rng.randint(1950, 2005); m = rng.randint(1, 12); d = rng.randint(1, 28)
            first = f"{v[:6]}{y:04d}{m:02d}{d:02d}{rng.randint(0, 999):03d}"
            if first in seen:
                continue
            seen.add(first)
            line += 1
            cd = check(first)
            if line == a.bad:
                cd = "0" if cd != "0" else "1"
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2)))
            phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
            out.write(f"{name},{first}{cd},{phone},{v},{rng.choice(groups)},{v[:9]}乡镇台账2025年第1号,2025-{rng.randint(1,12):02d}-{rng.randint(1,28):02d}\n")

if __name__ == "__main__":
    main()
