"""A small vocabulary that composes many realistic Chinese company names, with their
pinyin worked out once per word: pypinyin on 100,000 whole names would take most of a
minute, while a name's pinyin is the pinyin of its words put together (DESIGN §6 search).
"""

from __future__ import annotations

import random
from functools import cache

from stdnum.cn import uscc as stdnum_uscc

# (city, region code of its main district for the USCC)
CITIES = [
    ("北京", "110108"),
    ("上海", "310115"),
    ("广州", "440106"),
    ("深圳", "440305"),
    ("杭州", "330106"),
    ("南京", "320106"),
    ("苏州", "320505"),
    ("成都", "510107"),
    ("重庆", "500103"),
    ("武汉", "420106"),
    ("西安", "610113"),
    ("天津", "120116"),
    ("青岛", "370212"),
    ("厦门", "350203"),
    ("长沙", "430104"),
    ("郑州", "410105"),
    ("合肥", "340104"),
    ("宁波", "330212"),
    ("无锡", "320214"),
    ("济南", "370102"),
    ("大连", "210204"),
    ("沈阳", "210102"),
    ("昆明", "530102"),
    ("福州", "350102"),
]
PROVINCE = {
    "北京": "北京",
    "上海": "上海",
    "广州": "广东",
    "深圳": "广东",
    "杭州": "浙江",
    "南京": "江苏",
    "苏州": "江苏",
    "成都": "四川",
    "重庆": "重庆",
    "武汉": "湖北",
    "西安": "陕西",
    "天津": "天津",
    "青岛": "山东",
    "厦门": "福建",
    "长沙": "湖南",
    "郑州": "河南",
    "合肥": "安徽",
    "宁波": "浙江",
    "无锡": "江苏",
    "济南": "山东",
    "大连": "辽宁",
    "沈阳": "辽宁",
    "昆明": "云南",
    "福州": "福建",
}
WORDS = [
    "华信",
    "中科",
    "东方",
    "金桥",
    "恒达",
    "新锐",
    "博远",
    "天成",
    "瑞丰",
    "宏图",
    "国泰",
    "星辰",
    "海纳",
    "鼎盛",
    "汇通",
    "远航",
    "德润",
    "安泰",
    "卓越",
    "联创",
    "云帆",
    "启明",
    "诚信",
    "百川",
    "长风",
    "盛世",
    "锦程",
    "嘉禾",
    "明德",
    "正泰",
    "永盛",
    "和谐",
    "飞跃",
    "蓝海",
    "中兴",
    "伟业",
    "泰和",
    "凯旋",
    "华美",
    "信达",
    "光明",
    "腾达",
    "万象",
    "睿智",
    "九州",
    "众合",
]
# (name word, industry label)
INDUSTRIES = [
    ("科技", "信息技术"),
    ("软件", "信息技术"),
    ("网络", "互联网"),
    ("电子", "电子制造"),
    ("机械", "装备制造"),
    ("汽车零部件", "汽车"),
    ("医药", "医药健康"),
    ("医疗器械", "医药健康"),
    ("生物", "医药健康"),
    ("新材料", "化工材料"),
    ("化工", "化工材料"),
    ("物流", "物流"),
    ("供应链", "物流"),
    ("食品", "消费品"),
    ("服饰", "消费品"),
    ("建设工程", "建筑地产"),
    ("置业", "建筑地产"),
    ("能源", "能源"),
    ("环保", "能源"),
    ("教育咨询", "教育"),
    ("文化传媒", "传媒"),
    ("投资管理", "金融"),
]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞宇晨欣怡浩然子涵"
TITLES = ["总经理", "采购经理", "技术总监", "财务总监", "行政主管", "项目经理", "董事长助理"]
SUMMARIES = [
    "电话沟通年度采购计划，客户关注交付周期",
    "上门拜访，演示新版本方案，对方技术团队参与",
    "微信跟进报价单，客户内部审批中",
    "邮件发送合同草案，等待法务意见",
    "参加客户季度会议，了解明年预算",
    "回访使用情况，收集改进意见",
    "约见决策人，确认需求范围和预算",
]
NEXT_STEPS = ["发送报价", "安排演示", "跟进合同", "约见决策人", "提交方案", ""]


@cache
def word_pinyin(word: str) -> tuple[str, str]:
    from rapport.customers.normalize import pinyin_forms

    return pinyin_forms(word)


def compose_search_text(*words_of_parts: tuple[str, ...]) -> str:
    """What `normalize.search_text(*parts)` gives, each part given as its words so the
    pinyin comes from the per-word cache: folded text, full pinyin, initials."""
    from rapport.customers.normalize import fold

    out: list[str] = []
    for words in words_of_parts:
        if not words:
            continue
        text = fold("".join(words)).replace(" ", "")
        if not text:
            continue
        out.append(text)
        if any("\u4e00" <= char <= "\u9fff" for char in text):
            forms = [word_pinyin(word) for word in words]
            out.append("".join(full for full, _initials in forms))
            out.append("".join(initials for _full, initials in forms))
    return " ".join(dict.fromkeys(word for word in out if word))


def company(rng: random.Random, *, two_words: bool = False) -> dict:
    """A company: its name, short name, city and industry, and the words of each.
    `two_words` draws from the 1.2 million names of two trade words (fewer repeats)."""
    city, region_code = rng.choice(CITIES)
    word = rng.choice(WORDS)
    if two_words or rng.random() < 0.5:
        word += rng.choice(WORDS)
    trade, industry = rng.choice(INDUSTRIES)
    suffix = rng.choice(SUFFIXES)
    name_words = (city, word, trade, suffix)
    return {
        "name": "".join(name_words),
        "name_words": name_words,
        "short_words": (word, trade),
        "city": city,
        "region": PROVINCE[city],
        "region_code": region_code,
        "industry": industry,
    }


def uscc(region_code: str, serial: int) -> str:
    """A valid unified social credit code, unique by `serial`: 91 (enterprise), the
    region, a 9-digit serial, and the check character."""
    body = f"91{region_code}{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
