"""Chinese names, mobile numbers and street addresses for the demo city. No Django here."""

import bisect
import itertools
import random

# Common surnames with rough weights (per mille) from the national name statistics, Sichuan order.
_SURNAME_WEIGHTS = (
    ("李", 79),
    ("王", 75),
    ("张", 70),
    ("刘", 58),
    ("陈", 56),
    ("杨", 36),
    ("黄", 23),
    ("赵", 22),
    ("吴", 20),
    ("周", 19),
    ("何", 12),
    ("罗", 11),
    ("徐", 13),
    ("孙", 12),
    ("马", 11),
    ("朱", 11),
    ("胡", 11),
    ("郭", 11),
    ("高", 9),
    ("林", 9),
    ("郑", 8),
    ("谢", 8),
    ("唐", 8),
    ("邓", 8),
    ("梁", 7),
    ("宋", 6),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("曹", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("蒋", 5),
    ("余", 5),
    ("潘", 4),
    ("蔡", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("魏", 4),
    ("任", 4),
    ("苏", 3),
    ("吕", 3),
    ("丁", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("钟", 3),
    ("廖", 3),
    ("熊", 3),
    ("傅", 2),
    ("范", 2),
    ("汪", 2),
    ("陆", 2),
    ("金", 2),
    ("石", 2),
    ("贾", 2),
    ("夏", 2),
    ("付", 2),
    ("方", 2),
    ("邹", 2),
    ("白", 2),
    ("孟", 2),
    ("秦", 2),
    ("邱", 2),
    ("侯", 2),
    ("江", 2),
    ("雷", 2),
    ("尹", 1),
    ("薛", 1),
    ("段", 1),
    ("龙", 1),
    ("黎", 1),
    ("史", 1),
    ("陶", 1),
    ("贺", 1),
    ("毛", 1),
    ("郝", 1),
    ("顾", 1),
    ("龚", 1),
    ("邵", 1),
    ("万", 1),
    ("武", 1),
    ("钱", 1),
    ("戴", 1),
    ("严", 1),
    ("向", 1),
    ("文", 1),
    ("鄢", 1),
)
SURNAMES = tuple(s for s, _ in _SURNAME_WEIGHTS)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in _SURNAME_WEIGHTS))

# Given-name characters by birth cohort and sex: names follow fashions (建国 then 伟 then 梓涵).
_GIVEN = {
    ("old", True): "建国华明德福强军志文平林荣海成忠树春庆金贵发永光学祥顺保安东兴全有",
    ("old", False): "秀英兰珍芳凤桂玉华淑琴敏霞梅莲菊素翠荣云萍慧芝琼碧清惠香",
    ("mid", True): "伟磊勇杰涛斌超鹏宇浩军刚峰亮波辉俊明强东健林飞鑫洋毅彬松",
    ("mid", False): "丽娟静敏燕艳婷芳玲霞雪琳莉红梅晶蓉倩颖洁萍丹慧利娜英",
    ("young", True): "子浩宇轩然博文泽梓睿俊豪铭皓晨一鸣航凯锦诚逸辰奕佑阳",
    ("young", False): "梓涵欣怡雨萱诗语若思佳琪可馨紫悦婉晴依彤雅嘉瑶沐妍",
}

# Mainland mobile number segments in use (工信部 allocations), weighted towards the big three.
MOBILE_PREFIXES = tuple(
    [str(p) for p in range(130, 140)] * 3
    + [str(p) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)] * 2
    + [str(p) for p in range(180, 190)] * 2
    + ["147", "166", "173", "175", "176", "177", "178", "191", "195", "198", "199"]
)

_ROAD_STEMS = (
    "锦华",
    "东风",
    "红星",
    "建设",
    "和平",
    "春熙",
    "青龙",
    "玉林",
    "桂溪",
    "府南",
    "望江",
    "滨江",
    "新华",
    "人民",
    "光华",
    "蜀汉",
    "双林",
    "猛追湾",
    "九眼桥",
    "合江",
    "大慈",
    "书院",
    "致民",
    "天府",
    "永丰",
    "金沙",
    "清水",
    "龙泉",
    "太平",
    "顺城",
    "白果林",
    "营门口",
    "沙湾",
    "驷马桥",
    "府青",
    "二仙桥",
    "跳蹬河",
    "万年",
    "牛市口",
    "莲桂",
    "三圣",
    "川师",
    "琉璃",
    "盐市口",
    "文翁",
)
_ROAD_SUFFIXES = ("路", "街", "巷", "大道", "北路", "南路", "东路", "西路", "中路", "横街")
_COMPOUND_STEMS = (
    "锦绣",
    "阳光",
    "翠苑",
    "怡和",
    "金色",
    "蓝天",
    "康乐",
    "紫荆",
    "芙蓉",
    "银杏",
    "润扬",
    "嘉园",
    "望江",
    "时代",
    "华润",
    "滨河",
    "幸福",
    "丽景",
    "东方",
    "明珠",
    "南苑",
    "北苑",
    "锦城",
    "安居",
)
_COMPOUND_SUFFIXES = ("苑", "小区", "花园", "家园", "公寓", "华庭", "雅居", "新村", "院落", "名城")


def draw_surname(rng: random.Random) -> str:
    """A surname drawn by its frequency."""
    return SURNAMES[bisect.bisect_right(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


def draw_given_name(rng: random.Random, birth_year: int, male: bool) -> str:
    """One or two characters in the fashion of the birth cohort; older people more often one."""
    cohort = "old" if birth_year < 1965 else "mid" if birth_year < 1995 else "young"
    chars = _GIVEN[(cohort, male)]
    n = len(chars)
    r = rng.random
    single = 0.35 if cohort == "old" else 0.2 if cohort == "mid" else 0.1
    if r() < single:
        return chars[int(r() * n)]
    return chars[int(r() * n)] + chars[int(r() * n)]


def draw_mobile(rng: random.Random) -> str:
    """A mainland mobile number, 1[3-9] followed by nine digits."""
    r = rng.random
    return f"{MOBILE_PREFIXES[int(r() * len(MOBILE_PREFIXES))]}{int(r() * 100_000_000):08d}"


def draw_road(rng: random.Random) -> str:
    """A road name in the style of central Chengdu."""
    return rng.choice(_ROAD_STEMS) + rng.choice(_ROAD_SUFFIXES)


def draw_compound_name(rng: random.Random) -> str:
    """A residential compound (小区) name."""
    return rng.choice(_COMPOUND_STEMS) + rng.choice(_COMPOUND_SUFFIXES)


def place_name(community_name: str) -> str:
    """The community's own name without the committee suffix: 三圣村村委会 -> 三圣村."""
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会", "委员会"):
        if community_name.endswith(suffix):
            return community_name[: -len(suffix)]
    return community_name
